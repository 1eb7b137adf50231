import keras
import numpy as np
import pytest

from mmkeras.models import build_vision_language_model
from mmkeras.preprocessing import ImageConverter
from mmkeras.preprocessing import WordTokenizer
from mmkeras.tasks import VisionLanguageModel
from mmkeras.tasks import VisionLanguagePreprocessor

PROMPTS = ["what color is the circle?", "describe the image"]
ANSWERS = ["red", "a small red circle"]


@pytest.fixture(scope="module")
def task():
    keras.utils.set_random_seed(0)
    tokenizer = WordTokenizer.from_corpus(PROMPTS + ANSWERS)
    return VisionLanguageModel.from_preset("world_vlm", vocabulary=tokenizer, prompt_length=6, answer_length=6,
                                           filters=(8,), hidden_dim=16, num_heads=2, num_layers=1,
                                           intermediate_dim=16)


def images(count, size=36):
    return np.random.default_rng(0).integers(0, 256, (count, size, size, 3), dtype=np.uint8)


def test_the_task_learns_the_answers_from_raw_images_and_strings(task):
    x = {"image": images(16), "prompt": PROMPTS * 8}
    # At 25 epochs 4 of 14 seeds still answered "red" to both prompts; 60 taught all 10 tried, those 4 included.
    task.fit(x, ANSWERS * 8, batch_size=4, epochs=60, verbose=0)
    assert task.generate(x["image"][:2], PROMPTS) == ANSWERS
    # Sampling at a low temperature writes the same answers; a seed repeats a sample.
    assert task.generate(x["image"][:2], PROMPTS, temperature=0.05, seed=1) == ANSWERS
    hot = dict(temperature=3.0, top_k=4, seed=2)
    assert task.generate(x["image"][:2], PROMPTS, **hot) == task.generate(x["image"][:2], PROMPTS, **hot)
    answers, scores = task.generate(x["image"][:3], PROMPTS + PROMPTS[:1], return_scores=True, batch_size=2)
    assert answers == ANSWERS + ANSWERS[:1] and scores.shape == (3,) and (scores <= 0).all()


def test_inputs_that_would_be_cut_or_do_not_pair_are_refused(task):
    with pytest.raises(ValueError, match="Prompt 1 has more than prompt_length=6 words"):
        task.generate(images(2), ["red", "one two three four five six seven"])
    with pytest.raises(ValueError, match=r"Answer 0 \('a very long answer of many words'\).*answer_length - 1 = 5"):
        task.fit({"image": images(1), "prompt": ["describe"]}, ["a very long answer of many words"], verbose=0)
    with pytest.raises(ValueError, match=r"one prompt per image. Received 3 images and 2 prompts"):
        task.generate(images(3), PROMPTS)
    with pytest.raises(ValueError, match=r'x = \{"image": images, "prompt": strings\}.*Received: \[\'image\', \'text\'\]'):
        task.preprocessor({"image": images(1), "text": ["red"]})
    with pytest.raises(TypeError, match="wrap a single one in a list"):
        task.generate(images(1), "describe the image")


def test_a_backbone_and_preprocessor_that_disagree_are_refused():
    tokenizer = WordTokenizer.from_corpus(PROMPTS + ANSWERS)
    backbone = build_vision_language_model(32, tokenizer.vocabulary_size, 6, 6, filters=(8,), hidden_dim=8,
                                           num_heads=2, num_layers=1, intermediate_dim=8)
    with pytest.raises(ValueError, match="6-token prompts.*the preprocessor makes 32, 7 and 6"):
        VisionLanguageModel(backbone, VisionLanguagePreprocessor(ImageConverter(32), tokenizer, 7, 6))
    bigger = WordTokenizer.from_corpus(PROMPTS + ANSWERS + ["blue green yellow purple"])
    with pytest.raises(ValueError, match="vocabulary_size="):
        VisionLanguageModel(backbone, VisionLanguagePreprocessor(ImageConverter(32), bigger, 6, 6))
    with pytest.raises(TypeError, match="must be a WordTokenizer"):
        VisionLanguagePreprocessor(ImageConverter(32), "words", 6, 6)

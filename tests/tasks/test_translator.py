"""The translator task: English to Chinese on the world, trained, searched, saved and refused clearly."""

import random

import keras
import numpy as np
import pytest

from mmkeras.datasets import make_scenes
from mmkeras.metrics import corpus_bleu
from mmkeras.preprocessing import ImageConverter
from mmkeras.preprocessing import WordTokenizer
from mmkeras.tasks import Translator
from mmkeras.tasks import TranslatorPreprocessor

PRESET = {
    "task": "Translator",
    "backbone": {"source_length": 16, "target_length": 40, "embedding_dim": 32, "units": 64},
    "training": {"learning_rate": 5e-3},
}


def parallel_captions(n, seed):
    english, chinese = make_scenes(n, seed=seed, image_size=32), make_scenes(n, seed=seed, image_size=32, language="zh")
    return [c for caps in english.captions for c in caps], [c for caps in chinese.captions for c in caps]


@pytest.fixture(scope="module")
def trained():
    keras.utils.set_random_seed(0)
    sources, targets = parallel_captions(500, seed=1)
    translator = Translator.from_preset(PRESET, WordTokenizer.from_corpus(sources), WordTokenizer.from_corpus(targets))
    translator.fit(sources, targets, batch_size=64, epochs=3, verbose=0)
    return translator, targets


def characters(tokenizer, texts):
    # BLEU over characters: written Chinese has no spaces, and a word segmenter would decide the score.
    normalized = tokenizer.detokenize(tokenizer(texts, 60, add_start_end=False)).numpy()
    return [list(text.decode("utf-8")) for text in normalized]


def test_translator_learns_english_to_chinese_far_above_chance(trained):
    translator, training_targets = trained
    sources, targets = parallel_captions(40, seed=2)
    tokenizer = translator.preprocessor.target_tokenizer
    references = [[chars] for chars in characters(tokenizer, targets)]
    translations = translator.translate(sources)
    score = corpus_bleu(references, [list(text) for text in translations])
    # Chance: a random training sentence for every source.
    guesses = random.Random(0).choices(training_targets, k=len(sources))
    chance = corpus_bleu(references, characters(tokenizer, guesses))
    assert score > chance + 0.3, (score, chance)
    assert not any(char.isascii() and char.isalpha() for text in translations for char in text)


def test_beam_search_scores_at_least_greedy(trained):
    translator, _ = trained
    sources, _ = parallel_captions(5, seed=3)
    _, greedy = translator.translate(sources, return_scores=True)
    _, beam = translator.translate(sources, beam_width=3, return_scores=True)
    assert np.all(beam >= greedy - 1e-4), (beam, greedy)


def test_translator_round_trips_in_safe_mode(trained, tmp_path):
    translator, _ = trained
    sources, _ = parallel_captions(3, seed=4)
    path = tmp_path / "translator.keras"
    translator.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(reloaded, Translator) and not reloaded.grounded
    assert reloaded.translate(sources, beam_width=2) == translator.translate(sources, beam_width=2)


def test_grounded_translator_trains_and_round_trips(tmp_path, rng):
    sources, targets = ["a red shape", "a blue shape"] * 4, ["一个红色的圆形", "一个蓝色的正方形"] * 4
    preset = {**PRESET, "backbone": {**PRESET["backbone"], "units": 16, "image_size": 16, "filters": (4,)}}
    translator = Translator.from_preset(preset, WordTokenizer.from_corpus(sources), WordTokenizer.from_corpus(targets))
    images = rng.integers(0, 256, (8, 20, 20, 3), dtype=np.uint8)
    translator.fit({"text": sources, "image": images}, targets, batch_size=4, epochs=1, verbose=0)
    translator.save(tmp_path / "grounded.keras")
    reloaded = keras.saving.load_model(tmp_path / "grounded.keras", safe_mode=True)
    assert reloaded.grounded
    assert reloaded.translate(sources[:2], images=images[:2]) == translator.translate(sources[:2], images=images[:2])
    with pytest.raises(ValueError, match="grounded in images: pass images"):
        translator.translate(sources[:2])
    with pytest.raises(ValueError, match="x\\['text'\\]: 2, x\\['image'\\]: 1"):
        translator.translate(sources[:2], images=images[:1])
    with pytest.raises(ValueError, match='expected x = \\{"text": source strings, "image": images\\}.*Received: list'):
        translator.fit(sources, targets, epochs=1, verbose=0)


def test_text_translator_refuses_images_and_single_strings(trained):
    translator, _ = trained
    with pytest.raises(ValueError, match="reads text only"):
        translator.translate(["a red circle"], images=np.zeros((1, 32, 32, 3), "uint8"))
    with pytest.raises(TypeError, match="wrap a single one in a list"):
        translator.translate("a red circle")
    with pytest.raises(ValueError, match="beam_width=0"):
        translator.translate(["a red circle"], beam_width=0)


def test_preprocessor_and_backbone_must_agree():
    english, chinese = WordTokenizer.from_corpus(["a red circle"]), WordTokenizer.from_corpus(["一个红色的圆形"])
    translator = Translator.from_preset(PRESET, english, chinese, compile=False)
    with pytest.raises(ValueError, match="16 source and 40 target tokens, but the preprocessor makes 16 and 20"):
        Translator(translator.backbone, TranslatorPreprocessor(english, chinese, 16, 20))
    with pytest.raises(ValueError, match="disagree about images"):
        Translator(translator.backbone, TranslatorPreprocessor(english, chinese, 16, 40, image_converter=ImageConverter(16)))
    bigger = WordTokenizer.from_corpus(["一二三四五六七八九十百千万"])
    expected = f"target tokenizer has {bigger.vocabulary_size} tokens but the backbone's 'decoder' has only {chinese.vocabulary_size}"
    with pytest.raises(ValueError, match=expected):
        Translator(translator.backbone, TranslatorPreprocessor(english, bigger, 16, 40))
    with pytest.raises(TypeError, match="`target_vocabulary` must be a WordTokenizer or a non-empty list"):
        Translator.from_preset(PRESET, english, "一个红色的圆形")
    with pytest.raises(TypeError, match="`target_tokenizer` must be a WordTokenizer"):
        TranslatorPreprocessor(english, ["一"])


def test_preprocessor_config_round_trips_with_and_without_images():
    english, chinese = WordTokenizer.from_corpus(["a red circle"]), WordTokenizer.from_corpus(["一个红色的圆形"])
    for converter in (None, ImageConverter(24)):
        preprocessor = TranslatorPreprocessor(english, chinese, 8, 12, image_converter=converter)
        restored = TranslatorPreprocessor.from_config(preprocessor.get_config())
        assert restored.grounded == (converter is not None) and restored.target_length == 12
        assert restored.target_tokenizer.vocabulary == chinese.vocabulary

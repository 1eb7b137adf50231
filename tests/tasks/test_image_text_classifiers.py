import numpy as np
import pytest
import tensorflow as tf

from mmkeras.models import build_vqa_model
from mmkeras.preprocessing import ImageConverter
from mmkeras.preprocessing import WordTokenizer
from mmkeras.tasks import ImageTextClassifierPreprocessor
from mmkeras.tasks import ProductClassifier
from mmkeras.tasks import VisualQuestionAnswerer

QUESTIONS = WordTokenizer.from_corpus(["what colour is it", "这是什么颜色"])


def small_answerer(labels):
    return VisualQuestionAnswerer.from_preset(
        "world_vqa", vocabulary=QUESTIONS, labels=labels, filters=(8,), width=16, hidden_units=16, embedding_dim=8,
    )


def coloured(channel, count, size=48):
    images = np.zeros((count, size, size, 3), np.uint8)
    images[..., channel] = 255
    return images


def test_answers_are_the_labels_of_the_data_in_any_language():
    answerer = small_answerer(["红色", "blue"])
    images = np.concatenate([coloured(0, 16), coloured(2, 16)])
    x = {"image": images, "text": ["what colour is it?"] * 16 + ["这是什么颜色？"] * 16}
    history = answerer.fit(x, ["红色"] * 16 + ["blue"] * 16, batch_size=8, epochs=6, verbose=0)
    assert history.history["accuracy"][-1] == 1.0
    answers, confidences = answerer.answer(
        images[[0, -1]],
        ["What colour is it?", "这是什么颜色"], return_confidence=True,
    )
    assert answers == ["红色", "blue"] and np.all(confidences > 0.5)
    # Other sizes go in too: the converter resizes.
    assert answerer.answer(coloured(0, 1, 96), ["what colour is it"]) == ["红色"]


def test_preprocessor_maps_label_names_and_ids_and_refuses_unknown_ones():
    preprocessor = ImageTextClassifierPreprocessor(ImageConverter(8), QUESTIONS, ["red", "blue"], 4, "question")
    x = {"image": np.zeros((2, 8, 8, 3), np.uint8), "text": ["what colour", "是什么"]}
    inputs, ids = preprocessor(x, ["blue", "red"])
    assert ids.numpy().tolist() == [1, 0] and inputs["question"].shape == (2, 4)
    assert preprocessor(x, np.array([1, 0]))[1].numpy().tolist() == [1, 0]
    with pytest.raises(ValueError, match=r"Unknown labels \['green'\]: this preprocessor knows \['red', 'blue'\]"):
        preprocessor(x, ["green", "red"])
    with pytest.raises(ValueError, match=r"Label ids must be in \[0, 2\). Received: \[5\]"):
        preprocessor(x, [5, 0])
    dataset = tf.data.Dataset.from_tensor_slices((x, ["green", "red"])).batch(2).map(preprocessor)
    with pytest.raises(tf.errors.InvalidArgumentError, match="not one of the labels this preprocessor knows"):
        next(iter(dataset))
    with pytest.raises(ValueError, match=r'Expected x = \{"image": images, "text": strings\}'):
        preprocessor({"image": x["image"], "question": x["text"]})
    with pytest.raises(ValueError, match="two or more distinct"):
        ImageTextClassifierPreprocessor(ImageConverter(8), QUESTIONS, ["red", "red"], 4)


def test_task_and_preprocessor_must_agree():
    backbone = build_vqa_model(QUESTIONS.vocabulary_size, 3, image_size=48, question_length=14, filters=(8,),
                               width=8, embedding_dim=8)
    with pytest.raises(ValueError, match="3 outputs but the preprocessor names 2 labels"):
        VisualQuestionAnswerer(backbone, ImageTextClassifierPreprocessor(
            ImageConverter(48), QUESTIONS, ["a", "b"], 14, "question"))
    with pytest.raises(ValueError, match="takes 48-pixel images and 14 tokens, but the preprocessor makes 32"):
        VisualQuestionAnswerer(backbone, ImageTextClassifierPreprocessor(
            ImageConverter(32), QUESTIONS, ["a", "b", "c"], 14, "question"))
    with pytest.raises(ValueError, match="text_input='text'"):
        VisualQuestionAnswerer(backbone, ImageTextClassifierPreprocessor(
            ImageConverter(48), QUESTIONS, ["a", "b", "c"], 14, "text"))
    bigger = WordTokenizer(QUESTIONS.vocabulary[4:] + ["extra"])
    with pytest.raises(ValueError, match="embeds only"):
        VisualQuestionAnswerer(backbone, ImageTextClassifierPreprocessor(
            ImageConverter(48), bigger, ["a", "b", "c"], 14, "question"))
    with pytest.raises(ValueError, match="for the task 'VisualQuestionAnswerer', not ProductClassifier"):
        ProductClassifier.from_preset("world_vqa", vocabulary=QUESTIONS, labels=["a", "b"])
    with pytest.raises(TypeError, match="one per image"):
        small_answerer(["a", "b"]).answer(coloured(0, 1), "what colour is it")

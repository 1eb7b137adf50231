import json
import os
import pathlib
import subprocess
import sys
import wave

import keras
import numpy as np
import pytest
import tensorflow as tf

from mmkeras.datasets import ANSWERS
from mmkeras.datasets import make_scenes
from mmkeras.datasets import make_shop
from mmkeras.datasets.pipelines import all_texts
from mmkeras.datasets.shop import CATEGORIES
from mmkeras.models import build_captioner
from mmkeras.models import build_product_classifier
from mmkeras.models import build_vqa_model
from mmkeras.models import generate_captions
from mmkeras.preprocessing import WordTokenizer
from mmkeras.serving import decode_images
from mmkeras.serving import export_captioner
from mmkeras.serving import export_product_classifier
from mmkeras.serving import export_vqa
from mmkeras.tasks import DualEncoder
from mmkeras.tasks import MaskedLanguageModel
from mmkeras.tasks import SpeechTranslator
from mmkeras.tasks import Translator
from mmkeras.tasks import VisionLanguageModel

CLIENT = os.path.join(os.path.dirname(__file__), "serving_client.py")


def _write_pngs(images, folder):
    paths = []
    for i, image in enumerate(images):
        path = str(folder / f"image_{i}.png")
        tf.io.write_file(path, tf.io.encode_png(image))
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Export three small models, call the exports from a process without mmkeras.

    Returns what the client printed and what the models gave in this process.
    """
    folder = tmp_path_factory.mktemp("serving")
    keras.utils.set_random_seed(0)
    scenes = make_scenes(4, seed=5, image_size=32)
    tokenizer = WordTokenizer.from_corpus(all_texts(scenes))
    images = scenes.images.astype("float32") / 255.0
    questions = [scene_questions[i % 5]["question"] for i, scene_questions in enumerate(scenes.questions)]
    # Unknown words and punctuation go through the same path as in training.
    questions[3] = "What COLOUR is the zigzag, please?"
    image_paths = _write_pngs(scenes.images, folder)

    vqa = build_vqa_model(tokenizer.vocabulary_size, len(ANSWERS), image_size=32, question_length=8,
                          width=8, filters=(4,), embedding_dim=8)
    vqa_probabilities = keras.ops.convert_to_numpy(
        vqa({"image": images, "question": tokenizer(questions, 8, add_start_end=False).numpy()})
    )
    captioner = build_captioner(tokenizer.vocabulary_size, image_size=32, sequence_length=7, filters=(4, 8),
                                feature_dim=8, embedding_dim=8, units=8)
    search = generate_captions(captioner, images, tokenizer.start_id, tokenizer.end_id, max_length=7)
    captions = [c.decode() for c in tokenizer.detokenize(search.tokens).numpy()]

    shop = make_shop(4, seed=2, image_size=32)
    shop_tokenizer = WordTokenizer.from_corpus(shop.texts)
    classifier = build_product_classifier(shop_tokenizer.vocabulary_size, len(CATEGORIES), image_size=32,
                                          text_length=12, width=8, hidden_units=8, filters=(4,), embedding_dim=8)
    shop_probabilities = keras.ops.convert_to_numpy(classifier({
        "image": shop.images.astype("float32") / 255.0,
        "text": shop_tokenizer(shop.texts, 12, add_start_end=False).numpy(),
    }))
    shop_paths = _write_pngs(shop.images, folder / "..")

    requests = {
        "vqa": {"path": export_vqa(vqa, tokenizer, folder / "vqa"),
                "arguments": {"image_bytes": image_paths, "question": questions}},
        "captioner": {"path": export_captioner(captioner, tokenizer, folder / "captioner"),
                      "arguments": {"image_bytes": image_paths}},
        "classifier": {"path": export_product_classifier(classifier, shop_tokenizer, folder / "classifier"),
                       "arguments": {"image_bytes": shop_paths, "text": shop.texts}},
    }
    requests_path = folder / "requests.json"
    requests_path.write_text(json.dumps(requests))
    run = subprocess.run([sys.executable, CLIENT, str(requests_path)], capture_output=True, text=True,
                         timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert run.returncode == 0, run.stderr[-3000:]
    client = json.loads(run.stdout.strip().splitlines()[-1])
    local = {"vqa": vqa_probabilities, "captions": captions, "scores": keras.ops.convert_to_numpy(search.scores),
             "classifier": shop_probabilities}
    return client, local


def _check_classification(outputs, probabilities, names, label_key):
    assert len(outputs[label_key]) == len(probabilities)
    for row, label, confidence in zip(probabilities, outputs[label_key], outputs["confidence"], strict=True):
        # The served label is one the model rates (within float noise) highest.
        assert label in names
        np.testing.assert_allclose(row[names.index(label)], row.max(), atol=1e-5)
        np.testing.assert_allclose(confidence, row.max(), atol=1e-5)


@pytest.mark.parametrize("endpoint", ["serve", "serving_default"])
def test_served_vqa_answers_raw_images_and_questions(served, endpoint):
    client, local = served
    _check_classification(client["vqa"][endpoint], local["vqa"], list(ANSWERS), "answer")


@pytest.mark.parametrize("endpoint", ["serve", "serving_default"])
def test_served_captioner_writes_the_models_captions(served, endpoint):
    client, local = served
    outputs = client["captioner"][endpoint]
    assert outputs["caption"] == local["captions"]
    np.testing.assert_allclose(outputs["score"], local["scores"], rtol=1e-4)


def test_served_product_classifier_names_categories(served):
    client, local = served
    _check_classification(client["classifier"]["serve"], local["classifier"], list(CATEGORIES), "category")


def test_decode_images_scales_resizes_and_fills_channels():
    image = np.random.default_rng(0).integers(0, 256, size=(16, 16, 3), dtype=np.uint8)
    grey = np.full((20, 12, 1), 128, np.uint8)
    files = tf.constant([tf.io.encode_png(image).numpy(), tf.io.encode_png(grey).numpy()])
    decoded = decode_images(files, 16).numpy()
    assert decoded.shape == (2, 16, 16, 3)
    np.testing.assert_allclose(decoded[0], image / 255.0, atol=1e-6)
    np.testing.assert_allclose(decoded[1], 128 / 255.0, atol=1e-6)


def test_exporters_reject_the_wrong_model_tokenizer_or_labels(tmp_path):
    scenes = make_scenes(2, image_size=32)
    tokenizer = WordTokenizer.from_corpus(all_texts(scenes))
    vqa = build_vqa_model(tokenizer.vocabulary_size, len(ANSWERS), image_size=32, question_length=8,
                          width=8, filters=(4,), embedding_dim=8)
    with pytest.raises(ValueError, match=f"has {len(ANSWERS)} outputs but 2 answer names"):
        export_vqa(vqa, tokenizer, tmp_path / "a", answers=["yes", "no"])
    with pytest.raises(TypeError, match="must be the mmkeras.preprocessing.WordTokenizer.*Received: dict"):
        export_vqa(vqa, {}, tmp_path / "b")
    bigger = WordTokenizer(tokenizer.vocabulary[4:] + ["zebra", "quokka"])
    with pytest.raises(ValueError, match="embeds only"):
        export_vqa(vqa, bigger, tmp_path / "c")
    with pytest.raises(ValueError, match=r"inputs \['image', 'tokens'\].*inputs \['image', 'question'\]"):
        export_captioner(vqa, tokenizer, tmp_path / "d")
    with pytest.raises(TypeError, match="Expected a keras.Model from build_vqa_model"):
        export_vqa(keras.layers.Dense(3), tokenizer, tmp_path / "e")
    captioner = build_captioner(tokenizer.vocabulary_size, image_size=32, sequence_length=7, filters=(4,),
                                feature_dim=8, embedding_dim=8, units=8)
    with pytest.raises(ValueError, match="beam_width=0"):
        export_captioner(captioner, tokenizer, tmp_path / "f", beam_width=0)
    assert list(tmp_path.iterdir()) == []  # no export left a half-written folder


def _write_wavs(waveforms, lengths, folder, sample_rate=8000):
    paths = []
    for i, (waveform, length) in enumerate(zip(waveforms, lengths)):
        path = folder / f"utterance_{i}.wav"
        with wave.open(str(path), "wb") as file:
            file.setnchannels(1)
            file.setsampwidth(2)
            file.setframerate(sample_rate)
            file.writeframes((np.clip(waveform[:length], -1, 1) * 32767).astype("<i2").tobytes())
        paths.append(str(path))
    return paths


# Served as the task itself answers them: no text is too odd for an export.
UNUSUAL_TEXTS = ["", "🙂🚀 红色的圆", " \t "]


def _request_and_expected(task, inputs, folder):
    """The served request for one task's raw inputs (and unusual texts), and what the task itself answers."""
    if "clips" in inputs:
        np.save(folder / "clips.npy", inputs["clips"])
        labels, confidences = task.classify(inputs["clips"], return_confidence=True)
        return {"clips": str(folder / "clips.npy")}, {"label": labels, "confidence": confidences}
    if isinstance(task, MaskedLanguageModel):
        texts = [str(t) for t in inputs["texts"]] + ["a [MASK] square [MASK]", "ＲＥＤ Straße ﬁne [MASK]",
                                                      "🙂 [MASK] 红色的圆"]
        # Served, a text without [MASK] comes back normalised and cut to the sequence length.
        unmasked = "A red circle, " * 6
        tokenizer = task.preprocessor.tokenizer
        cut = tokenizer.detokenize(tokenizer([unmasked], task.preprocessor.sequence_length)).numpy()[0].decode()
        assert 0 < len(cut) < len(tokenizer.normalize([unmasked]).numpy()[0])
        return {"text": texts + [unmasked]}, {"text": task.fill_mask(texts) + [cut]}
    if isinstance(task, SpeechTranslator):
        paths = _write_wavs(inputs["waveforms"], inputs["lengths"], folder)
        translations, scores = task.translate(paths, return_scores=True)
        return {"wav_bytes": paths}, {"translation": translations, "score": scores}
    if isinstance(task, Translator):
        texts = [str(t) for t in inputs["texts"]] + UNUSUAL_TEXTS
        translations, scores = task.translate(texts, return_scores=True)
        return {"text": texts}, {"translation": translations, "score": scores}
    if "images" not in inputs and "texts" in inputs:
        texts = [str(t) for t in inputs["texts"]] + UNUSUAL_TEXTS
        return {"text": texts, "seed": 3}, {"image": task.generate(texts, seed=3).tolist()}
    if "waveforms" in inputs:
        paths = _write_wavs(inputs["waveforms"], inputs["lengths"], folder)
        return {"wav_bytes": paths}, {"transcript": task.transcribe(paths)}
    paths = _write_pngs(inputs["images"], folder)
    arguments = {"image_bytes": paths}
    if isinstance(task, DualEncoder):
        arguments["text"] = [str(t) for t in inputs["texts"]] + UNUSUAL_TEXTS
        images = [pathlib.Path(path) for path in paths]
        return arguments, {"similarity": task.similarity(images, arguments["text"])}
    if isinstance(task, VisionLanguageModel):
        arguments["prompt"] = UNUSUAL_TEXTS[:len(paths)]
        answers, scores = task.generate(paths, arguments["prompt"], return_scores=True)
        return arguments, {"answer": answers, "score": scores}
    if "texts" in inputs:
        arguments["text"] = UNUSUAL_TEXTS[:len(paths)]
        labels, confidences = task.predict_labels(paths, arguments["text"])
        return arguments, {"label": labels, "confidence": confidences}
    captions, scores = task.generate(paths, return_scores=True)
    return arguments, {"caption": captions, "score": scores}


def test_every_task_exports_from_its_own_preprocessor_and_serves_without_mmkeras(tmp_path, rng):
    from mmkeras.serving import export_task
    from tests.tasks.task_cases import TASK_CASES

    requests, expected = {}, {}
    for name, (make, _) in TASK_CASES.items():
        # An export serves the weights it is given; training them first would only cost time.
        task, inputs = make(rng, train=False)
        (tmp_path / name).mkdir()
        arguments, expected[name] = _request_and_expected(task, inputs, tmp_path / name)
        requests[name] = {"path": export_task(task, tmp_path / f"{name}_export"), "arguments": arguments}
    (tmp_path / "requests.json").write_text(json.dumps(requests))
    run = subprocess.run([sys.executable, CLIENT, str(tmp_path / "requests.json")], capture_output=True, text=True,
                         timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert run.returncode == 0, run.stderr[-3000:]
    client = json.loads(run.stdout.strip().splitlines()[-1])
    for name, outputs in expected.items():
        served = client[name]["serve"]
        assert sorted(served) == sorted(outputs), name
        for key, value in outputs.items():
            if isinstance(value, list):
                assert served[key] == value, name
            else:
                np.testing.assert_allclose(served[key], value, rtol=1e-4, atol=1e-5, err_msg=name)


def test_export_task_names_what_it_can_export(tmp_path):
    from mmkeras.serving import export_task

    with pytest.raises(TypeError, match="Captioner, VisualQuestionAnswerer, ProductClassifier, ActionRecognizer.*Received: Sequential"):
        export_task(keras.Sequential([keras.layers.Dense(1)]), tmp_path / "x")


def test_a_request_that_is_not_an_image_is_named_by_its_index():
    # As in an exported SavedModel: the decoding runs in a graph, where only the message can say which file.
    serve = tf.function(lambda files: decode_images(files, 8))
    image = tf.io.encode_png(np.zeros((8, 8, 3), np.uint8)).numpy()
    assert serve(tf.constant([image, image])).shape == (2, 8, 8, 3)
    for broken in (b"GET / HTTP/1.1", image[: len(image) // 2]):
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"Cannot decode image\] \[request 1\]"):
            serve(tf.constant([image, broken, image]))

"""One small, briefly trained instance of every task, and its readable outputs.

`make_*(rng, train=False)` builds the same task without its one epoch of
training, for tests of what a task does with its inputs (serving,
unusual inputs) rather than of what training leaves behind.

`tests/tasks/test_task_saving.py` checks that this table names every task
class that `mmkeras.tasks` exports, so a new task cannot skip the tests.
"""

import numpy as np

from mmkeras.models.bert import build_bert_encoder
from mmkeras.models.bert import build_bert_text_tower
from mmkeras.preprocessing import WordPieceTokenizer
from mmkeras.preprocessing import WordTokenizer
from mmkeras.tasks import ActionRecognizer
from mmkeras.tasks import Captioner
from mmkeras.tasks import ConditionalGAN
from mmkeras.tasks import ConditionalVAE
from mmkeras.tasks import DualEncoder
from mmkeras.tasks import MaskedLanguageModel
from mmkeras.tasks import ProductClassifier
from mmkeras.tasks import SpeechRecognizer
from mmkeras.tasks import SpeechTranslator
from mmkeras.tasks import Translator
from mmkeras.tasks import VisionLanguageModel
from mmkeras.tasks import VisualQuestionAnswerer

CAPTIONS = ["一个红色的圆", "a blue square", "une étoile verte", "a red circle"]


def _images(rng, count, size):
    return rng.integers(0, 256, size=(count, size, size, 3), dtype=np.uint8)


def make_captioner(rng, train=True):
    task = Captioner.from_preset(
        "world_captioner", vocabulary=WordTokenizer.from_corpus(CAPTIONS),
        filters=(8,), feature_dim=8, embedding_dim=8, units=16,
    )
    images = _images(rng, 8, 40)
    if train:
        task.fit(images, CAPTIONS * 2, batch_size=4, epochs=1, verbose=0)
    return task, {"images": _images(rng, 3, 50)}


def captioner_outputs(task, inputs):
    greedy, scores = task.generate(inputs["images"], return_scores=True)
    return {"greedy": greedy, "beam": task.generate(inputs["images"], beam_width=2), "scores": scores.tolist()}


QUESTIONS = ["what colour is the circle?", "是什么颜色", "how many squares are there?", "is there a star?"]
ANSWERS = ["red", "blue", "two", "yes", "红色"]


def make_answerer(rng, train=True):
    task = VisualQuestionAnswerer.from_preset(
        "world_vqa", vocabulary=WordTokenizer.from_corpus(QUESTIONS), labels=ANSWERS,
        filters=(8,), width=8, hidden_units=8, embedding_dim=8,
    )
    x = {"image": _images(rng, 8, 48), "text": QUESTIONS * 2}
    if train:
        task.fit(x, ANSWERS[:4] * 2, batch_size=4, epochs=1, verbose=0)
    return task, {"images": _images(rng, 3, 70), "texts": np.asarray(QUESTIONS[:3])}


def answerer_outputs(task, inputs):
    answers, confidences = task.answer(inputs["images"], list(inputs["texts"]), return_confidence=True)
    return {"answers": answers, "confidences": confidences.tolist()}


PRODUCTS = ["Green ceramic mug. Holds 300 ml", "Lampe verte, abat-jour en lin", "一个红色的杯子"]
CATEGORIES = ["kitchen", "lighting"]


def make_product_classifier(rng, train=True):
    # WordPiece and a BERT-style text tower (chapter 03); the VQA case covers the word tokenizer.
    tokenizer = WordPieceTokenizer.from_corpus(PRODUCTS * 10, vocab_size=70)
    encoder = build_bert_encoder(tokenizer.vocabulary_size, 10, hidden_dim=8, num_layers=1, num_heads=2,
                                 intermediate_dim=16)
    task = ProductClassifier.from_preset(
        "world_product_classifier", vocabulary=tokenizer, labels=CATEGORIES,
        filters=(8,), width=8, hidden_units=8, text_length=10, text_encoder=build_bert_text_tower(encoder),
    )
    x = {"image": _images(rng, 6, 32), "text": PRODUCTS * 2}
    if train:
        task.fit(x, ["kitchen", "lighting", "kitchen"] * 2, batch_size=3, epochs=1, verbose=0)
    return task, {"images": _images(rng, 3, 40), "texts": np.asarray(PRODUCTS)}


def product_outputs(task, inputs):
    categories, confidences = task.classify(inputs["images"], list(inputs["texts"]), return_confidence=True)
    return {"categories": categories, "confidences": confidences.tolist()}


def make_dual_encoder(rng, train=True):
    task = DualEncoder.from_preset(
        "world_dual_encoder", vocabulary=WordTokenizer.from_corpus(CAPTIONS),
        filters=(8,), embed_dim=8, embedding_dim=8, text_units=8,
    )
    if train:
        task.fit({"image": _images(rng, 8, 40), "text": CAPTIONS * 2}, batch_size=4, epochs=1, verbose=0)
    return task, {"images": _images(rng, 5, 30), "texts": np.asarray(CAPTIONS)}


def dual_encoder_outputs(task, inputs):
    to_images, image_scores = task.search(list(inputs["texts"]), inputs["images"], top_k=3)
    to_texts, text_scores = task.search(inputs["images"], list(inputs["texts"]), top_k=2)
    return {"text_to_image": to_images.tolist(), "image_scores": image_scores.tolist(),
            "image_to_text": to_texts.tolist(), "text_scores": text_scores.tolist()}


TRANSCRIPTS = ["red circle", "deux étoiles", "红色的圆", "blue"]


def _waveforms(rng, lengths):
    return [(0.1 * rng.standard_normal(length)).astype("float32") for length in lengths]


def _padded_waveforms(rng, lengths):
    # One padded array and the lengths: the reloading process gets the same utterances back from an .npz file.
    waveforms = _waveforms(rng, lengths)
    padded = np.zeros((len(lengths), max(lengths)), "float32")
    for row, waveform in enumerate(waveforms):
        padded[row, :len(waveform)] = waveform
    return {"waveforms": padded, "lengths": np.asarray(lengths)}


def _unpadded(inputs):
    return [row[:length] for row, length in zip(inputs["waveforms"], inputs["lengths"])]


def make_speech_recognizer(rng, train=True):
    task = SpeechRecognizer.from_preset(
        "world_speech_recognizer", transcripts=TRANSCRIPTS, filters=(8,), strides=(1,), recurrent_units=8,
    )
    if train:
        task.fit(_waveforms(rng, [1600, 2400, 2000, 1200]) * 2, TRANSCRIPTS * 2, batch_size=4, epochs=1, verbose=0)
    return task, _padded_waveforms(rng, [1800, 2200, 1000])


def speech_outputs(task, inputs):
    waveforms = _unpadded(inputs)
    logits = task.predict(waveforms, verbose=0)
    return {"transcripts": task.transcribe(waveforms), "logits": np.round(logits[0, :3], 5).tolist()}


ACTIONS = ["move_left", "move_right", "grow"]


def make_action_recognizer(rng, train=True):
    task = ActionRecognizer.from_preset("world_action_recognizer", labels=ACTIONS, filters=(4,))
    clips = rng.integers(0, 256, size=(6, 10, 20, 20, 3), dtype=np.uint8)
    if train:
        task.fit(clips, ACTIONS * 2, batch_size=3, epochs=1, verbose=0)
    return task, {"clips": rng.integers(0, 256, size=(3, 6, 24, 24, 3), dtype=np.uint8)}


def action_outputs(task, inputs):
    actions, confidences = task.classify(inputs["clips"], return_confidence=True)
    return {"actions": actions, "confidences": confidences.tolist()}


DESCRIPTIONS = ["large red circle", "small blue square", "大 红色 圆", "petite étoile verte"]


def _portraits(rng):
    return {"image": _images(rng, 8, 40), "text": DESCRIPTIONS * 2}


def make_cvae(rng, train=True):
    task = ConditionalVAE.from_preset(
        "world_cvae", vocabulary=WordTokenizer.from_corpus(DESCRIPTIONS), filters=(4, 8), latent_dim=2,
        embedding_dim=4, text_units=4, hidden_units=8,
    )
    if train:
        task.fit(_portraits(rng), batch_size=4, epochs=1, verbose=0)
    return task, {"texts": np.asarray(DESCRIPTIONS[:3])}


def make_cgan(rng, train=True):
    task = ConditionalGAN.from_preset(
        "world_cgan", vocabulary=WordTokenizer.from_corpus(DESCRIPTIONS), latent_dim=2, channels=8,
        embedding_dim=4, text_units=4, hidden_units=8, discriminator_filters=(4,),
    )
    if train:  # its training step needs TensorFlow's backend
        task.fit(_portraits(rng), batch_size=4, epochs=1, verbose=0)
    return task, {"texts": np.asarray(DESCRIPTIONS[:3])}


def drawing_outputs(task, inputs):
    drawn = task.generate(list(inputs["texts"]), seed=3)
    return {"shape": list(drawn.shape), "dtype": str(drawn.dtype), "pixels": drawn[:, ::4, ::4].tolist()}


SENTENCES = ["a large red circle", "two blue squares", "一个红色的圆", "une étoile verte", "a small red square"]


def make_masked_language_model(rng, train=True):
    tokenizer = WordPieceTokenizer.from_corpus(SENTENCES * 10, vocab_size=80)
    task = MaskedLanguageModel.from_preset(
        "world_bert", vocabulary=tokenizer, sequence_length=12, hidden_dim=8, num_heads=2, intermediate_dim=16,
        num_layers=1,
    )
    if train:
        task.fit(SENTENCES * 4, batch_size=5, epochs=1, verbose=0)
    return task, {"texts": np.asarray(["a [MASK] red circle", "一个[MASK]色的圆", "[MASK] blue [MASK]"])}


def fill_mask_outputs(task, inputs):
    filled, pieces = task.fill_mask(list(inputs["texts"]), return_pieces=True)
    return {"filled": filled, "pieces": pieces}


PROMPTS = ["describe the image", "这是什么颜色", "combien d'objets ?", "is it round? answer yes or no"]
REPLIES = ["a small red circle", "红色", "deux", "yes"]


def make_vision_language_model(rng, train=True):
    task = VisionLanguageModel.from_preset(
        "world_vlm", vocabulary=WordTokenizer.from_corpus(PROMPTS + REPLIES), filters=(8,), hidden_dim=8,
        num_heads=2, num_layers=1, intermediate_dim=16,
    )
    x = {"image": _images(rng, 8, 40), "prompt": PROMPTS * 2}
    if train:
        task.fit(x, REPLIES * 2, batch_size=4, epochs=1, verbose=0)
    return task, {"images": _images(rng, 3, 50), "texts": np.asarray(PROMPTS[:3])}


def vision_language_outputs(task, inputs):
    greedy, scores = task.generate(inputs["images"], list(inputs["texts"]), return_scores=True)
    sampled = task.generate(inputs["images"], list(inputs["texts"]), temperature=1.0, top_k=5, seed=3)
    return {"greedy": greedy, "sampled": sampled, "scores": scores.tolist()}


SOURCES = ["a red circle", "a small blue square", "une étoile verte", "two objects: a circle and a square"]
TARGETS = ["一个红色的圆形", "一个蓝色的小正方形", "une étoile verte 🙂", "两个物体：圆形和正方形"]
TRANSLATOR_PRESET = {
    "task": "Translator",
    "backbone": {"source_length": 10, "target_length": 14, "embedding_dim": 8, "units": 16},
    "training": {"learning_rate": 1e-2},
}


def make_translator(rng, train=True):
    task = Translator.from_preset(
        TRANSLATOR_PRESET, WordTokenizer.from_corpus(SOURCES), WordTokenizer.from_corpus(TARGETS),
    )
    if train:
        task.fit(SOURCES * 2, TARGETS * 2, batch_size=4, epochs=2, verbose=0)
    return task, {"texts": np.asarray(SOURCES[:3])}


def translator_outputs(task, inputs):
    texts = list(inputs["texts"])
    greedy, scores = task.translate(texts, return_scores=True)
    return {"greedy": greedy, "beam": task.translate(texts, beam_width=2), "scores": scores.tolist()}


SPOKEN_TARGETS = ["红色的圆形", "两个正方形", "七", "蓝色的小三角形"]
SPEECH_TRANSLATOR_PRESET = {
    "task": "SpeechTranslator",
    "backbone": {"target_length": 10, "filters": (8,), "strides": (2,), "recurrent_units": 8, "embedding_dim": 8,
                 "units": 16},
    "training": {"learning_rate": 1e-2},
}


def make_speech_translator(rng, train=True):
    task = SpeechTranslator.from_preset(SPEECH_TRANSLATOR_PRESET, target_vocabulary=WordTokenizer.from_corpus(SPOKEN_TARGETS))
    if train:
        task.fit(_waveforms(rng, [1600, 2400, 2000, 1200]) * 2, SPOKEN_TARGETS * 2, batch_size=4, epochs=2, verbose=0)
    return task, _padded_waveforms(rng, [1800, 2200, 1000])


def speech_translator_outputs(task, inputs):
    waveforms = _unpadded(inputs)
    greedy, scores = task.translate(waveforms, return_scores=True)
    return {"greedy": greedy, "beam": task.translate(waveforms, beam_width=2), "scores": np.round(scores, 4).tolist()}


TASK_CASES = {
    "Captioner": (make_captioner, captioner_outputs),
    "VisualQuestionAnswerer": (make_answerer, answerer_outputs),
    "ProductClassifier": (make_product_classifier, product_outputs),
    "DualEncoder": (make_dual_encoder, dual_encoder_outputs),
    "SpeechRecognizer": (make_speech_recognizer, speech_outputs),
    "ActionRecognizer": (make_action_recognizer, action_outputs),
    "ConditionalVAE": (make_cvae, drawing_outputs),
    "ConditionalGAN": (make_cgan, drawing_outputs),
    "MaskedLanguageModel": (make_masked_language_model, fill_mask_outputs),
    "VisionLanguageModel": (make_vision_language_model, vision_language_outputs),
    "Translator": (make_translator, translator_outputs),
    "SpeechTranslator": (make_speech_translator, speech_translator_outputs),
}


def readable_outputs(task, inputs):
    return TASK_CASES[type(task).__name__][1](task, inputs)

"""Every task's public methods, fed unusual text and wrong inputs: a correct result or a clear error.

Unusual text (empty, blank, emoji, Chinese, very long, control and
zero-width characters) must give an ordinary answer, or, where the task
cannot read it (a fill-in without [MASK], a prompt longer than the model
reads), an error that says why. Wrong inputs (counts that disagree, ids
or numbers for texts, empty batches, a single example without its batch
axis, NaN, files that are not images or WAV) must end in a ValueError,
TypeError or FileNotFoundError that names what was received, never in an
error from inside TensorFlow. The tasks are the small ones of `task_cases`,
untrained (what they do with an input does not depend on their weights),
each built once for the module.
"""

import numpy as np
import pytest

from tests.tasks import task_cases

ODD_TEXTS = {
    "empty": "",
    "blank": "   ",
    "emoji": "🙂🚀",
    "chinese": "红色的圆在哪里",
    "very long": "word " * 3000,
    "control": "\t\n",
    "zero width": "a\u200bb",
}
RNG = np.random.default_rng(0)


def images(count, size=40):
    return RNG.integers(0, 256, size=(count, size, size, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def tasks():
    built = {}

    def get(name):
        if name not in built:
            built[name] = task_cases.TASK_CASES[name][0](np.random.default_rng(0), train=False)[0]
        return built[name]

    return get


@pytest.mark.parametrize("text", list(ODD_TEXTS.values()), ids=list(ODD_TEXTS))
def test_unusual_questions_and_descriptions_get_ordinary_answers(tasks, text):
    answers, confidences = tasks("VisualQuestionAnswerer").answer(images(1), [text], return_confidence=True)
    assert answers[0] in task_cases.ANSWERS and 0.0 <= confidences[0] <= 1.0
    categories = tasks("ProductClassifier").classify(images(1), [text])
    assert categories[0] in task_cases.CATEGORIES
    indices, scores = tasks("DualEncoder").search([text], images(3), top_k=2)
    assert indices.shape == (1, 2) and set(indices[0]) <= {0, 1, 2} and np.isfinite(scores).all()
    drawn = tasks("ConditionalVAE").generate([text], seed=1)
    assert drawn.shape == (1, 32, 32, 3) and drawn.dtype == np.uint8


@pytest.mark.parametrize("name", [name for name in ODD_TEXTS if name != "very long"])
def test_unusual_prompts_get_a_generated_answer(tasks, name):
    replies = tasks("VisionLanguageModel").generate(images(1), [ODD_TEXTS[name]])
    assert len(replies) == 1 and isinstance(replies[0], str)


def test_a_prompt_longer_than_the_model_reads_is_refused(tasks):
    with pytest.raises(ValueError, match="Prompt 0 has more than prompt_length=30 words"):
        tasks("VisionLanguageModel").generate(images(1), [ODD_TEXTS["very long"]])


@pytest.mark.parametrize("text", list(ODD_TEXTS.values()), ids=list(ODD_TEXTS))
def test_a_fill_in_without_a_mask_is_named(tasks, text):
    with pytest.raises(ValueError, match="has no \\[MASK\\]"):
        tasks("MaskedLanguageModel").fill_mask([text])


def test_a_mask_among_emoji_and_chinese_is_filled(tasks):
    filled = tasks("MaskedLanguageModel").fill_mask(["🙂 [MASK] 红色的圆"])
    assert len(filled) == 1 and "[MASK]" not in filled[0]


@pytest.mark.parametrize("call, error, message", [
    (lambda t: t.answer(images(2), ["what colour?"]), ValueError, r"x\['image'\]: 2, x\['text'\]: 1"),
    (lambda t: t.answer(images(1), [3]), TypeError, r"x\['text'\]\[0\] is 3 \(int\)"),
    (lambda t: t.answer(images(1), None), TypeError, "`texts` is None"),
    (lambda t: t.answer(images(1), "what colour?"), TypeError, "wrap it"),
    (lambda t: t.answer(images(0), []), ValueError, "no examples"),
], ids=["counts differ", "a number for a text", "no texts", "one string", "empty"])
def test_wrong_question_inputs_are_named(tasks, call, error, message):
    with pytest.raises(error, match=message):
        call(tasks("VisualQuestionAnswerer"))


@pytest.mark.parametrize("call, error, message", [
    (lambda t: t.generate(images(0)), ValueError, r"no images \(an empty batch of shape \(0, 40, 40, 3\)\)"),
    (lambda t: t.generate(images(1)[0]), ValueError, r"one image of shape \(40, 40, 3\): pass images\[None\]"),
    (lambda t: t.generate(np.full((2, 40, 40, 3), np.nan, "float32")), ValueError, "image 0 holds NaN"),
    (lambda t: t.generate(["missing.png"]), FileNotFoundError, "missing.png"),
    (lambda t: t.generate([b"not an image"]), ValueError, "Cannot decode image"),
], ids=["empty", "one image without batch axis", "NaN pixels", "missing file", "bytes that are not an image"])
def test_wrong_images_are_named(tasks, call, error, message):
    with pytest.raises(error, match=message):
        call(tasks("Captioner"))


def test_search_needs_candidates(tasks):
    with pytest.raises(ValueError, match="`candidates` is empty"):
        tasks("DualEncoder").search(["a red circle"], images(0), top_k=1)
    with pytest.raises(ValueError, match="`top_k` must be a positive int. Received: top_k=0"):
        tasks("DualEncoder").search(["a red circle"], images(2), top_k=0)


@pytest.fixture
def not_a_wav(tmp_path):
    path = tmp_path / "speech.mp3"
    path.write_bytes(b"ID3\x03\x00\x00\x00 not really audio")
    return path


@pytest.mark.parametrize("utterances, error, message", [
    (lambda p: [np.zeros(0, "float32")], ValueError, "Utterance 0 has no samples"),
    (lambda p: [np.zeros(800, "float32"), np.full(800, np.inf, "float32")], ValueError,
     "Utterance 1 holds a non-finite sample \\(inf at position 0\\)"),
    (lambda p: [np.zeros((800, 2), "float32")], ValueError, "Expected mono waveforms"),
    (lambda p: [b"hello world"], ValueError, "Cannot decode audio utterance 0: it is not a WAV file"),
    (lambda p: [p], ValueError, "speech.mp3: it is not a WAV file"),
    (lambda p: [p.parent / "missing.wav"], FileNotFoundError, "missing.wav"),
    (lambda p: "one.wav", TypeError, "wrap a single file in a list"),
], ids=["empty", "infinity", "stereo", "bytes", "an mp3 file", "missing file", "one path"])
@pytest.mark.parametrize("name, method", [("SpeechRecognizer", "transcribe"), ("SpeechTranslator", "translate")])
def test_wrong_utterances_are_named(tasks, not_a_wav, utterances, error, message, name, method):
    with pytest.raises(error, match=message):
        getattr(tasks(name), method)(utterances(not_a_wav))


def test_a_very_short_utterance_is_transcribed_and_translated(tasks):
    assert isinstance(tasks("SpeechRecognizer").transcribe([np.zeros(10, "float32")])[0], str)
    assert isinstance(tasks("SpeechTranslator").translate([np.zeros(10, "float32")])[0], str)


def test_clips_without_their_batch_axis_are_named(tasks):
    with pytest.raises(ValueError, match=r"Received shape \(2, 40, 40, 3\)"):
        tasks("ActionRecognizer").classify(images(2))
    with pytest.raises(ValueError, match="no examples"):
        tasks("ActionRecognizer").classify(np.zeros((0, 6, 24, 24, 3), "uint8"))


def test_drawing_needs_a_batch_of_descriptions(tasks):
    with pytest.raises(ValueError, match="no descriptions"):
        tasks("ConditionalVAE").generate([], seed=1)
    with pytest.raises(TypeError, match="wrap a single one in a list"):
        tasks("ConditionalVAE").generate("a red circle", seed=1)

import numpy as np
import pytest
import tensorflow as tf

from mmkeras.datasets import ANSWERS
from mmkeras.datasets import all_texts
from mmkeras.datasets import make_scene_dataset
from mmkeras.datasets import make_scenes
from mmkeras.preprocessing import WordTokenizer

SCENES = make_scenes(12, seed=5)
TOKENIZER = WordTokenizer.from_corpus(all_texts(SCENES))


def test_vqa_batches_hold_images_question_ids_and_answers():
    ds = make_scene_dataset(SCENES, TOKENIZER, sequence_length=10, batch_size=8, shuffle=False)
    batches = list(ds)
    assert len(batches) == 8  # 60 questions, batches of 8, last one kept
    inputs, answers = batches[0]
    assert inputs["image"].shape == (8, 64, 64, 3) and inputs["image"].dtype.name == "float32"
    assert 0.0 <= float(inputs["image"].numpy().min()) and float(inputs["image"].numpy().max()) <= 1.0
    assert inputs["question"].shape == (8, 10)
    table = SCENES.qa_table()
    np.testing.assert_array_equal(answers.numpy(), table["answer_id"][:8])
    first = TOKENIZER.detokenize(inputs["question"][:1]).numpy()[0].decode()
    assert first == table["question"][0].rstrip("?")
    np.testing.assert_allclose(inputs["image"][0].numpy(), SCENES.images[0] / 255.0, rtol=1e-6)


def test_training_pipeline_shuffles_and_drops_the_remainder():
    ds = make_scene_dataset(SCENES, TOKENIZER, batch_size=8, seed=1)
    batches = list(ds)
    assert {tuple(x["question"].shape) for x, _ in batches} == {(8, 16)}
    assert len(batches) == 60 // 8
    answers = np.concatenate([y.numpy() for _, y in batches])
    in_order = SCENES.qa_table()["answer_id"][: len(answers)]
    assert not np.array_equal(answers, in_order)


def test_caption_task_is_shifted_for_teacher_forcing():
    ds = make_scene_dataset(SCENES, TOKENIZER, task="caption", sequence_length=32, batch_size=4, shuffle=False)
    inputs, targets = next(iter(ds))
    assert inputs["tokens"].shape == targets.shape == (4, 32)
    np.testing.assert_array_equal(inputs["tokens"][:, 1:].numpy(), targets[:, :-1].numpy())
    assert (inputs["tokens"][:, 0].numpy() == TOKENIZER.start_id).all()
    assert TOKENIZER.detokenize(inputs["tokens"][:1]).numpy()[0].decode() == SCENES.captions[0][0].replace(",", "").replace(":", "")


def test_vqa_by_scene_batches_hold_all_of_a_scenes_questions():
    grouped = list(make_scene_dataset(SCENES, TOKENIZER, task="vqa_by_scene", sequence_length=10, batch_size=4,
                                      shuffle=False))
    assert len(grouped) == 3  # 12 scenes, batches of 4
    inputs, answers = grouped[0]
    assert inputs["image"].shape == (4, 64, 64, 3)
    assert inputs["question"].shape == (4, 5, 10) and answers.shape == (4, 5)
    # The same questions and answers as the one-question dataset, in the same order.
    single = next(iter(make_scene_dataset(SCENES, TOKENIZER, sequence_length=10, batch_size=60, shuffle=False)))
    questions = np.concatenate([x["question"].numpy() for x, _ in grouped]).reshape(60, 10)
    np.testing.assert_array_equal(questions, single[0]["question"].numpy())
    np.testing.assert_array_equal(np.concatenate([y.numpy() for _, y in grouped]).reshape(60), single[1].numpy())
    np.testing.assert_allclose(inputs["image"][1].numpy(), SCENES.images[1] / 255.0, rtol=1e-6)


def test_vqa_by_scene_needs_as_many_questions_in_every_scene():
    uneven = SCENES[0:3]
    uneven.questions[1] = uneven.questions[1][:3]
    with pytest.raises(ValueError, match="3 to 5 questions.*task='vqa'"):
        make_scene_dataset(uneven, TOKENIZER, task="vqa_by_scene")


def test_bad_arguments():
    with pytest.raises(TypeError, match="Scenes object"):
        make_scene_dataset(SCENES.images, TOKENIZER)
    with pytest.raises(ValueError, match="task='retrieval'"):
        make_scene_dataset(SCENES, TOKENIZER, task="retrieval")
    with pytest.raises(ValueError, match="batch_size=0"):
        make_scene_dataset(SCENES, TOKENIZER, batch_size=0)
    with pytest.raises(ValueError, match="empty"):
        make_scene_dataset(SCENES[0:0], TOKENIZER)


def test_without_a_tokenizer_batches_are_raw_for_a_tasks_preprocessor():
    images, captions = next(iter(make_scene_dataset(SCENES, None, task="caption", batch_size=4, shuffle=False)))
    assert images.dtype == tf.uint8 and captions.dtype == tf.string
    assert captions.numpy()[0].decode() == SCENES.captions[0][0]
    np.testing.assert_array_equal(images.numpy()[0], SCENES.images[0])
    inputs, answers = next(iter(make_scene_dataset(SCENES, None, task="vqa", batch_size=4, shuffle=False)))
    table = SCENES.qa_table()
    assert inputs["text"].numpy()[0].decode() == table["question"][0]
    assert answers.numpy()[0].decode() == table["answer"][0]
    # What the VQA task's preprocessor consumes, as it comes.
    from mmkeras.tasks import VisualQuestionAnswerer

    answerer = VisualQuestionAnswerer.from_preset(
        "world_vqa", vocabulary=WordTokenizer.from_corpus(all_texts(SCENES)), labels=ANSWERS, compile=False)
    x, ids = answerer.preprocessor(inputs, answers)
    assert x["question"].shape[0] == 4 and [ANSWERS[i] for i in ids.numpy()] == list(table["answer"][:4])
    with pytest.raises(ValueError, match="needs a tokenizer"):
        make_scene_dataset(SCENES, None, task="vqa_by_scene")


def test_shop_batches_without_a_tokenizer_are_what_the_product_classifier_takes():
    from mmkeras.datasets import CATEGORIES
    from mmkeras.datasets import make_shop
    from mmkeras.datasets import make_shop_dataset
    from mmkeras.tasks import ProductClassifier

    shop = make_shop(6, seed=2)
    inputs, categories = next(iter(make_shop_dataset(shop, None, batch_size=6, shuffle=False)))
    assert inputs["image"].dtype == tf.uint8 and inputs["text"].numpy()[0].decode() == shop.texts[0]
    assert [c.decode() for c in categories.numpy()] == [CATEGORIES[i] for i in shop.categories]
    classifier = ProductClassifier.from_preset("world_product_classifier", vocabulary=WordTokenizer.from_corpus(
        shop.texts), labels=CATEGORIES, compile=False)
    _, ids = classifier.preprocessor(inputs, categories)
    assert ids.numpy().tolist() == shop.categories.tolist()

import numpy as np
import pytest

from mmkeras.datasets import CATEGORIES
from mmkeras.datasets import DEPARTMENTS
from mmkeras.datasets import FORMS
from mmkeras.datasets import SCENE_TASKS
from mmkeras.datasets import SHOP_TASKS
from mmkeras.datasets import make_instruction_dataset
from mmkeras.datasets import make_scenes
from mmkeras.datasets import make_shop
from mmkeras.datasets import mix_instructions
from mmkeras.datasets import scene_instructions
from mmkeras.datasets import shop_instructions
from mmkeras.datasets import tokenize_instructions
from mmkeras.datasets.scenes import _relation
from mmkeras.preprocessing import WordTokenizer


@pytest.fixture(scope="module")
def scenes():
    return make_scenes(60, seed=4, image_size=32)


@pytest.fixture(scope="module")
def shop():
    return make_shop(60, seed=4)


def test_scene_instructions_are_the_scenes_captions_and_questions(scenes):
    pairs = scene_instructions(scenes, captions_per_scene=2)
    assert set(pairs.tasks) == set(SCENE_TASKS)
    for i, prompt, answer, task in zip(pairs.image_index, pairs.prompts, pairs.answers, pairs.tasks):
        if task == "caption":
            assert prompt == "describe the image" and answer in scenes.captions[i]
        elif task != "left_of":
            assert {"question": prompt, "answer": answer, "type": task} in scenes.questions[i]
    assert pairs.tasks.count("caption") == 2 * len(scenes)
    np.testing.assert_array_equal(pairs.pair_images[0], scenes.images[pairs.image_index[0]])


def test_left_of_answers_follow_the_objects_positions(scenes):
    pairs = scene_instructions(scenes, tasks=("left_of",))
    assert len(pairs) == sum(len(objects) >= 2 for objects in scenes.objects)
    answers = []
    for i, prompt, answer in zip(pairs.image_index, pairs.prompts, pairs.answers):
        named = {f"{o.color} {o.shape}": o for o in scenes.objects[i]}
        first, second = prompt[len("is the "):prompt.index("?")].split(" left of the ")
        # Names are "red circle" or, when two share colour and shape, "small red circle".
        a = named.get(first) or next(o for o in scenes.objects[i] if f"{o.size} {o.color} {o.shape}" == first)
        b = named.get(second) or next(o for o in scenes.objects[i] if f"{o.size} {o.color} {o.shape}" == second)
        assert answer == ("yes" if _relation(a, b) == "left" else "no")
        answers.append(answer)
    assert 0.1 < answers.count("yes") / len(answers) < 0.6


def test_shop_instructions_need_the_photo_and_the_text(shop):
    pairs = shop_instructions(shop)
    assert set(pairs.tasks) == set(SHOP_TASKS) and len(pairs) == 3 * len(shop)
    for i, prompt, answer, task in zip(pairs.image_index, pairs.prompts, pairs.answers, pairs.tasks):
        if task == "category":
            assert answer == CATEGORIES[shop.categories[i]] and shop.texts[i] in prompt
        elif task == "form":
            assert answer == FORMS[shop.objects[i].shape] and prompt.endswith(shop.titles[i])
        else:
            use = {"the kitchen": "kitchenware", "the garden": "garden decor", "children": "toys"}
            asked = next(department for phrase, department in use.items() if f"suitable for {phrase}?" in prompt)
            assert answer == ("yes" if asked == DEPARTMENTS[shop.departments[i]] else "no")
    suitable = pairs.only("suitable").answers
    assert 0.4 < suitable.count("yes") / len(suitable) < 0.9


def test_mixing_keeps_each_pair_on_its_image(scenes, shop):
    scene_pairs, shop_pairs = scene_instructions(scenes), shop_instructions(shop)
    mixed = mix_instructions(scene_pairs, shop_pairs)
    assert len(mixed) == len(scene_pairs) + len(shop_pairs) and len(mixed.images) == len(scenes) + len(shop)
    np.testing.assert_array_equal(mixed.pair_images[len(scene_pairs):], shop_pairs.pair_images)
    np.testing.assert_array_equal(mixed.only("category").pair_images, shop_pairs.only("category").pair_images)
    with pytest.raises(ValueError, match="one shape"):
        mix_instructions(scene_pairs, scene_instructions(make_scenes(2, seed=0, image_size=48)))
    with pytest.raises(ValueError, match="Unknown task"):
        mixed.only("colour")
    with pytest.raises(ValueError, match="Unknown scene task"):
        scene_instructions(scenes, tasks=("category",))


def test_the_dataset_feeds_the_model_inputs_and_refuses_what_it_would_cut(scenes):
    pairs = scene_instructions(scenes, tasks=("caption", "count"))
    tokenizer = WordTokenizer.from_corpus(pairs.prompts + pairs.answers)
    prompt_ids, token_ids, next_ids = tokenize_instructions(pairs, tokenizer, 8, 18)
    np.testing.assert_array_equal(token_ids[:, 1:], next_ids[:, :-1])
    assert (token_ids[:, 0] == tokenizer.start_id).all()
    x, y = next(iter(make_instruction_dataset(pairs, tokenizer, 8, 18, batch_size=5, shuffle=False)))
    np.testing.assert_allclose(x["image"].numpy(), pairs.pair_images[:5] / 255.0, atol=1e-6)
    np.testing.assert_array_equal(x["prompt_ids"].numpy(), prompt_ids[:5])
    np.testing.assert_array_equal(y.numpy(), next_ids[:5])
    with pytest.raises(ValueError, match="prompt_length=3.*Pass prompt_length >= 6"):
        tokenize_instructions(pairs, tokenizer, 3, 18)
    with pytest.raises(ValueError, match="answer_length=4"):
        tokenize_instructions(pairs, tokenizer, 8, 4)

import time

import numpy as np
import pytest

from mmkeras.datasets import ANSWERS
from mmkeras.datasets import COLORS
from mmkeras.datasets import QUESTION_TYPES
from mmkeras.datasets import SHAPES
from mmkeras.datasets import make_scenes


def test_same_seed_same_bytes_other_seed_other_bytes():
    a, b, c = make_scenes(20, seed=3), make_scenes(20, seed=3), make_scenes(20, seed=4)
    assert a.images.tobytes() == b.images.tobytes()
    assert a.captions == b.captions and a.questions == b.questions
    assert a.images.tobytes() != c.images.tobytes()


def test_shapes_and_types():
    scenes = make_scenes(10, image_size=48)
    assert scenes.images.shape == (10, 48, 48, 3) and scenes.images.dtype == np.uint8
    assert len(scenes) == 10
    for objects, captions, questions in zip(scenes.objects, scenes.captions, scenes.questions):
        assert 1 <= len(objects) <= 3
        assert len(captions) >= 4 and len(set(captions)) == len(captions)
        assert [q["type"] for q in questions] == list(QUESTION_TYPES)
        assert all(q["answer"] in ANSWERS for q in questions)


def test_objects_are_drawn_in_their_colour_where_they_are():
    scenes = make_scenes(50, noise=0.0)
    for image, objects in zip(scenes.images, scenes.objects):
        for o in objects:
            centre = image[int(o.y), int(o.x)].astype(int)
            assert np.abs(centre - np.array(COLORS[o.color])).max() <= 2, (o, centre)


def test_edges_are_anti_aliased():
    image = make_scenes(1, seed=0, noise=0.0).images[0]
    # Anti-aliased edges leave pixels between background and object colour.
    distinct = {tuple(p) for p in image.reshape(-1, 3)}
    assert len(distinct) > 20


def test_variety():
    scenes = make_scenes(300)
    objects = [o for objs in scenes.objects for o in objs]
    assert {o.shape for o in objects} == set(SHAPES)
    assert {o.color for o in objects} == set(COLORS)
    assert {o.size for o in objects} == {"small", "large"}
    assert {len(objs) for objs in scenes.objects} == {1, 2, 3}
    table = scenes.qa_table()
    assert set(table["answer"]) == set(ANSWERS)
    starts = {c.split()[0] for caps in scenes.captions for c in caps}
    assert len(starts) >= 4


def test_answers_agree_with_the_objects():
    scenes = make_scenes(200)
    for objects, questions in zip(scenes.objects, scenes.questions):
        count = {q["type"]: q for q in questions}["count"]
        if count["question"] == "how many objects are there?":
            assert count["answer"] == ["zero", "one", "two", "three"][len(objects)]
        exists = {q["type"]: q for q in questions}["exists"]
        words = exists["question"].rstrip("?").split()
        present = any((o.color, o.shape) == (words[-2], words[-1]) for o in objects)
        assert exists["answer"] == ("yes" if present else "no")


def test_indexing_and_qa_table():
    scenes = make_scenes(6)
    subset = scenes[2:4]
    assert len(subset) == 2 and subset.captions == scenes.captions[2:4]
    np.testing.assert_array_equal(scenes[np.array([5, 0])].images[1], scenes.images[0])
    table = scenes.qa_table()
    assert len(table["question"]) == 6 * len(QUESTION_TYPES)
    assert [ANSWERS[i] for i in table["answer_id"]] == list(table["answer"])
    with pytest.raises(TypeError, match="slice or a 1-D array"):
        scenes[np.array([0.5])]


def test_two_thousand_scenes_are_fast():
    start = time.perf_counter()
    make_scenes(2000)
    assert time.perf_counter() - start < 4.0


@pytest.mark.parametrize(
    "kwargs, message",
    [({"n": -1}, "n=-1"), ({"n": 2, "image_size": 16}, "image_size=16"), ({"n": 2, "max_objects": 4}, "max_objects=4")],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_scenes(**kwargs)


def test_matching_pairs_give_a_true_and_a_false_caption_per_scene():
    from mmkeras.datasets import matching_pairs

    scenes = make_scenes(60, seed=5, image_size=32)
    pairs = matching_pairs(scenes, hard_negative_rate=0.5, seed=2)
    assert pairs["scene"].tolist() == np.repeat(np.arange(60), 2).tolist()
    assert pairs["match"].tolist() == [1.0, 0.0] * 60
    assert 0.3 < pairs["hard"][1::2].mean() < 0.7 and not pairs["hard"][::2].any()
    for i, objects in enumerate(scenes.objects):
        true, false = pairs["text"][2 * i], pairs["text"][2 * i + 1]
        # The true caption names every object; the false one describes other contents.
        assert all(o.color in true and o.shape in true for o in objects)
        if pairs["hard"][2 * i + 1]:
            changed = [(a, b) for a, b in zip(true.split(), false.split()) if a != b]
            assert len(true.split()) == len(false.split()) and 1 <= len(changed) <= 2, (true, false)
            assert changed[-1][0] in (*COLORS, *SHAPES) and changed[-1][1] in (*COLORS, *SHAPES)
        else:
            sources = [j for j, captions in enumerate(scenes.captions) if false in captions]
            content = sorted((o.size, o.color, o.shape) for o in objects)
            assert sources and all(sorted((o.size, o.color, o.shape) for o in scenes.objects[j]) != content
                                   for j in sources), (true, false)
    assert matching_pairs(scenes, seed=2)["text"].tolist() == matching_pairs(scenes, seed=2)["text"].tolist()
    with pytest.raises(ValueError, match="hard_negative_rate=2"):
        matching_pairs(scenes, hard_negative_rate=2)
    with pytest.raises(TypeError, match="Received: list"):
        matching_pairs([1, 2])
    with pytest.raises(ValueError, match="at least 2 scenes"):
        matching_pairs(scenes[:1], hard_negative_rate=0.0)

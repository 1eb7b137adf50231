"""The bundled world written as instructions: an image, a prompt and the answer text.

A vision-language model learns many tasks at once when every task is
written the same way: a prompt about an image, and the text that answers
it. This module writes the world's scenes and shop products that way:

| task | prompt | answer |
|---|---|---|
| `caption` | "describe the image" | one of the scene's captions |
| `color`, `shape`, `count`, `exists`, `position` | the scene's questions | a word (the scene's `ANSWERS`) |
| `left_of` | "is the red circle left of the blue square? answer yes or no" | "yes" / "no" |
| `category` | "what category is this product? <title>. <description>" | e.g. "round kitchenware" |
| `suitable` | "a customer asks: is this suitable for children? <title>. <description>" | "yes" / "no" |
| `form` | "a customer asks: what shape is it? <title>" | "round" / "square" / "triangular" |

`category` needs the photo (the form) and the text (the department); `suitable` needs the text; `form` the photo (half the
titles name it too); the scene tasks need the image.
"""

import dataclasses

import numpy as np

from mmkeras.datasets.scenes import _name
from mmkeras.datasets.scenes import _relation
from mmkeras.datasets.scenes import as_index_array
from mmkeras.datasets.shop import CATEGORIES
from mmkeras.datasets.shop import DEPARTMENTS
from mmkeras.datasets.shop import FORMS

SCENE_TASKS = ("caption", "color", "shape", "count", "exists", "position", "left_of")
SHOP_TASKS = ("category", "suitable", "form")
DESCRIBE_PROMPT = "describe the image"
# What each department is suitable for, as a customer would ask it.
_SUITABLE_FOR = {"kitchenware": "the kitchen", "garden decor": "the garden", "toys": "children"}


@dataclasses.dataclass
class Instructions:
    """Prompt/answer pairs about a pool of images.

    Attributes:
        images: uint8 array `(num_images, S, S, 3)`.
        image_index: int array `(n,)`, the image each pair is about.
        prompts, answers: lists of n strings.
        tasks: list of n task names (`SCENE_TASKS` or `SHOP_TASKS`).

    Example:

    >>> pairs = scene_instructions(make_scenes(2, seed=0), tasks=("count",))
    >>> len(pairs.prompts) == len(pairs.answers) == len(pairs.image_index), set(pairs.tasks)
    (True, {'count'})
    """

    images: np.ndarray
    image_index: np.ndarray
    prompts: list
    answers: list
    tasks: list

    def __len__(self):
        return len(self.prompts)

    def __getitem__(self, index):
        """Pairs `index` (a slice or 1-D integer array) as new `Instructions` over the same images."""
        index = as_index_array(index, len(self), "Instructions")
        return Instructions(
            self.images, self.image_index[index], [self.prompts[i] for i in index],
            [self.answers[i] for i in index], [self.tasks[i] for i in index],
        )

    def only(self, *tasks):
        """The pairs of the named tasks."""
        unknown = sorted(set(tasks) - set(SCENE_TASKS + SHOP_TASKS))
        if unknown:
            raise ValueError(f"Unknown task(s) {unknown}. Expected names from {SCENE_TASKS + SHOP_TASKS}.")
        return self[np.array([i for i, task in enumerate(self.tasks) if task in tasks], dtype=np.int64)]

    @property
    def pair_images(self):
        """The image of every pair, uint8 `(n, S, S, 3)`."""
        return self.images[self.image_index]


def scene_instructions(scenes, tasks=SCENE_TASKS, captions_per_scene=1, seed=0):
    """The scenes' captions and questions as instructions.

    Args:
        scenes: a `Scenes`.
        tasks: which of `SCENE_TASKS` to write.
        captions_per_scene: `caption` pairs per scene (its first phrasings
            in a shuffled order).
        seed: int, for the caption choice and the `left_of` questions.

    Returns:
        `Instructions` over `scenes.images`, scene by scene.

    Example:

    >>> from mmkeras.datasets import make_scenes
    >>> pairs = scene_instructions(make_scenes(4, seed=0), tasks=("caption", "count"))
    >>> pairs.tasks.count("caption"), pairs.prompts[0]
    (4, 'describe the image')
    """
    unknown = sorted(set(tasks) - set(SCENE_TASKS))
    if unknown:
        raise ValueError(f"Unknown scene task(s) {unknown}. Expected names from {SCENE_TASKS}.")
    rng = np.random.default_rng(seed)
    index, prompts, answers, names = [], [], [], []

    def add(i, prompt, answer, task):
        index.append(i)
        prompts.append(prompt)
        answers.append(answer)
        names.append(task)

    for i in range(len(scenes)):
        if "caption" in tasks:
            for caption in rng.permutation(scenes.captions[i])[:captions_per_scene]:
                add(i, DESCRIBE_PROMPT, str(caption), "caption")
        for qa in scenes.questions[i]:
            if qa["type"] in tasks:
                add(i, qa["question"], qa["answer"], qa["type"])
        objects = scenes.objects[i]
        if "left_of" in tasks and len(objects) >= 2:
            a, b = (objects[int(j)] for j in rng.choice(len(objects), size=2, replace=False))
            answer = "yes" if _relation(a, b) == "left" else "no"
            add(i, f"is the {_name(a, objects)} left of the {_name(b, objects)}? answer yes or no", answer, "left_of")
    return Instructions(scenes.images, np.asarray(index, dtype=np.int64), prompts, answers, names)


def shop_instructions(shop, tasks=SHOP_TASKS, seed=0):
    """The shop's products as a customer-service assistant's instructions.

    A customer-service assistant reads a customer's message with the
    product photo; here the customer asks for the category, whether
    the product suits a use (one of the three departments' uses, the
    right one half the time) and its shape.

    Args:
        shop: a `Shop`.
        tasks: which of `SHOP_TASKS` to write.
        seed: int, for the uses asked about.

    Returns:
        `Instructions` over `shop.images`, product by product.

    Example:

    >>> from mmkeras.datasets import make_shop
    >>> pairs = shop_instructions(make_shop(3, seed=0), tasks=("category",))
    >>> pairs.answers[0] in CATEGORIES, pairs.prompts[0].startswith("what category is this product?")
    (True, True)
    """
    unknown = sorted(set(tasks) - set(SHOP_TASKS))
    if unknown:
        raise ValueError(f"Unknown shop task(s) {unknown}. Expected names from {SHOP_TASKS}.")
    rng = np.random.default_rng(seed)
    index, prompts, answers, names = [], [], [], []
    for i, text in enumerate(shop.texts):
        department = DEPARTMENTS[shop.departments[i]]
        if "category" in tasks:
            index.append(i)
            prompts.append(f"what category is this product? {text}")
            answers.append(CATEGORIES[shop.categories[i]])
            names.append("category")
        if "suitable" in tasks:
            asked = department if rng.random() < 0.5 else DEPARTMENTS[int(rng.integers(len(DEPARTMENTS)))]
            index.append(i)
            prompts.append(f"a customer asks: is this suitable for {_SUITABLE_FOR[asked]}? {text}")
            answers.append("yes" if asked == department else "no")
            names.append("suitable")
        if "form" in tasks:
            index.append(i)
            prompts.append(f"a customer asks: what shape is it? {shop.titles[i]}")
            answers.append(FORMS[shop.objects[i].shape])
            names.append("form")
    return Instructions(shop.images, np.asarray(index, dtype=np.int64), prompts, answers, names)


def mix_instructions(*parts):
    """Several `Instructions` as one, over one pool of images (all of one size).

    Example:

    >>> scenes = scene_instructions(make_scenes(2, seed=0, image_size=32), tasks=("count",))
    >>> products = shop_instructions(make_shop(2, seed=0, image_size=32), tasks=("category",))
    >>> mixed = mix_instructions(scenes, products)
    >>> len(mixed.prompts) == len(scenes.prompts) + len(products.prompts), len(mixed.images)
    (True, 4)
    """
    if not parts:
        raise ValueError("Pass at least one Instructions to mix.")
    sizes = {part.images.shape[1:] for part in parts}
    if len(sizes) != 1:
        raise ValueError(f"Every part's images must have one shape to be mixed. Received shapes {sorted(sizes)}.")
    offsets = np.cumsum([0] + [len(part.images) for part in parts[:-1]])
    return Instructions(
        np.concatenate([part.images for part in parts]),
        np.concatenate([part.image_index + offset for part, offset in zip(parts, offsets)]),
        [p for part in parts for p in part.prompts],
        [a for part in parts for a in part.answers],
        [t for part in parts for t in part.tasks],
    )


def tokenize_instructions(instructions, tokenizer, prompt_length, answer_length):
    """The prompts padded to `prompt_length` and the answers as teacher-forcing pairs.

    Returns:
        `(prompt_ids, token_ids, next_token_ids)`, int32 NumPy arrays
        `(n, prompt_length)`, `(n, answer_length)` and `(n, answer_length)`:
        `token_ids` is `[START] answer [END]` padded, `next_token_ids` the
        same shifted by one (the targets).

    Example:

    >>> from mmkeras.datasets import make_scenes
    >>> from mmkeras.preprocessing import WordTokenizer
    >>> pairs = scene_instructions(make_scenes(2, seed=0), tasks=("count",))
    >>> tokenizer = WordTokenizer.from_corpus(pairs.prompts + pairs.answers)
    >>> prompt_ids, token_ids, next_ids = tokenize_instructions(pairs, tokenizer, 8, 4)
    >>> prompt_ids.shape, int(token_ids[0, 0]) == tokenizer.start_id, int(next_ids[0, 1]) == tokenizer.end_id
    ((2, 8), True, True)
    """
    from mmkeras.preprocessing.sequences import teacher_forcing_pair

    if not len(instructions):
        raise ValueError("`instructions` is empty: there is nothing to tokenize.")
    longest = max(len(prompt.split()) for prompt in instructions.prompts)
    if longest > prompt_length:
        raise ValueError(
            f"A prompt has {longest} words but prompt_length={prompt_length}: the end of it would be cut. "
            f"Pass prompt_length >= {longest}."
        )
    longest = max(len(answer.split()) for answer in instructions.answers)
    if longest + 1 > answer_length:
        raise ValueError(
            f"An answer has {longest} words but answer_length={answer_length} holds {answer_length - 1} "
            f"words and the end token. Pass answer_length >= {longest + 1}."
        )
    prompt_ids = tokenizer(instructions.prompts, prompt_length, add_start_end=False)
    token_ids, next_token_ids = teacher_forcing_pair(tokenizer, instructions.answers, answer_length)
    return tuple(np.asarray(ids, dtype=np.int32) for ids in (prompt_ids, token_ids, next_token_ids))


def make_instruction_dataset(
    instructions, tokenizer, prompt_length, answer_length, batch_size=64, shuffle=True, seed=0
):
    """A `tf.data.Dataset` of `({"image", "prompt_ids", "token_ids"}, next_token_ids)` batches.

    Texts are tokenized once (`tokenize_instructions`); images are
    gathered from the pool per batch and scaled to [0, 1] float32, so a
    pool shared by many pairs is held once.

    Args:
        instructions: `Instructions`.
        tokenizer: a `WordTokenizer` holding the prompts' and answers' words.
        prompt_length, answer_length: as in `build_vision_language_model`.
        batch_size: int.
        shuffle: reshuffle every epoch and drop the last partial batch.
        seed: the shuffle's seed.

    Example:

    >>> from mmkeras.datasets import make_scenes
    >>> from mmkeras.preprocessing import WordTokenizer
    >>> pairs = scene_instructions(make_scenes(4, seed=0, image_size=32))
    >>> tokenizer = WordTokenizer.from_corpus(pairs.prompts + pairs.answers)
    >>> x, y = next(iter(make_instruction_dataset(pairs, tokenizer, 16, 18, batch_size=4)))
    >>> tuple(x["image"].shape), tuple(x["prompt_ids"].shape), tuple(y.shape)
    ((4, 32, 32, 3), (4, 16), (4, 18))
    """
    import tensorflow as tf

    prompt_ids, token_ids, next_token_ids = tokenize_instructions(
        instructions, tokenizer, prompt_length, answer_length
    )
    images = tf.constant(instructions.images)
    dataset = tf.data.Dataset.from_tensor_slices((instructions.image_index, prompt_ids, token_ids, next_token_ids))
    if shuffle:
        dataset = dataset.shuffle(len(instructions), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, drop_remainder=shuffle and len(instructions) >= batch_size)

    def to_model_inputs(index, prompts, tokens, targets):
        image = tf.cast(tf.gather(images, index), tf.float32) / 255.0
        return {"image": image, "prompt_ids": prompts, "token_ids": tokens}, targets

    return dataset.map(to_model_inputs, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)

"""`tf.data` pipelines over the bundled world."""

import numpy as np
import tensorflow as tf

from mmkeras.datasets.scenes import Scenes
from mmkeras.preprocessing.sequences import teacher_forcing_pair

TASKS = ("vqa", "vqa_by_scene", "caption")


def make_scene_dataset(
    scenes,
    tokenizer,
    task="vqa",
    sequence_length=16,
    batch_size=64,
    shuffle=True,
    seed=0,
    drop_remainder=None,
):
    """A batched, prefetched `tf.data.Dataset` of scenes and their text.

    Text is tokenized inside the pipeline (after batching, one vectorised
    call per batch), so the model only ever sees integer ids and can be
    compiled with XLA. Images arrive as float32 in [0, 1].

    Args:
        scenes: a `Scenes` object from `make_scenes`.
        tokenizer: a `mmkeras.preprocessing.WordTokenizer`, or `None` for
            raw batches, what a task's preprocessor consumes (`Task.fit`
            maps it over them): uint8 images and strings,
            `(image (B, H, W, 3) uint8, caption (B,))` for `"caption"`,
            `({"image": ..., "text": (B,) question strings}, answer (B,) string)` for
            `"vqa"` (what `VisualQuestionAnswerer` takes).
        task: `"vqa"` gives one element per question:
            `({"image": (B, H, W, 3), "question": (B, L)}, answer_id (B,))`.
            `"vqa_by_scene"` gives one element per scene with all its K
            questions, for `build_vqa_model(..., questions_per_image=K)`:
            `({"image": (B, H, W, 3), "question": (B, K, L)}, answer_id (B, K))`,
            in `scenes.qa_table()` order; every scene must have K questions.
            `"caption"` gives one element per caption, shifted for teacher
            forcing: `({"image": ..., "tokens": (B, L)}, next_tokens (B, L))`.
        sequence_length: L, the fixed length of the token rows.
        batch_size: int.
        shuffle: whether to shuffle the examples (reshuffled each epoch).
        seed: shuffle seed (with `keras.utils.set_random_seed`, runs repeat).
        drop_remainder: drop a last smaller batch, so a compiled model sees
            one shape only. Defaults to `shuffle` (on for training).

    Returns:
        A `tf.data.Dataset`.

    Example:

    >>> scenes = make_scenes(32)
    >>> tokenizer = WordTokenizer.from_corpus(all_texts(scenes))
    >>> ds = make_scene_dataset(scenes, tokenizer, batch_size=8)
    >>> inputs, answers = next(iter(ds))
    >>> inputs["question"].shape
    TensorShape([8, 16])
    """
    if not isinstance(scenes, Scenes):
        raise TypeError(
            "`scenes` must be the Scenes object returned by make_scenes(). "
            f"Received: {type(scenes).__name__}"
        )
    if task not in TASKS:
        raise ValueError(f"`task` must be one of {TASKS}. Received: task={task!r}")
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"`batch_size` must be a positive int. Received: batch_size={batch_size!r}")
    if drop_remainder is None:
        drop_remainder = shuffle

    if task.startswith("vqa"):
        table = scenes.qa_table()
        index, texts, labels = table["scene"], table["question"], table["answer_id"]
        if task == "vqa_by_scene" and len(texts):
            index, texts, labels = _group_by_scene(len(scenes.images), index, texts, labels)
    else:
        index = np.asarray(
            [i for i, caps in enumerate(scenes.captions) for _ in caps], dtype=np.int64
        )
        texts = np.asarray([c for caps in scenes.captions for c in caps], dtype=object)
        labels = np.zeros(len(texts), dtype=np.int64)
    if len(texts) == 0:
        raise ValueError("`scenes` is empty: there is nothing to build a dataset from.")

    if tokenizer is None and task == "vqa_by_scene":
        raise ValueError("task='vqa_by_scene' needs a tokenizer; raw batches exist for 'vqa' and 'caption'.")
    if tokenizer is None and task == "vqa":
        labels = np.asarray(table["answer"], dtype=object)
    images = tf.constant(scenes.images)
    dataset = tf.data.Dataset.from_tensor_slices(
        (index, texts.astype(str), labels.astype(str) if labels.dtype == object else labels.astype(np.int32))
    )
    if shuffle:
        dataset = dataset.shuffle(len(texts), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)

    def to_raw_batch(scene_index, text, label):
        image = tf.gather(images, scene_index)
        if task == "vqa":
            return {"image": image, "text": text}, label
        return image, text

    def to_model_inputs(scene_index, text, label):
        image = tf.cast(tf.gather(images, scene_index), tf.float32) / 255.0
        if task == "vqa":
            question = tokenizer(text, sequence_length, add_start_end=False)
            return {"image": image, "question": question}, label
        if task == "vqa_by_scene":
            per_scene = tf.shape(text)[1]
            question = tokenizer(tf.reshape(text, [-1]), sequence_length, add_start_end=False)
            question = tf.reshape(question, [-1, per_scene, sequence_length])
            return {"image": image, "question": question}, label
        tokens, next_tokens = teacher_forcing_pair(tokenizer, text, sequence_length)
        return {"image": image, "tokens": tokens}, next_tokens

    dataset = dataset.map(to_model_inputs if tokenizer is not None else to_raw_batch, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)


def _group_by_scene(num_scenes, scene, texts, labels):
    """Rows of one scene's questions and answers; every scene needs as many."""
    counts = np.bincount(scene, minlength=num_scenes)
    if counts.min() != counts.max():
        raise ValueError(
            "task='vqa_by_scene' needs the same number of questions in every scene. "
            f"Received scenes with {counts.min()} to {counts.max()} questions; "
            "use task='vqa' (one element per question) for such scenes."
        )
    order = np.argsort(scene, kind="stable")
    per_scene = int(counts[0])
    return (
        np.arange(num_scenes),
        texts[order].reshape(num_scenes, per_scene),
        labels[order].reshape(num_scenes, per_scene),
    )


def all_texts(scenes):
    """Every caption and question of `scenes`: a corpus for a tokenizer.

    Example:

    >>> scenes = make_scenes(2, seed=0)
    >>> texts = all_texts(scenes)
    >>> scenes.captions[0][0] in texts, scenes.questions[0][0]["question"] in texts
    (True, True)
    """
    texts = [c for caps in scenes.captions for c in caps]
    texts += [qa["question"] for qs in scenes.questions for qa in qs]
    return texts


def make_shop_dataset(
    shop, tokenizer, sequence_length=24, batch_size=64, shuffle=True, seed=0, drop_remainder=None
):
    """A batched, prefetched `tf.data.Dataset` of products and categories.

    Elements are
    `({"image": (B, H, W, 3) float32 in [0, 1], "text": (B, L) int32 ids of title and description}, category (B,) int32)`. Text is
    tokenized inside the pipeline, so the model sees ids only.

    Args:
        shop: a `Shop` from `make_shop`.
        tokenizer: a `mmkeras.preprocessing.WordTokenizer` (or any callable
            `tokenizer(strings, sequence_length, add_start_end=False)`), or
            `None` for raw batches, what `ProductClassifier` takes:
            `({"image": (B, H, W, 3) uint8, "text": (B,) strings}, category (B,) name strings)`.
        sequence_length: L, the fixed length of the token rows; longer
            texts are truncated.
        batch_size: int.
        shuffle: whether to shuffle the products (reshuffled each epoch).
        seed: shuffle seed.
        drop_remainder: drop a last smaller batch. Defaults to `shuffle`.

    Returns:
        A `tf.data.Dataset`.

    Example:

    >>> shop = make_shop(16)
    >>> tokenizer = WordTokenizer.from_corpus(shop.texts)
    >>> inputs, category = next(iter(make_shop_dataset(shop, tokenizer, batch_size=4)))
    >>> inputs["text"].shape
    TensorShape([4, 24])
    """
    from mmkeras.datasets.shop import CATEGORIES
    from mmkeras.datasets.shop import Shop

    if not isinstance(shop, Shop):
        raise TypeError(
            "`shop` must be the Shop object returned by make_shop(). "
            f"Received: {type(shop).__name__}"
        )
    if len(shop) == 0:
        raise ValueError("`shop` is empty: there is nothing to build a dataset from.")
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"`batch_size` must be a positive int. Received: batch_size={batch_size!r}")
    if drop_remainder is None:
        drop_remainder = shuffle
    if tokenizer is None:
        categories = np.asarray([CATEGORIES[i] for i in shop.categories], dtype=str)
    else:
        categories = shop.categories.astype(np.int32)
    dataset = tf.data.Dataset.from_tensor_slices((shop.images, np.asarray(shop.texts, dtype=str), categories))
    if shuffle:
        dataset = dataset.shuffle(len(shop), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)

    def to_model_inputs(image, text, category):
        image = tf.cast(image, tf.float32) / 255.0
        return {"image": image, "text": tokenizer(text, sequence_length, add_start_end=False)}, category

    if tokenizer is None:
        return dataset.map(lambda image, text, category: ({"image": image, "text": text}, category)).prefetch(
            tf.data.AUTOTUNE
        )
    return dataset.map(to_model_inputs, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def make_mlm_dataset(texts, tokenizer, sequence_length=32, batch_size=64, rate=0.15, shuffle=True, seed=0):
    """Masked-language-model batches from raw texts.

    Elements are `(corrupted_ids, original_ids, weights)`, ready for
    `model.fit`: the third element is used as `sample_weight`, so only the
    chosen tokens count in the loss. The masking is redrawn every epoch.

    Args:
        texts: a list of strings.
        tokenizer: a `mmkeras.preprocessing.WordPieceTokenizer` (it has the
            `[MASK]` token).
        sequence_length: fixed row length (`[CLS] ... [SEP]` and padding).
        batch_size: int.
        rate: share of tokens to predict.
        shuffle: whether to shuffle the texts each epoch.
        seed: seed of the shuffle and the masking.

    Example:

    >>> from mmkeras.preprocessing import WordPieceTokenizer
    >>> texts = ["a red circle", "two blue squares"] * 20
    >>> tokenizer = WordPieceTokenizer.from_corpus(texts, vocab_size=60)
    >>> corrupted, original, weights = next(iter(make_mlm_dataset(texts, tokenizer, sequence_length=8, batch_size=4)))
    >>> tuple(corrupted.shape), tuple(original.shape), weights.dtype.name
    ((4, 8), (4, 8), 'float32')
    """
    from mmkeras.preprocessing.masking import mask_tokens
    from mmkeras.preprocessing.wordpiece import WORDPIECE_RESERVED_TOKENS

    if not hasattr(tokenizer, "mask_id"):
        raise TypeError(
            "`tokenizer` needs a [MASK] token: use WordPieceTokenizer. "
            f"Received: {type(tokenizer).__name__}"
        )
    texts = [str(t) for t in texts]
    if not texts:
        raise ValueError("`texts` is empty: there is nothing to build a dataset from.")
    dataset = tf.data.Dataset.from_tensor_slices(texts)
    if shuffle:
        dataset = dataset.shuffle(len(texts), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, drop_remainder=shuffle)

    def corrupt(batch):
        ids = tokenizer(batch, sequence_length)
        return mask_tokens(
            ids, tokenizer.mask_id, tokenizer.vocabulary_size,
            first_regular_id=len(WORDPIECE_RESERVED_TOKENS), rate=rate, seed=seed,
        )

    return dataset.map(corrupt, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def make_image_text_matching_dataset(
    images, texts, match, tokenizer, sequence_length=24, batch_size=64, rate=0.15, shuffle=True, seed=0
):
    """Pretraining batches for a single-stream image-text encoder: MLM and ITM at once.

    Every element pairs an image with a text and says whether the text
    describes it (`match`, image-text matching). The text's tokens are
    masked as BERT does (`mask_tokens`), and the masked-language-model
    targets keep only the chosen tokens *of matching pairs* (0 elsewhere):
    filling a blank from a caption that belongs to another image would
    teach the model to ignore the image. The masking is redrawn every
    epoch.

    Args:
        images: uint8 `(N, H, W, 3)`, one per pair (index the scenes' images
            with `matching_pairs(...)["scene"]`).
        texts: N strings.
        match: N floats, 1 for a describing text, 0 for a negative.
        tokenizer: a `mmkeras.preprocessing.WordPieceTokenizer` (it has the
            `[MASK]` token).
        sequence_length: fixed token row length (`[CLS] ... [SEP]` and
            padding).
        batch_size, shuffle, seed: as in `make_mlm_dataset`.
        rate: share of tokens to mask.

    Returns:
        A `tf.data.Dataset` of
        `({"image": float32 in [0, 1], "token_ids": corrupted ids}, {"mlm": target ids or 0, "itm": match (B, 1)})`,
        for a model with outputs named `mlm` and `itm` (e.g.
        `mmkeras.models.build_single_stream_pretrainer`).

    Example:

    >>> from mmkeras.preprocessing import WordPieceTokenizer
    >>> scenes = make_scenes(4, seed=0, image_size=32)
    >>> pairs = matching_pairs(scenes, seed=0)
    >>> tokenizer = WordPieceTokenizer.from_corpus(all_texts(scenes) * 10, vocab_size=80)
    >>> dataset = make_image_text_matching_dataset(scenes.images[pairs["scene"]], list(pairs["text"]), pairs["match"],
    ...                                            tokenizer, sequence_length=16, batch_size=4)
    >>> inputs, targets = next(iter(dataset))
    >>> sorted(inputs), tuple(inputs["token_ids"].shape), tuple(targets["itm"].shape)
    (['image', 'token_ids'], (4, 16), (4, 1))
    """
    from mmkeras.preprocessing.masking import mask_tokens
    from mmkeras.preprocessing.wordpiece import WORDPIECE_RESERVED_TOKENS

    if not hasattr(tokenizer, "mask_id"):
        raise TypeError(
            f"`tokenizer` needs a [MASK] token: use WordPieceTokenizer. Received: {type(tokenizer).__name__}"
        )
    images = np.asarray(images)
    texts = [str(t) for t in texts]
    match = np.asarray(match, dtype=np.float32)
    if images.ndim != 4 or images.dtype != np.uint8:
        raise ValueError(
            f"`images` must be uint8 (N, H, W, 3). Received dtype {images.dtype} and shape {images.shape}."
        )
    if not (len(images) == len(texts) == len(match)) or not texts:
        raise ValueError(
            "`images`, `texts` and `match` must be equally long and not empty. Received lengths "
            f"{len(images)}, {len(texts)} and {len(match)}."
        )
    if not np.isin(match, (0.0, 1.0)).all():
        raise ValueError(f"`match` must hold only 0 and 1. Received values {sorted(set(match.tolist()))[:5]}.")
    # Tokenized once: only the masking changes between epochs.
    token_ids = tokenizer(texts, sequence_length)
    dataset = tf.data.Dataset.from_tensor_slices((images, token_ids, match))
    if shuffle:
        dataset = dataset.shuffle(len(texts), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, drop_remainder=shuffle)

    def to_model_inputs(image, ids, matches):
        corrupted, labels, weights = mask_tokens(
            ids, tokenizer.mask_id, tokenizer.vocabulary_size,
            first_regular_id=len(WORDPIECE_RESERVED_TOKENS), rate=rate, seed=seed,
        )
        keep = tf.logical_and(weights > 0, matches[:, None] > 0)
        targets = {"mlm": tf.where(keep, labels, tf.zeros_like(labels)), "itm": matches[:, None]}
        return {"image": tf.cast(image, tf.float32) / 255.0, "token_ids": corrupted}, targets

    return dataset.map(to_model_inputs, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)

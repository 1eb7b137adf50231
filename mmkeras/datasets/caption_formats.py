"""Loaders for real caption data sets (COCO captions, Flickr8k), and
exporters that write the bundled world in the same formats.

Point the loaders at the real downloads; the exporters make small
look-alike folders from generated scenes, which is how the book (and its
tests) check the loaders without a network.

COCO captions: an annotations JSON with `"images"` (`id`, `file_name`)
and `"annotations"` (`image_id`, `caption`), images in a folder.
Flickr8k: a token file whose lines read `<file_name>#<n>\\t<caption>`, and
an image folder (`Flicker8k_Dataset/` in the original archive).
"""

import collections
import csv
import dataclasses
import json
import os
import pathlib

import numpy as np
import tensorflow as tf

from mmkeras.datasets._text_files import open_utf8
from mmkeras.preprocessing.image_files import read_image
from mmkeras.preprocessing.sequences import teacher_forcing_pair


@dataclasses.dataclass
class CaptionRecords:
    """Images (as paths) and their captions, in a stable order.

    Attributes:
        image_paths: list of n paths.
        captions: list of n lists of caption strings.

    Example:

    >>> records = load_caption_pairs("data/fixtures/pairs/captions.csv")
    >>> len(records.image_paths) == len(records.captions), isinstance(records.captions[0], list)
    (True, True)
    >>> paths, captions = records.pairs()  # one row per caption, for a task's fit
    >>> len(paths) == sum(len(c) for c in records.captions)
    True
    """

    image_paths: list
    captions: list

    def __len__(self):
        return len(self.image_paths)

    def pairs(self):
        """`(image_paths, captions)`: two lists with one entry per caption, an
        image's path repeated for each of its captions; what a task's `fit`
        takes as `x` and `y`.

        Example:

        >>> paths, captions = load_caption_pairs("data/fixtures/pairs/captions.csv").pairs()
        >>> len(paths) == len(captions), captions[0]
        (True, 'a large purple triangle')
        """
        paths = [str(path) for path, captions in zip(self.image_paths, self.captions) for _ in captions]
        return paths, [caption for captions in self.captions for caption in captions]

    def load_images(self, image_size=None):
        """Decode every image to uint8 `(n, H, W, 3)`; resize to `image_size`
        (an int) when given, which images of different sizes need."""
        images = []
        for path in self.image_paths:
            image = read_image(str(path))
            if image_size is not None:
                image = tf.cast(tf.image.resize(image, (image_size, image_size), antialias=True) + 0.5, tf.uint8)
            images.append(image.numpy())
        shapes = {im.shape for im in images}
        if len(shapes) > 1:
            raise ValueError(
                f"The images have different sizes ({sorted(shapes)[:3]}...); pass image_size "
                "to resize them to one square size."
            )
        return np.stack(images) if images else np.zeros((0, 0, 0, 3), np.uint8)

    def to_dataset(
        self, image_size, tokenizer=None, sequence_length=16, batch_size=32, shuffle=False, seed=0,
        drop_remainder=None,
    ):
        """A batched, prefetched `tf.data.Dataset` with one element per caption.

        Images are read, decoded (PNG, JPEG, BMP or GIF) and resized inside
        the pipeline, to float32 in [0, 1].

        Args:
            image_size: int, the square size the images are resized to.
            tokenizer: optional `mmkeras.preprocessing.WordTokenizer`. With
                one, elements are shifted for teacher forcing, as
                `make_scene_dataset(task="caption")` gives them:
                `({"image": (B, S, S, 3), "tokens": (B, L)}, next_tokens (B, L))`.
                Without, `(image (B, S, S, 3), caption string (B,))`.
            sequence_length: L.
            batch_size: int.
            shuffle: whether to shuffle the pairs (reshuffled each epoch).
            seed: shuffle seed.
            drop_remainder: drop a last smaller batch. Defaults to `shuffle`.

        Returns:
            A `tf.data.Dataset`.

        Example:

        >>> records = load_flickr8k("data/fixtures/flickr8k/Flickr8k.token.txt",
        ...                         "data/fixtures/flickr8k/Flicker8k_Dataset")
        >>> images, captions = next(iter(records.to_dataset(image_size=32, batch_size=2)))
        >>> images.shape
        TensorShape([2, 32, 32, 3])
        """
        if not isinstance(image_size, (int, np.integer)) or image_size < 1:
            raise ValueError(f"`image_size` must be a positive int. Received: image_size={image_size!r}")
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"`batch_size` must be a positive int. Received: batch_size={batch_size!r}")
        if len(self) == 0:
            raise ValueError("These CaptionRecords are empty: there is nothing to build a dataset from.")
        paths, texts = self.pairs()
        dataset = tf.data.Dataset.from_tensor_slices((paths, texts))
        if shuffle:
            dataset = dataset.shuffle(len(texts), seed=seed, reshuffle_each_iteration=True)

        def load_pair(path, caption):
            # A file that is not an image stops the pipeline with an error naming its path.
            image = read_image(path)
            image = tf.image.resize(tf.cast(image, tf.float32) / 255.0, (image_size, image_size), antialias=True)
            return tf.clip_by_value(image, 0.0, 1.0), caption

        dataset = dataset.map(load_pair, num_parallel_calls=tf.data.AUTOTUNE)
        dataset = dataset.batch(batch_size, drop_remainder=shuffle if drop_remainder is None else drop_remainder)
        if tokenizer is not None:

            def tokenize(image, caption):
                tokens, next_tokens = teacher_forcing_pair(tokenizer, caption, sequence_length)
                return {"image": image, "tokens": tokens}, next_tokens

            dataset = dataset.map(tokenize, num_parallel_calls=tf.data.AUTOTUNE)
        return dataset.prefetch(tf.data.AUTOTUNE)


def _require_file(path, what):
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{what} not found: {path}")


def _require_images(paths, sources):
    """Check every image exists; `sources[i]` says where path i was named."""
    missing = [i for i, path in enumerate(paths) if not os.path.isfile(path)]
    if missing:
        first = missing[0]
        raise FileNotFoundError(
            f"{len(missing)} of {len(paths)} images not found, the first {paths[first]} "
            f"(named in {sources[first]}). Check the image folder you passed."
        )


def load_coco_captions(annotations_path, images_dir):
    """Read a COCO captions annotation file (e.g. `captions_val2017.json`).

    Args:
        annotations_path: the JSON file.
        images_dir: the folder holding the images it names.

    Returns:
        `CaptionRecords`, images ordered by id, captions in file order.

    Example:

    >>> records = load_coco_captions("data/fixtures/coco/captions_val.json", "data/fixtures/coco/val")
    >>> len(records.image_paths), records.captions[0][0].startswith("a ")
    (4, True)
    """
    _require_file(annotations_path, "COCO captions annotation file")
    with open_utf8(annotations_path, "COCO captions annotation file") as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as error:
            raise ValueError(
                f"{annotations_path}, line {error.lineno}, column {error.colno}: not valid JSON ({error.msg})."
            ) from None
    if not isinstance(data, dict):
        raise ValueError(f"{annotations_path} is not a COCO captions file: it holds a {type(data).__name__}, "
                         "not an object with 'images' and 'annotations'.")
    for key in ("images", "annotations"):
        if key not in data:
            raise ValueError(
                f"{annotations_path} is not a COCO captions file: it has no {key!r} list "
                f"(found keys {sorted(data)})."
            )
    files = {}
    for number, image in enumerate(data["images"]):
        if not isinstance(image, dict) or "id" not in image or "file_name" not in image:
            raise ValueError(
                f"{annotations_path}: images[{number}] needs 'id' and 'file_name'. Received: {image!r:.120}"
            )
        files[image["id"]] = image["file_name"]
    captions = collections.defaultdict(list)
    for number, annotation in enumerate(data["annotations"]):
        if not isinstance(annotation, dict) or "caption" not in annotation:
            raise ValueError(
                f"{annotations_path}: annotations[{number}] needs 'image_id' and 'caption'. "
                f"Received: {annotation!r:.120}"
            )
        image_id = annotation.get("image_id")
        if image_id not in files:
            raise ValueError(
                f"{annotations_path}: annotations[{number}] (id {annotation.get('id')!r}) refers to "
                f"image_id {image_id!r}, which is not in the file's 'images' list."
            )
        captions[image_id].append(str(annotation["caption"]).strip())
    ids = sorted(i for i in files if captions[i])
    paths = [str(pathlib.Path(images_dir) / files[i]) for i in ids]
    _require_images(paths, [f"{annotations_path}, image id {i}" for i in ids])
    return CaptionRecords(paths, [captions[i] for i in ids])


def load_flickr8k(token_path, images_dir):
    """Read Flickr8k's `Flickr8k.token.txt` (`<file>#<n>\\t<caption>` lines).

    Args:
        token_path: the token file.
        images_dir: the image folder.

    Returns:
        `CaptionRecords`, images in order of first appearance.

    Example:

    >>> records = load_flickr8k("data/fixtures/flickr8k/Flickr8k.token.txt", "data/fixtures/flickr8k/Flicker8k_Dataset")
    >>> len(records.image_paths), len(records.captions[0]) > 1
    (4, True)
    """
    _require_file(token_path, "Flickr8k token file")
    captions, first_line = collections.OrderedDict(), {}
    with open_utf8(token_path, "Flickr8k token file") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            key, tab, caption = line.partition("\t")
            name, hash_sign, _ = key.partition("#")
            if not tab or not hash_sign or not name or not caption.strip():
                raise ValueError(
                    f"{token_path}, line {number}: expected '<file_name>#<n><TAB><caption>'. "
                    f"Received: {line!r:.100}"
                )
            captions.setdefault(name, []).append(caption.strip())
            first_line.setdefault(name, number)
    paths = [str(pathlib.Path(images_dir) / name) for name in captions]
    _require_images(paths, [f"{token_path}, line {first_line[name]}" for name in captions])
    return CaptionRecords(paths, list(captions.values()))


def _pair_rows(path):
    """Yield `(line_number, row dict)` from a CSV (with header) or JSONL file."""
    suffix = pathlib.Path(path).suffix.lower()
    with open_utf8(path, "caption pairs file") as f:
        if suffix == ".csv":
            reader = csv.DictReader(f)
            missing = {"image", "caption"} - set(reader.fieldnames or [])
            if missing:
                raise ValueError(
                    f"{path}, line 1: the header needs the columns 'image' and 'caption'. "
                    f"Received: {reader.fieldnames}"
                )
            for row in reader:
                yield reader.line_num, row
        else:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as error:
                    raise ValueError(f"{path}, line {number}: not valid JSON ({error.msg}).") from None
                if not isinstance(row, dict):
                    raise ValueError(
                        f"{path}, line {number}: expected an object with 'image' and 'caption'. "
                        f"Received: {line.strip()!r:.100}"
                    )
                yield number, row


def load_caption_pairs(path, images_dir=None):
    """Read your own (image, caption) pairs from a CSV or JSON Lines file.

    A `.csv` file needs a header with the columns `image` and `caption`
    (others are ignored); a `.jsonl` file holds one object per line with
    the keys `"image"` and `"caption"`. Rows that name the same image are
    grouped, so an image may have several captions.

    Args:
        path: the `.csv` or `.jsonl` file.
        images_dir: folder that relative image paths are resolved against;
            defaults to the file's own folder.

    Returns:
        `CaptionRecords`, images in order of first appearance.

    Example:

    >>> records = load_caption_pairs("data/fixtures/pairs/captions.csv")
    >>> len(records), records.captions[0][0]
    (4, 'a large purple triangle')
    """
    _require_file(path, "Caption pairs file")
    if pathlib.Path(path).suffix.lower() not in (".csv", ".jsonl"):
        raise ValueError(f"`path` must be a .csv or .jsonl file. Received: {path}")
    folder = pathlib.Path(images_dir) if images_dir is not None else pathlib.Path(path).parent
    captions, first_line = collections.OrderedDict(), {}
    for number, row in _pair_rows(path):
        image, caption = row.get("image"), row.get("caption")
        if not isinstance(image, str) or not image.strip() or not isinstance(caption, str) or not caption.strip():
            raise ValueError(
                f"{path}, line {number}: 'image' and 'caption' must be non-empty text. "
                f"Received: image={image!r:.60}, caption={caption!r:.60}"
            )
        image_path = str(folder / image.strip())
        captions.setdefault(image_path, []).append(caption.strip())
        first_line.setdefault(image_path, number)
    if not captions:
        raise ValueError(f"{path} holds no (image, caption) rows.")
    _require_images(list(captions), [f"{path}, line {first_line[p]}" for p in captions])
    return CaptionRecords(list(captions), list(captions.values()))


def _write_png(path, image):
    tf.io.write_file(str(path), tf.io.encode_png(tf.constant(image)))


def export_coco_captions(scenes, folder, split="val"):
    """Write `scenes` as `folder/captions_<split>.json` + `folder/<split>/*.png`.

    Returns:
        `(annotations_path, images_dir)`, ready for `load_coco_captions`.

    Example:

    >>> import tempfile
    >>> annotations, images = export_coco_captions(make_scenes(2, seed=0), tempfile.mkdtemp())
    >>> len(load_coco_captions(annotations, images).image_paths)
    2
    """
    folder = pathlib.Path(folder)
    images_dir = folder / split
    images_dir.mkdir(parents=True, exist_ok=True)
    images, annotations = [], []
    for i, (image, captions) in enumerate(zip(scenes.images, scenes.captions), 1):
        name = f"{i:012d}.png"
        _write_png(images_dir / name, image)
        images.append({"id": i, "file_name": name, "height": int(image.shape[0]), "width": int(image.shape[1])})
        for caption in captions:
            annotations.append({"id": len(annotations) + 1, "image_id": i, "caption": caption})
    data = {"info": {"description": f"mmkeras scenes, seed {scenes.seed}"}, "images": images,
            "annotations": annotations}
    annotations_path = folder / f"captions_{split}.json"
    annotations_path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return str(annotations_path), str(images_dir)


def export_flickr8k(scenes, folder):
    """Write `scenes` as `folder/Flickr8k.token.txt` + `folder/Flicker8k_Dataset/*.png`.

    Returns:
        `(token_path, images_dir)`, ready for `load_flickr8k`.

    Example:

    >>> import tempfile
    >>> tokens, images = export_flickr8k(make_scenes(2, seed=0), tempfile.mkdtemp())
    >>> len(load_flickr8k(tokens, images).image_paths)
    2
    """
    folder = pathlib.Path(folder)
    images_dir = folder / "Flicker8k_Dataset"
    images_dir.mkdir(parents=True, exist_ok=True)
    lines = []
    for i, (image, captions) in enumerate(zip(scenes.images, scenes.captions)):
        name = f"scene_{i:04d}.png"
        _write_png(images_dir / name, image)
        lines += [f"{name}#{n}\t{caption}" for n, caption in enumerate(captions)]
    token_path = folder / "Flickr8k.token.txt"
    token_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(token_path), str(images_dir)


def export_caption_pairs(scenes, folder, file_format="csv"):
    """Write `scenes` as `folder/captions.<csv|jsonl>` + `folder/images/*.png`.

    One row per caption, image paths relative to `folder`.

    Returns:
        The path of the pairs file, ready for `load_caption_pairs`.

    Example:

    >>> import tempfile
    >>> path = export_caption_pairs(make_scenes(2, seed=0), tempfile.mkdtemp())
    >>> len(load_caption_pairs(path).image_paths)
    2
    """
    if file_format not in ("csv", "jsonl"):
        raise ValueError(f"`file_format` must be 'csv' or 'jsonl'. Received: file_format={file_format!r}")
    folder = pathlib.Path(folder)
    (folder / "images").mkdir(parents=True, exist_ok=True)
    rows = []
    for i, (image, captions) in enumerate(zip(scenes.images, scenes.captions)):
        name = f"images/scene_{i:04d}.png"
        _write_png(folder / name, image)
        rows += [{"image": name, "caption": caption} for caption in captions]
    path = folder / f"captions.{file_format}"
    with open(path, "w", encoding="utf-8", newline="") as f:
        if file_format == "csv":
            writer = csv.DictWriter(f, fieldnames=["image", "caption"], lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        else:
            f.writelines(json.dumps(row) + "\n" for row in rows)
    return str(path)

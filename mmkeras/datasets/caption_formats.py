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
import dataclasses
import json
import os
import pathlib

import numpy as np
import tensorflow as tf


@dataclasses.dataclass
class CaptionRecords:
    """Images (as paths) and their captions, in a stable order.

    Attributes:
        image_paths: list of n paths.
        captions: list of n lists of caption strings.
    """

    image_paths: list
    captions: list

    def __len__(self):
        return len(self.image_paths)

    def load_images(self, image_size=None):
        """Decode every image to uint8 `(n, H, W, 3)`; resize to `image_size`
        (an int) when given, which images of different sizes need."""
        images = []
        for path in self.image_paths:
            image = tf.io.decode_image(tf.io.read_file(str(path)), channels=3, expand_animations=False)
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


def _require_file(path, what):
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{what} not found: {path}")


def load_coco_captions(annotations_path, images_dir):
    """Read a COCO captions annotation file (e.g. `captions_val2017.json`).

    Args:
        annotations_path: the JSON file.
        images_dir: the folder holding the images it names.

    Returns:
        `CaptionRecords`, images ordered by id, captions in file order.
    """
    _require_file(annotations_path, "COCO captions annotation file")
    with open(annotations_path, encoding="utf-8") as f:
        data = json.load(f)
    for key in ("images", "annotations"):
        if key not in data:
            raise ValueError(
                f"{annotations_path} is not a COCO captions file: it has no {key!r} list "
                f"(found keys {sorted(data)})."
            )
    files = {}
    for image in data["images"]:
        if "id" not in image or "file_name" not in image:
            raise ValueError(f"COCO image entries need 'id' and 'file_name'. Received: {image!r:.120}")
        files[image["id"]] = image["file_name"]
    captions = collections.defaultdict(list)
    for annotation in data["annotations"]:
        image_id = annotation.get("image_id")
        if image_id not in files:
            raise ValueError(
                f"Caption annotation {annotation.get('id')!r} refers to image_id {image_id!r}, "
                "which is not in the file's 'images' list."
            )
        captions[image_id].append(str(annotation["caption"]).strip())
    ids = sorted(i for i in files if captions[i])
    paths = [pathlib.Path(images_dir) / files[i] for i in ids]
    for path in paths[:1]:
        _require_file(path, "Image named by the annotations")
    return CaptionRecords([str(p) for p in paths], [captions[i] for i in ids])


def load_flickr8k(token_path, images_dir):
    """Read Flickr8k's `Flickr8k.token.txt` (`<file>#<n>\\t<caption>` lines).

    Args:
        token_path: the token file.
        images_dir: the image folder.

    Returns:
        `CaptionRecords`, images in order of first appearance.
    """
    _require_file(token_path, "Flickr8k token file")
    captions = collections.OrderedDict()
    with open(token_path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            key, tab, caption = line.partition("\t")
            name, hash_sign, _ = key.partition("#")
            if not tab or not hash_sign:
                raise ValueError(
                    f"{token_path}, line {number}: expected '<file_name>#<n><TAB><caption>'. "
                    f"Received: {line!r:.100}"
                )
            captions.setdefault(name, []).append(caption.strip())
    paths = [str(pathlib.Path(images_dir) / name) for name in captions]
    for path in paths[:1]:
        _require_file(path, "Image named by the token file")
    return CaptionRecords(paths, list(captions.values()))


def _write_png(path, image):
    tf.io.write_file(str(path), tf.io.encode_png(tf.constant(image)))


def export_coco_captions(scenes, folder, split="val"):
    """Write `scenes` as `folder/captions_<split>.json` + `folder/<split>/*.png`.

    Returns:
        `(annotations_path, images_dir)`, ready for `load_coco_captions`.
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

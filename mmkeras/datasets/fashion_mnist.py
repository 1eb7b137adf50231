"""Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): real photos of Zalando's products, 28 x 28 grayscale, ten classes.

The full set (60,000 training and 10,000 test images) is read from a folder
of the four original `.gz` files: Debian's `dataset-fashion-mnist` package
puts them in `/usr/share/datasets/fashion-mnist`. A subset ships with the
book (`data/fashion_mnist`, the same format), so a chapter runs anywhere.
"""

import dataclasses
import gzip
import pathlib

import numpy as np

from mmkeras.datasets.paths import data_path

#: The ten classes, in the order of their labels.
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                         "Ankle boot")
DEBIAN_FASHION_MNIST = pathlib.Path("/usr/share/datasets/fashion-mnist")
_FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
          "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}
# The IDX format's magic numbers: unsigned bytes, three dimensions (images) or one (labels).
_IMAGES_MAGIC, _LABELS_MAGIC = 0x00000803, 0x00000801


@dataclasses.dataclass
class LabeledImages:
    """Images with one class label each.

    Attributes:
        images: uint8 `(n, height, width)`.
        labels: int32 `(n,)`, indices into `class_names`.
        class_names: the names of the classes.
        source: the folder the images were read from.

    Example:

    >>> clothes = load_fashion_mnist("bundled", split="test")
    >>> clothes.images.shape[1:], clothes.class_names[clothes.labels[0]] in FASHION_MNIST_CLASSES
    ((28, 28), True)
    """

    images: np.ndarray
    labels: np.ndarray
    class_names: tuple
    source: str

    def __len__(self):
        return len(self.images)


def _read_idx(path, magic, item_shape):
    with gzip.open(path, "rb") as file:
        try:
            data = file.read()
        except (OSError, EOFError) as error:
            raise ValueError(f"{path} is not a readable gzip file ({error}).") from None
    dimensions = 1 + len(item_shape)
    header = 4 * (1 + dimensions)
    if len(data) < header or int.from_bytes(data[:4], "big") != magic:
        raise ValueError(f"{path} is not an IDX file of {dimensions}-dimensional unsigned bytes (magic number "
                         f"{magic:#010x}); it holds something else.")
    sizes = [int.from_bytes(data[4 * (i + 1):4 * (i + 2)], "big") for i in range(dimensions)]
    if tuple(sizes[1:]) != item_shape:
        raise ValueError(f"{path} holds items of shape {tuple(sizes[1:])}; Fashion-MNIST's are {item_shape}.")
    expected = header + int(np.prod(sizes))
    # Checked before the array is made, so a truncated or inflated file is refused by name.
    if len(data) != expected:
        raise ValueError(f"{path} declares {sizes[0]} items ({expected} bytes) but holds {len(data)} bytes: it is "
                         "truncated or damaged.")
    return np.frombuffer(data, np.uint8, offset=header).reshape(sizes)


def _folder(path):
    if path == "bundled":
        return data_path("fashion_mnist")
    if path is None:
        if not DEBIAN_FASHION_MNIST.is_dir():
            raise FileNotFoundError(
                f"The full Fashion-MNIST is not in {DEBIAN_FASHION_MNIST}. Install it with `apt-get install "
                "dataset-fashion-mnist` (Debian, Ubuntu), or download the four .gz files from "
                "https://github.com/zalandoresearch/fashion-mnist into a folder and pass that folder; "
                "`load_fashion_mnist('bundled')` reads the subset that ships with the book.")
        return DEBIAN_FASHION_MNIST
    if not isinstance(path, (str, pathlib.Path)):
        raise TypeError(f"`path` must be a folder, 'bundled' or None. Received: {path!r} of type "
                        f"{type(path).__name__}")
    return pathlib.Path(path).expanduser()


def load_fashion_mnist(path=None, split="train"):
    """Fashion-MNIST's images and labels, read from the original `.gz` files.

    Args:
        path: a folder holding the four files (`train-images-idx3-ubyte.gz`,
            `train-labels-idx1-ubyte.gz`, `t10k-...`); `None` for Debian's
            `/usr/share/datasets/fashion-mnist` (`apt-get install
            dataset-fashion-mnist`); `"bundled"` for the book's subset of
            200 training and 100 test images per class.
        split: `"train"` or `"test"`.

    Returns:
        A `LabeledImages` with uint8 `(n, 28, 28)` images (a white product
        on black) and the names `FASHION_MNIST_CLASSES`.

    Raises:
        FileNotFoundError: for a folder that lacks a file, or no full set
            at Debian's path, saying how to get it.
        ValueError: for an unknown split, or a file that is not a
            Fashion-MNIST IDX file or is truncated (named).

    Example:

    >>> train = load_fashion_mnist("bundled")
    >>> len(train), np.bincount(train.labels).tolist() == [200] * 10
    (2000, True)
    """
    if split not in _FILES:
        raise ValueError(f"`split` must be 'train' or 'test'. Received: split={split!r}")
    folder = _folder(path)
    paths = [folder / name for name in _FILES[split]]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"{folder} has no {', '.join(missing)}: a Fashion-MNIST folder holds the four "
                                f"original .gz files ({', '.join(n for pair in _FILES.values() for n in pair)}).")
    images = _read_idx(paths[0], _IMAGES_MAGIC, (28, 28))
    labels = _read_idx(paths[1], _LABELS_MAGIC, ()).astype("int32")
    if len(images) != len(labels):
        raise ValueError(f"{paths[0]} holds {len(images)} images but {paths[1]} {len(labels)} labels.")
    if labels.size and labels.max() >= len(FASHION_MNIST_CLASSES):
        raise ValueError(f"{paths[1]} has the label {labels.max()}; Fashion-MNIST's go from 0 to 9.")
    return LabeledImages(images, labels, FASHION_MNIST_CLASSES, str(folder))

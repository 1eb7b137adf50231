"""Write the Fashion-MNIST subset that ships with the book into data/fashion_mnist/.

Usage: python scripts/make_fashion_mnist_subset.py [--source DIR] [--train-per-class 200] [--test-per-class 100]

Reads the full set (by default Debian's /usr/share/datasets/fashion-mnist,
from `apt-get install dataset-fashion-mnist`) and keeps the first
`--train-per-class` training and `--test-per-class` test images of each
class, in their original order, in the original IDX .gz format, so that
`load_fashion_mnist` reads the subset and the full set alike. gzip's
timestamp is fixed, so the same source gives the same bytes. The license
(MIT, Zalando SE) is written beside the files.
"""

import argparse
import gzip
import pathlib

import numpy as np

from mmkeras.datasets.fashion_mnist import DEBIAN_FASHION_MNIST
from mmkeras.datasets.fashion_mnist import load_fashion_mnist

OUT = pathlib.Path(__file__).resolve().parents[1] / "data" / "fashion_mnist"
LICENSE = """Fashion-MNIST: the images and labels in this folder are a subset of
https://github.com/zalandoresearch/fashion-mnist (Xiao, Rasul and Vollgraf,
2017), written by scripts/make_fashion_mnist_subset.py.

The MIT License (MIT)

Copyright © [2017] Zalando SE, https://tech.zalando.com

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


def write_idx(path, array, magic):
    header = magic.to_bytes(4, "big") + b"".join(size.to_bytes(4, "big") for size in array.shape)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as file:
        file.write(header + array.astype(np.uint8).tobytes())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=str(DEBIAN_FASHION_MNIST))
    parser.add_argument("--train-per-class", type=int, default=200)
    parser.add_argument("--test-per-class", type=int, default=100)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    for split, per_class, prefix in (("train", args.train_per_class, "train"), ("test", args.test_per_class, "t10k")):
        full = load_fashion_mnist(args.source, split=split)
        keep = np.sort(np.concatenate([np.flatnonzero(full.labels == label)[:per_class]
                                       for label in range(len(full.class_names))]))
        write_idx(OUT / f"{prefix}-images-idx3-ubyte.gz", full.images[keep], 0x00000803)
        write_idx(OUT / f"{prefix}-labels-idx1-ubyte.gz", full.labels[keep], 0x00000801)
        print(f"{split}: {len(keep)} of {len(full)} images")
    (OUT / "LICENSE").write_text(LICENSE, encoding="utf-8")
    print(f"{sum(p.stat().st_size for p in OUT.iterdir()) / 1e6:.2f} MB in {OUT}")


if __name__ == "__main__":
    main()

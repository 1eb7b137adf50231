import gzip
import numpy as np
import pytest

from mmkeras.datasets import FASHION_MNIST_CLASSES
from mmkeras.datasets import data_path
from mmkeras.datasets import load_fashion_mnist
from mmkeras.datasets.fashion_mnist import DEBIAN_FASHION_MNIST
from tests.scripts import load_script


def _write(path, header, body):
    with gzip.open(path, "wb") as file:
        file.write(b"".join(int(v).to_bytes(4, "big") for v in header) + np.asarray(body, "uint8").tobytes())


def _folder(tmp_path, images=2, labels=2, image_bytes=None, label_values=(0, 9)):
    _write(tmp_path / "t10k-images-idx3-ubyte.gz", [0x803, images, 28, 28],
           np.arange(2 * 784) % 256 if image_bytes is None else image_bytes)
    _write(tmp_path / "t10k-labels-idx1-ubyte.gz", [0x801, labels], label_values)
    return tmp_path


def test_the_bundled_subset_is_balanced_real_and_readable_by_the_full_sets_loader():
    train, test = load_fashion_mnist("bundled"), load_fashion_mnist("bundled", split="test")
    assert train.images.shape == (2000, 28, 28) and test.images.shape == (1000, 28, 28)
    assert np.bincount(train.labels).tolist() == [200] * 10 and np.bincount(test.labels).tolist() == [100] * 10
    assert train.class_names == FASHION_MNIST_CLASSES
    # Photos, not blank or generated squares: most pixels of a product photo are background, some are bright.
    assert 40 < train.images.mean() < 110 and (train.images > 200).mean() > 0.05
    assert "MIT" in (data_path("fashion_mnist") / "LICENSE").read_text()


@pytest.mark.skipif(not DEBIAN_FASHION_MNIST.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_the_subset_is_the_first_images_of_each_class_of_the_full_set():
    # .ci/run installs dataset-fashion-mnist, so this runs in CI.
    full = load_fashion_mnist(split="test")
    subset = load_fashion_mnist("bundled", split="test")
    assert len(full) == 10000
    for label in range(10):
        np.testing.assert_array_equal(subset.images[subset.labels == label],
                                      full.images[full.labels == label][:100])


def test_a_small_folder_in_the_original_format_is_read(tmp_path):
    clothes = load_fashion_mnist(_folder(tmp_path), split="test")
    assert clothes.images.shape == (2, 28, 28) and clothes.labels.tolist() == [0, 9]
    assert clothes.images[0, 0, :3].tolist() == [0, 1, 2]


def test_a_truncated_file_another_format_or_bad_labels_are_refused_by_name(tmp_path):
    _folder(tmp_path, images=3)
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte.gz declares 3 items .* truncated or damaged"):
        load_fashion_mnist(tmp_path, split="test")
    _write(tmp_path / "t10k-images-idx3-ubyte.gz", [0x803, 2, 32, 32], np.zeros(2 * 1024, "uint8"))
    with pytest.raises(ValueError, match=r"holds items of shape \(32, 32\); Fashion-MNIST's are \(28, 28\)"):
        load_fashion_mnist(tmp_path, split="test")
    _write(tmp_path / "t10k-images-idx3-ubyte.gz", [0x801, 2], [0, 1])
    with pytest.raises(ValueError, match="is not an IDX file of 3-dimensional unsigned bytes"):
        load_fashion_mnist(tmp_path, split="test")
    _folder(tmp_path, label_values=(0, 12))
    with pytest.raises(ValueError, match="has the label 12; Fashion-MNIST's go from 0 to 9"):
        load_fashion_mnist(tmp_path, split="test")
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not gzip")
    with pytest.raises(ValueError, match="is not a readable gzip file"):
        load_fashion_mnist(tmp_path, split="test")


def test_missing_files_a_missing_full_set_and_bad_arguments_say_what_to_do(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="has no train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz"):
        load_fashion_mnist(tmp_path)
    monkeypatch.setattr("mmkeras.datasets.fashion_mnist.DEBIAN_FASHION_MNIST", tmp_path / "absent")
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist.*'bundled'"):
        load_fashion_mnist()
    with pytest.raises(ValueError, match="`split` must be 'train' or 'test'. Received: split='val'"):
        load_fashion_mnist("bundled", split="val")
    with pytest.raises(TypeError, match="Received: 3 of type int"):
        load_fashion_mnist(3)


def test_the_subset_script_writes_the_same_bytes_from_the_same_source(tmp_path, monkeypatch):
    script = load_script("make_fashion_mnist_subset")
    source = tmp_path / "source"
    source.mkdir()
    rng = np.random.default_rng(0)
    for prefix, count in (("train", 40), ("t10k", 30)):
        script.write_idx(source / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (count, 28, 28)), 0x803)
        script.write_idx(source / f"{prefix}-labels-idx1-ubyte.gz", np.arange(count) % 10, 0x801)
    for run in ("first", "second"):
        monkeypatch.setattr(script, "OUT", tmp_path / run)
        monkeypatch.setattr("sys.argv", ["make", "--source", str(source), "--train-per-class", "2",
                                         "--test-per-class", "1"])
        script.main()
    names = sorted(p.name for p in (tmp_path / "first").iterdir())
    assert all((tmp_path / "first" / n).read_bytes() == (tmp_path / "second" / n).read_bytes() for n in names)
    subset = load_fashion_mnist(tmp_path / "first")
    assert np.bincount(subset.labels).tolist() == [2] * 10

import numpy as np
import pytest
import tensorflow as tf

from mmkeras.preprocessing import ImageConverter
from mmkeras.preprocessing import convert_images
from mmkeras.preprocessing import read_image
from mmkeras.preprocessing.image_files import decode_image_bytes

IMAGE = np.random.default_rng(0).integers(0, 256, (6, 5, 3), dtype=np.uint8)
PNG = tf.io.encode_png(IMAGE).numpy()


@pytest.mark.parametrize("encode", [tf.io.encode_png, lambda image: tf.io.encode_jpeg(image, quality=100)])
def test_whole_files_decode_eagerly_and_in_a_graph(encode):
    data = encode(IMAGE).numpy()
    eager = decode_image_bytes(data, "a file").numpy()
    graph = tf.function(lambda d: decode_image_bytes(d, "a file"))(tf.constant(data)).numpy()
    assert eager.shape == graph.shape == (6, 5, 3) and np.array_equal(eager, graph)
    if encode is tf.io.encode_png:
        assert np.array_equal(eager, IMAGE)


@pytest.mark.parametrize("data, problem", [
    (b"", r"not a PNG, JPEG, GIF or BMP file \(it starts with b'', 0 bytes\)"),
    (b"%PDF-1.7 ...", r"not a PNG, JPEG, GIF or BMP file \(it starts with b'%PDF-1.7'"),
    (PNG[:-20], "a PNG file that is cut short"),
])
def test_bytes_that_cannot_be_an_image_name_their_source(data, problem):
    with pytest.raises(ValueError, match=rf"Cannot decode image shelf/item\.png: {problem}"):
        decode_image_bytes(data, "shelf/item.png")
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Cannot decode image\] \[shelf/item\.png\]"):
        tf.function(lambda d: decode_image_bytes(d, "shelf/item.png"))(tf.constant(data))


def test_files_and_batches_of_paths_name_the_broken_file(tmp_path):
    good, bad = tmp_path / "good.png", tmp_path / "bad.png"
    good.write_bytes(PNG)
    bad.write_bytes(b"\x89PNG\r\n\x1a\n and then nothing")
    assert read_image(str(good)).shape == (6, 5, 3)
    with pytest.raises(ValueError, match=r"Cannot decode image .*bad\.png: a PNG file that is cut short"):
        convert_images([str(good), str(bad)], ImageConverter(8))
    with pytest.raises(ValueError, match=r"Cannot decode image given as 4 bytes"):
        read_image(b"GIF7")
    # A string tensor of paths is mapped eagerly here, so the error is raised as it is for a list.
    with pytest.raises(ValueError, match=r"Cannot decode image .*bad\.png"):
        convert_images(tf.constant([str(good), str(bad)]), ImageConverter(8))

import gzip

import numpy as np
import pytest
import torch

from unsup.data.images import (
    decode_triple,
    digits_dataset,
    encode_triple,
    faces_dataset,
    folder_dataset,
    load_mnist,
    mnist_dataset,
    read_idx,
    stacked_mnist_dataset,
    write_idx,
)


def _write_mnist(folder, n=12, gz=True):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = (np.arange(n) % 10).astype(np.uint8)
    suffix = ".gz" if gz else ""
    write_idx(folder / f"train-images-idx3-ubyte{suffix}", images)
    write_idx(folder / f"train-labels-idx1-ubyte{suffix}", labels)
    return images, labels


@pytest.mark.parametrize("gz", [True, False])
def test_idx_round_trip(tmp_path, gz):
    images, labels = _write_mnist(tmp_path, gz=gz)
    load_mnist.cache_clear()
    got_x, got_y = load_mnist(str(tmp_path))
    np.testing.assert_array_equal(got_x, images)
    np.testing.assert_array_equal(got_y, labels)
    ds = mnist_dataset(tmp_path)
    assert ds.shape == (1, 28, 28) and len(ds) == 12
    # pixel 0 -> -1, 255 -> 1, linear in between
    np.testing.assert_allclose(ds.images[:, 0].numpy(), images / 127.5 - 1, atol=1e-6)


def test_idx_errors(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03")
    with pytest.raises(ValueError, match="magic"):
        read_idx(tmp_path / "bad")
    header = bytes([0, 0, 8, 3]) + b"".join(int(k).to_bytes(4, "big") for k in (2, 28, 28))
    (tmp_path / "short.gz").write_bytes(gzip.compress(header + bytes(100)))
    with pytest.raises(ValueError, match="malformed"):
        read_idx(tmp_path / "short.gz")
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        load_mnist(str(tmp_path))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_mnist(str(tmp_path / "nope"))
    with pytest.raises(ValueError, match="uint8"):
        write_idx(tmp_path / "x", np.zeros(3, np.float32))


def test_bundled_mnist_subset():
    x, y = load_mnist()
    assert x.shape == (5000, 28, 28) and x.dtype == np.uint8
    assert np.bincount(y).tolist() == [500] * 10


def test_stacked_mnist_labels_decode_to_the_three_digits():
    ds = stacked_mnist_dataset(200, seed=3)
    x, y = load_mnist()
    assert ds.shape == (3, 28, 28) and ds.num_classes == 1000
    digits = decode_triple(ds.labels)
    assert digits.shape == (200, 3)
    assert torch.equal(encode_triple(digits), ds.labels)
    # every channel is a real MNIST image of the digit its label names
    flat = torch.as_tensor(x.reshape(len(x), -1).astype(np.float32) / 127.5 - 1)
    for i in range(0, 200, 37):
        for k in range(3):
            match = (flat - ds.images[i, k].reshape(1, -1)).abs().amax(1) < 1e-5
            assert match.any() and set(y[match.numpy()].tolist()) == {int(digits[i, k])}
    assert decode_triple(907).tolist() == [9, 0, 7]
    # independent draws: all 1,000 triples appear among 50k samples (expected misses ~ 1000 e^-50)
    assert len(torch.unique(stacked_mnist_dataset(50_000, seed=0).labels)) == 1000


def test_small_sets_and_sampling():
    d = digits_dataset()
    assert d.shape == (1, 8, 8) and len(d) == 1797 and d.images.min() == -1 and d.images.max() == 1
    f = faces_dataset()
    assert f.shape == (1, 24, 24) and len(f) == 200 and (f.labels == -1).all()
    torch.manual_seed(0)
    assert d.sample(5).shape == (5, 1, 8, 8)
    x, y = d.labelled().sample(7)
    assert x.shape == (7, 1, 8, 8) and y.shape == (7,)
    with pytest.raises(ValueError, match="no labels"):
        f.labelled()


def test_folder_dataset(tmp_path):
    from PIL import Image

    Image.new("RGB", (40, 30), (255, 0, 0)).save(tmp_path / "a.png")
    (tmp_path / "sub").mkdir()
    Image.new("L", (16, 16), 0).save(tmp_path / "sub" / "b.JPG")
    ds = folder_dataset(tmp_path, size=8)
    assert ds.shape == (3, 8, 8) and len(ds) == 2
    assert torch.allclose(ds.images[0, 0], torch.ones(8, 8)) and torch.allclose(ds.images[0, 1], -torch.ones(8, 8))
    (tmp_path / "c.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match="cannot read image"):
        folder_dataset(tmp_path)
    with pytest.raises(FileNotFoundError, match="no .png"):
        folder_dataset(_empty(tmp_path))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        folder_dataset(tmp_path / "missing")


def _empty(tmp_path):
    (tmp_path / "empty").mkdir()
    return tmp_path / "empty"

import numpy as np
import pytest
import torch
from PIL import Image

from unsup.translate.data import crop_flip, degrade, paired_folders, sr_patches


def test_side_by_side_images_split_into_aligned_halves(tmp_path):
    left, right = np.zeros((8, 8, 3), np.uint8), np.full((8, 8, 3), 255, np.uint8)
    for i in range(3):
        Image.fromarray(np.concatenate([left, right], 1)).save(tmp_path / f"{i}.png")
    a, b = paired_folders(tmp_path, None, load=8)
    assert a.shape == b.shape == (3, 3, 8, 8)
    assert torch.all(a == -1) and torch.all(b == 1)


def test_matching_names_pair_up_and_strangers_are_dropped(tmp_path):
    (tmp_path / "A").mkdir(), (tmp_path / "B").mkdir()
    for name, value in (("x.png", 0), ("y.png", 100)):
        Image.fromarray(np.full((4, 4), value, np.uint8)).save(tmp_path / "A" / name)
        Image.fromarray(np.full((4, 4), 255 - value, np.uint8)).save(tmp_path / "B" / name)
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "B" / "z.png")
    a, b = paired_folders(tmp_path / "A", tmp_path / "B", load=4, grey=True)
    assert a.shape == (2, 1, 4, 4)
    assert torch.allclose(a + b, torch.zeros_like(a), atol=1e-6)  # v/127.5-1 + (255-v)/127.5-1 = 0
    (tmp_path / "C").mkdir()
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "C" / "other.png")
    with pytest.raises(ValueError, match="no file names in common"):
        paired_folders(tmp_path / "A", tmp_path / "C", load=4)


def test_crop_flip_applies_the_same_crop_to_both_images_of_a_pair():
    x = torch.arange(2 * 10 * 10, dtype=torch.float32).view(2, 1, 10, 10)
    a, b = crop_flip([x, x.clone()], size=6, flip=True, rng=torch.Generator().manual_seed(0))
    assert a.shape == (2, 1, 6, 6) and torch.equal(a, b)
    with pytest.raises(ValueError, match="crop size"):
        crop_flip([x], size=11, flip=False, rng=torch.Generator())


def test_sr_input_is_a_blurred_quantised_copy():
    x, y = sr_patches(train=False, scale=4, patch=32, n=6, seed=0)
    assert x.shape == y.shape == (6, 1, 32, 32)
    assert torch.equal(x, degrade(y, 4))
    assert torch.allclose((x + 1) * 127.5, ((x + 1) * 127.5).round(), atol=1e-3)
    err4 = (degrade(y, 4) - y).abs().mean()
    assert 0 < (degrade(y, 2) - y).abs().mean() < err4  # x4 loses more than x2


def test_digits_pair_frames_b_like_mnist():
    from unsup.translate.data import MNIST_BOX, MNIST_SIZE, digits_pair
    from unsup.translate.evaluate import resample_like_digits

    a, ya, b, yb = digits_pair(True)
    assert a.shape[1:] == b.shape[1:] == (1, MNIST_SIZE, MNIST_SIZE) and len(a) == len(ya) and len(b) == len(yb)
    pad = (MNIST_SIZE - MNIST_BOX) // 2
    inside = torch.zeros(MNIST_SIZE, MNIST_SIZE, dtype=torch.bool)
    inside[pad:-pad, pad:-pad] = True
    assert (b[..., ~inside] == -1).all()  # B's digits stay inside MNIST's 20x20 box
    assert (b[..., inside] > 0).float().mean() > 0.1  # ... and fill it with ink
    hand = resample_like_digits(a[:50])
    assert hand.shape == a[:50].shape and (hand[..., ~inside] == -1).all()
    flat = torch.full((1, 1, MNIST_SIZE, MNIST_SIZE), -1.0)
    flat[..., inside] = 0.5  # one of the 17 grey levels: a constant box maps to itself, a level between snaps
    np.testing.assert_allclose(resample_like_digits(flat), flat, atol=1e-6)
    flat[..., inside] = 0.5 + 3 / 32
    np.testing.assert_allclose(resample_like_digits(flat)[..., inside], 0.5 + 1 / 8, atol=1e-6)

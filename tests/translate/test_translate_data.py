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

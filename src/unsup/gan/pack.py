"""Packing (PacGAN, Lin et al. 2018): the discriminator judges m samples at once.

A batch of ``B·m`` samples is read as ``B`` packs of ``m`` consecutive samples, concatenated along the feature axis
for vectors ``(B·m, d) -> (B, m·d)`` and along the channel axis for images ``(B·m, C, H, W) -> (B, m·C, H, W)``.
Both are a single ``reshape``, so packing costs nothing and keeps sample order: pack ``j`` holds samples
``j·m, ..., j·m + m - 1``. A packed D is the same network with its first layer ``m`` times wider.
"""

from __future__ import annotations

from torch import Tensor, nn


def pack(x: Tensor, m: int) -> Tensor:
    """``(B·m, d, ...)`` samples -> ``(B, m·d, ...)`` packs of ``m`` consecutive samples."""
    if m < 1:
        raise ValueError(f"pack must be >= 1; got {m}")
    if x.dim() < 2:
        raise ValueError(f"x must have a batch and a feature/channel axis; got shape {tuple(x.shape)}")
    if x.shape[0] % m:
        raise ValueError(f"batch of {x.shape[0]} samples is not a whole number of packs of {m}")
    return x.reshape(x.shape[0] // m, m * x.shape[1], *x.shape[2:])


def unpack(x: Tensor, m: int) -> Tensor:
    """Inverse of :func:`pack`: ``(B, m·d, ...)`` -> ``(B·m, d, ...)``."""
    if m < 1:
        raise ValueError(f"pack must be >= 1; got {m}")
    return x.reshape(x.shape[0] * m, x.shape[1] // m, *x.shape[2:])


class Packed(nn.Module):
    """Wrap a discriminator built for ``m``-times wider input: ``Packed(D, m)(x)`` is ``D(pack(x, m))``.

    ``x``: ``(B·m, ...)`` samples; returns D's output for the ``B`` packs. ``pack=1`` is the plain GAN.
    """

    def __init__(self, discriminator: nn.Module, pack: int) -> None:
        super().__init__()
        if not isinstance(pack, int) or pack < 1:
            raise ValueError(f"pack must be an integer >= 1; got {pack!r}")
        self.discriminator = discriminator
        self.pack = pack

    def forward(self, x: Tensor) -> Tensor:
        return self.discriminator(pack(x, self.pack))

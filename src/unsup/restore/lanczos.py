"""The Lanczos-2 downsampler of the Deep Image Prior super-resolution data term (and a down-sampling layer option)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def lanczos2_kernel(factor: int) -> np.ndarray:
    """1-D Lanczos kernel (support a=2) for down-sampling by ``factor``: length ``4 * factor``, sums to 1.

    Taps sit at half-pixel phase, ``k(d) = sinc(d) sinc(d / 2)`` with ``d = (i + 1/2 - 2 factor) / factor``,
    exactly the reference implementation's ``phase=0.5`` kernel (its 2-D kernel is the outer product of this one).
    """
    if factor < 1:
        raise ValueError(f"factor must be >= 1, got {factor}")
    d = (np.arange(4 * factor) + 0.5 - 2 * factor) / factor
    k = np.sinc(d) * np.sinc(d / 2)
    return k / k.sum()


class Lanczos2Down(nn.Module):
    """Anti-aliased down-sampling by an integer ``factor``: (B, C, H, W) -> (B, C, H / factor, W / factor).

    Replication padding of ``3 factor / 2`` pixels keeps the output exactly ``H / factor`` and makes the operator
    preserve constants (the kernel sums to 1), so it is an exact SR data term ``|| D(x) - y ||^2``.
    """

    def __init__(self, factor: int, channels: int) -> None:
        super().__init__()
        if factor < 1:
            raise ValueError(f"factor must be >= 1, got {factor}")
        k = torch.tensor(lanczos2_kernel(factor), dtype=torch.float32)
        self.factor, self.channels = factor, channels
        self.register_buffer("weight", torch.outer(k, k).expand(channels, 1, -1, -1).contiguous())
        self.pad = 3 * factor // 2
        # odd factors need an asymmetric pad to keep H / factor outputs
        self.pad_hi = 3 * factor - self.pad

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.factor == 1:
            return x
        if x.shape[-1] % self.factor or x.shape[-2] % self.factor:
            raise ValueError(f"image size {tuple(x.shape[-2:])} is not divisible by factor {self.factor}")
        x = F.pad(x, (self.pad, self.pad_hi, self.pad, self.pad_hi), mode="replicate")
        return F.conv2d(x, self.weight.to(x.dtype), stride=self.factor, groups=self.channels)

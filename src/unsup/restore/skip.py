"""The Deep Image Prior encoder-decoder with skip connections ("hourglass" / ``skip``), built from a config.

Layout of scale ``i`` (Ulyanov et al. 2018, supplementary Fig. 2)::

    x_i --down_i: conv3x3 stride 2, BN, LReLU, conv3x3, BN, LReLU--> x_{i+1} --(deeper scales)--> upsample x2 --+
     \\--skip_i: conv1x1, BN, LReLU -----------------------------------------------------------------> concat --+
    --> BN, conv3x3, BN, LReLU, conv1x1, BN, LReLU --> to scale i-1

then a 1x1 conv and a sigmoid, so the image lives in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from unsup.restore.lanczos import Lanczos2Down

UPSAMPLE = ("nearest", "bilinear")
DOWNSAMPLE = ("stride", "avg", "lanczos")
PADDING = ("reflection", "zero")


@dataclass(frozen=True)
class SkipConfig:
    """Hyper-parameters of :class:`Skip`; ``down``/``up``/``skip`` give channels per scale (0 skip = no skip)."""

    in_channels: int = 32
    out_channels: int = 3
    down: tuple[int, ...] = (128, 128, 128, 128, 128)
    up: tuple[int, ...] = (128, 128, 128, 128, 128)
    skip: tuple[int, ...] = (4, 4, 4, 4, 4)
    kernel_down: tuple[int, ...] = (3, 3, 3, 3, 3)
    kernel_up: tuple[int, ...] = (3, 3, 3, 3, 3)
    kernel_skip: int = 1
    upsample: str = "bilinear"
    downsample: str = "stride"
    pad: str = "reflection"

    def __post_init__(self) -> None:
        n = len(self.down)
        for name in ("up", "skip", "kernel_down", "kernel_up"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} has {len(getattr(self, name))} entries but down has {n} scales")
        if n < 1:
            raise ValueError("down must list at least one scale")
        for name, value, allowed in (
            ("upsample", self.upsample, UPSAMPLE),
            ("downsample", self.downsample, DOWNSAMPLE),
            ("pad", self.pad, PADDING),
        ):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {value!r}")

    @property
    def scales(self) -> int:
        return len(self.down)


def _conv(cfg: SkipConfig, c_in: int, c_out: int, k: int, stride: int = 1) -> nn.Sequential:
    """k x k conv with the configured padding; stride 2 done by the conv itself or by a pooling layer before it."""
    layers: list[nn.Module] = []
    if stride > 1 and cfg.downsample == "avg":
        layers.append(nn.AvgPool2d(stride))
    elif stride > 1 and cfg.downsample == "lanczos":
        layers.append(Lanczos2Down(stride, c_in))
    conv_stride = stride if cfg.downsample == "stride" else 1
    if cfg.pad == "reflection" and k > 1:
        layers.append(nn.ReflectionPad2d((k - 1) // 2))
        layers.append(nn.Conv2d(c_in, c_out, k, conv_stride))
    else:
        layers.append(nn.Conv2d(c_in, c_out, k, conv_stride, padding=(k - 1) // 2))
    return nn.Sequential(*layers)


def _block(cfg: SkipConfig, c_in: int, c_out: int, k: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(_conv(cfg, c_in, c_out, k, stride), nn.BatchNorm2d(c_out), nn.LeakyReLU(0.2))


class Skip(nn.Module):
    """DIP hourglass: z (B, in_channels, H, W) -> image (B, out_channels, H, W) in [0, 1].

    H and W must be divisible by ``2 ** config.scales`` (:func:`unsup.restore.dip.fit_dip` pads for you).
    """

    def __init__(self, config: SkipConfig) -> None:
        super().__init__()
        c = config
        self.config = c
        self.downs, self.skips, self.ups = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        c_in = c.in_channels
        for i in range(c.scales):
            self.skips.append(_block(c, c_in, c.skip[i], c.kernel_skip) if c.skip[i] else nn.Identity())
            self.downs.append(
                nn.Sequential(
                    _block(c, c_in, c.down[i], c.kernel_down[i], stride=2),
                    _block(c, c.down[i], c.down[i], c.kernel_down[i]),
                )
            )
            deeper = c.up[i + 1] if i + 1 < c.scales else c.down[i]
            self.ups.append(
                nn.Sequential(
                    nn.BatchNorm2d(c.skip[i] + deeper),
                    _block(c, c.skip[i] + deeper, c.up[i], c.kernel_up[i]),
                    _block(c, c.up[i], c.up[i], 1),
                )
            )
            c_in = c.down[i]
        self.head = nn.Conv2d(c.up[0], c.out_channels, 1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        m = 2**self.config.scales
        if z.shape[-1] % m or z.shape[-2] % m:
            raise ValueError(f"input size {tuple(z.shape[-2:])} must be divisible by 2**scales = {m}")
        skipped, x = [], z
        for skip, down in zip(self.skips, self.downs, strict=True):
            skipped.append(skip(x) if self.config.skip[len(skipped)] else None)
            x = down(x)
        for up, s in zip(reversed(self.ups), reversed(skipped), strict=True):
            x = F.interpolate(x, scale_factor=2, mode=self.config.upsample)
            x = up(x if s is None else torch.cat([s, x], dim=1))
        return torch.sigmoid(self.head(x))

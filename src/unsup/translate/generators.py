"""Generators from the CycleGAN/pix2pix paper: a ResNet-block encoder-decoder and a U-Net.

Both map ``[B, in_ch, H, W]`` in [-1, 1] to ``[B, out_ch, H, W]`` in [-1, 1] (tanh) and use instance norm, which
behaves identically in train and eval mode (no running statistics), so test outputs match training visuals.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def _norm(ch: int, norm: bool = True) -> nn.Module:
    return nn.InstanceNorm2d(ch, affine=False, track_running_stats=False) if norm else nn.Identity()


def init_weights(net: nn.Module, gain: float = 0.02) -> nn.Module:
    """Normal(0, ``gain``) init of conv weights, zero biases (the reference's 'normal' init); returns ``net``."""
    for m in net.modules():
        if isinstance(m, nn.Conv2d | nn.ConvTranspose2d):
            nn.init.normal_(m.weight, 0.0, gain)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return net


class ResnetBlock(nn.Module):
    """``x + conv-norm-relu-conv-norm(x)`` with reflection padding; shape preserved."""

    def __init__(self, ch: int, norm: bool = True) -> None:
        super().__init__()
        self.block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(ch, ch, 3), _norm(ch, norm), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(ch, ch, 3), _norm(ch, norm),
        )  # fmt: skip

    def forward(self, x: Tensor) -> Tensor:
        return x + self.block(x)


class ResnetGenerator(nn.Module):
    """c7s1-ngf, ``n_down`` stride-2 convs, ``n_blocks`` residual blocks, ``n_down`` stride-½ convs, c7s1-out, tanh.

    ``H`` and ``W`` must be divisible by ``2**n_down``. The reference uses ``ngf=64, n_blocks=9`` at 256 px.
    ``norm=False`` drops instance norm, which would discard the contrast a super-resolution net must restore (EDSR).
    """

    def __init__(
        self, in_ch: int = 3, out_ch: int = 3, ngf: int = 64, n_blocks: int = 9, n_down: int = 2, norm: bool = True
    ) -> None:
        super().__init__()
        if n_blocks < 0 or n_down < 0:
            raise ValueError(f"n_blocks and n_down must be >= 0; got {n_blocks}, {n_down}")
        layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(in_ch, ngf, 7), _norm(ngf, norm), nn.ReLU(True)]
        ch = ngf
        for _ in range(n_down):
            layers += [nn.Conv2d(ch, 2 * ch, 3, stride=2, padding=1), _norm(2 * ch, norm), nn.ReLU(True)]
            ch *= 2
        layers += [ResnetBlock(ch, norm) for _ in range(n_blocks)]
        for _ in range(n_down):
            up = nn.ConvTranspose2d(ch, ch // 2, 3, stride=2, padding=1, output_padding=1)
            layers += [up, _norm(ch // 2, norm), nn.ReLU(True)]
            ch //= 2
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ch, out_ch, 7), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.multiple = 2**n_down
        init_weights(self)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


class UnetBlock(nn.Module):
    """One U-Net level: down-conv, the ``inner`` levels, up-conv, then concatenation with the input (skip)."""

    def __init__(self, outer: int, inner: int, sub: nn.Module | None, dropout: float = 0.0) -> None:
        super().__init__()
        down = [nn.LeakyReLU(0.2, True), nn.Conv2d(outer, inner, 4, 2, 1)]
        up_in = inner if sub is None else 2 * inner
        up = [nn.ReLU(True), nn.ConvTranspose2d(up_in, outer, 4, 2, 1), _norm(outer)]
        if sub is not None:
            down.append(_norm(inner))
        self.model = nn.Sequential(*down, *([sub] if sub is not None else []), *up)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        return torch.cat([x, self.dropout(self.model(x))], 1)


class UnetGenerator(nn.Module):
    """U-Net with ``n_down`` stride-2 levels (``H, W`` divisible by ``2**n_down``; the reference's unet_256 is 8).

    ``dropout`` (pix2pix's noise ``z``, 0.5 in the reference) sits on the three innermost levels below the bottom one;
    it is off in eval mode, so ``apply`` is deterministic.
    """

    def __init__(self, in_ch: int = 3, out_ch: int = 3, ngf: int = 64, n_down: int = 8, dropout: float = 0.0) -> None:
        super().__init__()
        if n_down < 2:
            raise ValueError(f"n_down must be >= 2; got {n_down}")
        mult = [min(2**i, 8) for i in range(n_down)]  # channel multiplier of each level, outermost first
        block: nn.Module | None = None
        for i in reversed(range(1, n_down)):
            drop = dropout if block is not None and i >= n_down - 4 and mult[i] == 8 else 0.0
            block = UnetBlock(ngf * mult[i - 1], ngf * mult[i], block, drop)
        self.net = nn.Sequential(
            nn.Conv2d(in_ch, ngf, 4, 2, 1), block,
            nn.ReLU(True), nn.ConvTranspose2d(2 * ngf, out_ch, 4, 2, 1), nn.Tanh(),
        )  # fmt: skip
        self.multiple = 2**n_down
        init_weights(self)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


class Residual(nn.Module):
    """``x + net(x)``: the network learns only the correction, e.g. the detail bicubic up-sampling missed (VDSR).

    The last convolution of ``net`` starts at zero, so training starts from the input itself (bicubic, for SR).
    """

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        last = [m for m in net.modules() if isinstance(m, nn.Conv2d)][-1]
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)
        self.net = net
        self.multiple = getattr(net, "multiple", 1)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.net(x)


def build_generator(
    kind: str, in_ch: int, out_ch: int, ngf: int, n_blocks: int = 9, n_down: int = 2, dropout: float = 0.0
) -> nn.Module:
    """``kind`` 'resnet' (:class:`ResnetGenerator`; ``dropout`` unused), 'unet' (:class:`UnetGenerator`), or
    'residual-resnet' (``x + ResnetGenerator(x)`` without norm, for super-resolution from a bicubic up-sampled
    input)."""
    if kind == "resnet":
        return ResnetGenerator(in_ch, out_ch, ngf, n_blocks, n_down)
    if kind == "unet":
        return UnetGenerator(in_ch, out_ch, ngf, n_down, dropout)
    if kind == "residual-resnet":
        if in_ch != out_ch:
            raise ValueError(f"a residual generator needs in_ch == out_ch; got {in_ch} and {out_ch}")
        return Residual(ResnetGenerator(in_ch, out_ch, ngf, n_blocks, n_down, norm=False))
    raise ValueError(f"generator must be 'resnet', 'unet' or 'residual-resnet'; got {kind!r}")

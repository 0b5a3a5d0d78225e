"""DCGAN (Radford et al. 2016) networks sized by width, with the PacGAN paper's discriminator presets.

The lecture's generator is a deep deconvolutional network: ``z -> linear -> (transposed conv, BN, ReLU) x 2 ->
conv -> tanh``. The discriminator is strided convolutions with BN and LeakyReLU ending in one logit. Presets
(PacGAN Tables 2-3, the Unrolled-GAN Stacked-MNIST setup):

- ``quarter``: 3x3 convs with 2/4/8 channels, LeakyReLU 0.3 ("D is 1/4 the size of G");
- ``half``: 3x3 convs with 4/8/16 channels, LeakyReLU 0.3 ("D is 1/2 the size");
- ``full``: DCGAN's 5x5 convs with 64/128/256/512 channels, LeakyReLU 0.2 (4.3M parameters on 3-channel input);
- ``base``: 3x3 convs with 32/64/128 channels, LeakyReLU 0.2 (not from the paper: a default for small images).

Generators (``g_arch``): ``dcgan`` (linear to ``size/4``, two 4x4 up-convolutions) and ``unrolled``, the
Unrolled-GAN / PacGAN Table-3 generator (linear to ``size/8``, three 3x3 up-convolutions with 64/32/16/8 channels
at ``g_width=8``, latent 256 in the paper: :data:`TABLE3`). Both end in a 3x3 conv and tanh.

Packing (PacDCGAN-m) widens only D's first layer to ``m * channels``; :class:`unsup.gan.pack.Packed` feeds it
``m`` images concatenated along the channel axis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import torch
from torch import nn

from unsup.gan.game import GAN
from unsup.gan.trainer import bf16_autocast

_Config = TypeVar("_Config")

D_PRESETS: dict[str, tuple[tuple[int, ...], int, float]] = {
    # name: (channels per conv, kernel size, LeakyReLU slope)
    "quarter": ((2, 4, 8), 3, 0.3),
    "half": ((4, 8, 16), 3, 0.3),
    "full": ((64, 128, 256, 512), 5, 0.2),
    "base": ((32, 64, 128), 3, 0.2),  # a mid-sized D for small images (the conditional demo on 8x8 digits)
}
TABLE3 = dict(g_arch="unrolled", g_width=8, latent_dim=256)  # PacGAN Table 3's generator (~290k parameters)


@dataclass
class DCGANConfig:
    """Image shape, G and D architecture, pack size, loss and speed-ups (channels-last, bf16) of a (Pac)DCGAN."""

    channels: int = 3  # image channels (3 for Stacked MNIST)
    size: int = 28  # image side; must divide by 4
    latent_dim: int = 100
    g_width: int = 13  # G's last hidden width; 13 gives ~288k parameters at 28x28x3, like Unrolled-GAN's G
    d_preset: str = "quarter"
    g_arch: str = "dcgan"  # or "unrolled" (see the module docstring)
    pack: int = 1  # m of PacDCGAN-m; 1 is DCGAN
    loss: str = "ns"
    channels_last: bool = False  # NHWC memory layout: faster oneDNN convolutions on CPU
    bf16: bool = False  # bfloat16 autocast for G and D (fp32 weights, BN and losses)

    def __post_init__(self) -> None:
        if self.size < 4 or self.size % 4:
            raise ValueError(f"size must be a positive multiple of 4; got {self.size}")
        for name in ("channels", "latent_dim", "g_width", "pack"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1; got {getattr(self, name)}")
        if self.g_arch not in GENERATORS:
            raise ValueError(f"g_arch must be one of {', '.join(GENERATORS)}; got {self.g_arch!r}")
        if self.d_preset not in D_PRESETS:
            raise ValueError(f"d_preset must be one of {', '.join(D_PRESETS)}; got {self.d_preset!r}")


class _ProjectAndUpsample(nn.Module):
    """Shared forward of the generators: ``fc`` projects z, the result is viewed as ``start`` maps, ``body``
    up-samples them to an image; under bfloat16 autocast when ``bf16``."""

    fc: nn.Module
    body: nn.Module
    start: tuple[int, int, int]
    bf16: bool

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        with bf16_autocast(z.device, self.bf16):
            return self.body(self.fc(z).view(len(z), *self.start)).float()


class Generator(_ProjectAndUpsample):
    """``[N, latent_dim]`` -> ``[N, channels, size, size]`` in (-1, 1): linear to ``size/4``, two 2x upsamplings."""

    def __init__(self, latent_dim: int, channels: int, size: int, width: int, bf16: bool = False) -> None:
        super().__init__()
        self.bf16 = bf16
        self.start = (4 * width, size // 4, size // 4)
        self.fc = nn.Sequential(nn.Linear(latent_dim, 4 * width * (size // 4) ** 2, bias=False),
                                nn.BatchNorm1d(4 * width * (size // 4) ** 2), nn.ReLU())  # fmt: skip

        def up(c_in: int, c_out: int) -> list[nn.Module]:
            return [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]

        self.body = nn.Sequential(*up(4 * width, 2 * width), *up(2 * width, width),
                                  nn.Conv2d(width, channels, 3, padding=1), nn.Tanh())  # fmt: skip


class UnrolledGenerator(_ProjectAndUpsample):
    """``[N, latent_dim]`` -> ``[N, channels, size, size]`` in (-1, 1): linear to ``8·width`` maps of ``⌈size/8⌉²``,
    three (3x3 transposed conv, BN, ReLU) doublings to ``4·width``, ``2·width``, ``width`` channels, 3x3 conv, tanh."""

    def __init__(self, latent_dim: int, channels: int, size: int, width: int, bf16: bool = False) -> None:
        super().__init__()
        self.bf16 = bf16
        sides = [-(-size // 8), size // 4, size // 2, size]
        self.start = (8 * width, sides[0], sides[0])
        self.fc = nn.Sequential(nn.Linear(latent_dim, 8 * width * sides[0] ** 2),
                                nn.BatchNorm1d(8 * width * sides[0] ** 2), nn.ReLU())  # fmt: skip
        chans = [8 * width, 4 * width, 2 * width, width]
        layers: list[nn.Module] = []
        for i in range(3):  # output_padding makes each step land exactly on the next side (7 -> 14 -> 28)
            pad = sides[i + 1] - 2 * sides[i] + 1
            layers += [nn.ConvTranspose2d(chans[i], chans[i + 1], 3, 2, 1, output_padding=pad, bias=False),
                       nn.BatchNorm2d(chans[i + 1]), nn.ReLU()]  # fmt: skip
        self.body = nn.Sequential(*layers, nn.Conv2d(width, channels, 3, padding=1), nn.Tanh())


GENERATORS: dict[str, type[_ProjectAndUpsample]] = {"dcgan": Generator, "unrolled": UnrolledGenerator}


class Discriminator(nn.Module):
    """``[B, in_channels, size, size]`` -> ``[B]`` logits; strided convs (BN after the first) + LeakyReLU.

    ``features`` maps images to the flattened last conv activations ``[B, feature_dim]``; ``head`` is the linear
    logit on top (the conditional discriminator adds its class projection to it).
    """

    def __init__(self, in_channels: int, size: int, preset: str = "quarter", bf16: bool = False) -> None:
        super().__init__()
        self.bf16 = bf16
        widths, k, slope = D_PRESETS[preset]
        layers: list[nn.Module] = []
        c, side = in_channels, size
        for i, w in enumerate(widths):
            layers += [nn.Conv2d(c, w, k, 2, k // 2, bias=i == 0)]
            # not on the input layer (DCGAN's rule). The reference code of PacGAN's Table 3 normalises it too; with
            # real and fake batches normalised separately that hid the fakes' grey background from the 2/4/8-channel D
            # and training stayed at noise (1 mode after 4,000 iterations, docs/results.md "Image GANs").
            layers += [nn.BatchNorm2d(w)] if i else []
            layers += [nn.LeakyReLU(slope)]
            c, side = w, (side + 1) // 2
        self.feature_dim = c * side * side
        self.features = nn.Sequential(*layers, nn.Flatten())
        self.head = nn.Linear(self.feature_dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with bf16_autocast(x.device, self.bf16):
            return self.head(self.features(x)).squeeze(1).float()


def build_dcgan(cfg: DCGANConfig) -> GAN:
    """A (Pac)DCGAN game for the shared trainer: D's first layer takes ``pack * channels`` input channels."""
    G = GENERATORS[cfg.g_arch](cfg.latent_dim, cfg.channels, cfg.size, cfg.g_width, cfg.bf16)
    D = Discriminator(cfg.pack * cfg.channels, cfg.size, cfg.d_preset, cfg.bf16)
    game = GAN(G, D, cfg.latent_dim, loss=cfg.loss, pack=cfg.pack)
    return game.to(memory_format=torch.channels_last) if cfg.channels_last else game


def n_params(module: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def config_from_options(cls: type[_Config], fixed: dict, opts: dict) -> _Config:
    """``cls(**fixed, **opts)`` with unknown or clashing ``--model-opt`` keys reported as ``ValueError``."""
    from dataclasses import fields

    known = {f.name for f in fields(cls)} - set(fixed)
    unknown = sorted(set(opts) - known)
    if unknown:
        raise ValueError(f"unknown model option(s) {', '.join(unknown)}; choose from {', '.join(sorted(known))}")
    return cls(**fixed, **opts)


def build_game(data: Any, pack: int = 1, loss: str = "ns", **opts: Any) -> GAN:
    """``--model dcgan``: a (Pac)DCGAN sized to ``data.shape``; ``opts`` are :class:`DCGANConfig` fields."""
    from unsup.data.images import LabelledSampler

    if isinstance(data, LabelledSampler):
        raise ValueError("labelled data (labels=true) trains --model cdcgan; drop labels=true for dcgan")
    if not hasattr(data, "shape") or len(data.shape) != 3:
        raise ValueError("--model dcgan needs an image data set (mnist, stacked-mnist, digits, faces, folder)")
    c, h, w = data.shape
    if h != w:
        raise ValueError(f"--model dcgan needs square images; got {h}x{w}")
    return build_dcgan(config_from_options(DCGANConfig, {"channels": c, "size": h, "pack": pack, "loss": loss}, opts))

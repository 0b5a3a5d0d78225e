"""MLP generator and maxout discriminator of the PacGAN reference 2-D experiments (Lin et al. 2018, §5.1).

G: ``layers`` × (Linear → BatchNorm → ReLU) of width ``hidden`` then Linear to the data dimension.
D: ``layers`` maxout layers of width ``hidden`` with ``pieces`` linear pieces each, then a Linear to one logit.
Weights start at N(0, 0.02²), biases at 0, as in the reference code.
"""

from __future__ import annotations

from typing import Any

from torch import Tensor, nn

from unsup.gan.game import GAN


def init_normal(module: nn.Module, std: float = 0.02) -> nn.Module:
    """Draw every Linear/Conv weight from N(0, std²) and zero the biases; BatchNorm scales N(1, std²)."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.modules.batchnorm._BatchNorm):
            nn.init.normal_(m.weight, 1.0, std)
            nn.init.zeros_(m.bias)
    return module


class Maxout(nn.Module):
    """``(n, d_in) -> (n, d_out)``: the max over ``pieces`` affine maps (Goodfellow et al. 2013)."""

    def __init__(self, d_in: int, d_out: int, pieces: int = 5) -> None:
        super().__init__()
        self.pieces = pieces
        self.linear = nn.Linear(d_in, d_out * pieces)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear(x).unflatten(1, (-1, self.pieces)).max(2).values  # index backward: cheaper than amax's


class MLPGenerator(nn.Sequential):
    """``(n, latent_dim) -> (n, out_dim)``."""

    def __init__(self, latent_dim: int = 2, out_dim: int = 2, hidden: int = 400, layers: int = 4) -> None:
        dims = [latent_dim] + [hidden] * layers
        blocks: list[nn.Module] = []
        for a, b in zip(dims, dims[1:], strict=False):
            blocks += [nn.Linear(a, b), nn.BatchNorm1d(b), nn.ReLU()]
        super().__init__(*blocks, nn.Linear(dims[-1], out_dim))
        init_normal(self)


class MaxoutDiscriminator(nn.Sequential):
    """``(n, in_dim) -> (n,)`` logits; for a packed D ``in_dim`` is ``pack ×`` the data dimension."""

    def __init__(self, in_dim: int = 2, hidden: int = 200, layers: int = 3, pieces: int = 5) -> None:
        dims = [in_dim] + [hidden] * layers
        super().__init__(
            *[Maxout(a, b, pieces) for a, b in zip(dims, dims[1:], strict=False)], nn.Linear(dims[-1], 1), nn.Flatten(0)
        )
        init_normal(self)


def build_game(
    data: Any,
    pack: int = 1,
    loss: str = "minimax",
    latent_dim: int = 2,
    g_hidden: int = 400,
    g_layers: int = 4,
    d_hidden: int = 200,
    d_layers: int = 3,
    pieces: int = 5,
) -> GAN:
    """The reference 2-D PacGAN for ``data`` with ``data.dim`` features (registered as model ``mlp``)."""
    if pack < 1:
        raise ValueError(f"pack must be >= 1; got {pack}")
    G = MLPGenerator(latent_dim, data.dim, g_hidden, g_layers)
    D = MaxoutDiscriminator(data.dim * pack, d_hidden, d_layers, pieces)
    return GAN(G, D, latent_dim, loss=loss, pack=pack)

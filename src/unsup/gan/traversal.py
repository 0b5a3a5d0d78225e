"""Pictures of what each code does: latent traversal grids and the factor-vs-code plot."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import Tensor

from unsup.gan.latent import sweep_codes

if TYPE_CHECKING:
    from unsup.gan.infogan import InfoGAN


@torch.no_grad()
def code_traversal_grid(game: InfoGAN, steps: int = 10, base: Tensor | None = None) -> Tensor:
    """One row per InfoGAN code: code ``i`` swept over ``steps`` values in [-1, 1], every other coordinate fixed at
    ``base`` (default: one draw of ``game.latent``).

    ``game`` needs ``cfg.codes``, ``latent(n)`` and ``generate(z)``; returns images ``(codes · steps, C, H, W)``.
    Any generator's latent sweep is :func:`unsup.gan.latent.latent_traversal_grid`.
    """
    base = game.latent(1).cpu() if base is None else base.reshape(1, -1).cpu()
    return game.generate(sweep_codes(base[0], range(game.cfg.codes), -1.0, 1.0, steps)).cpu()


def save_grid(x: Tensor, cols: int, path: str | os.PathLike) -> None:
    """Images ``(rows · cols, C, H, W)`` in [-1, 1], C = 1 or 3 -> a PNG with ``cols`` columns, 2-px separators."""
    from PIL import Image

    n, c, h, w = x.shape
    rows = -(-n // cols)
    grid = np.full((rows * (h + 2), cols * (w + 2), c), 128, dtype=np.uint8)
    img = ((x.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()
    for j in range(n):
        r, q = divmod(j, cols)
        grid[r * (h + 2) + 1 : r * (h + 2) + 1 + h, q * (w + 2) + 1 : q * (w + 2) + 1 + w] = img[j]
    Image.fromarray(grid[..., 0] if c == 1 else grid).save(path)


def plot_factors_vs_codes(
    codes: np.ndarray, factors: np.ndarray, names: tuple[str, ...], path: str | os.PathLike
) -> None:
    """Grid of panels, factor rows × code columns: mean ± std of the code over images with each factor value.

    ``codes``: ``(n, k)`` Q estimates; ``factors``: ``(n, K)`` factor indices. A disentangled model shows one
    sloped panel per row and column and flat lines elsewhere.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    K, k = factors.shape[1], codes.shape[1]
    fig, axes = plt.subplots(K, k, figsize=(2.2 * k, 1.8 * K), dpi=100, squeeze=False, sharey=True)
    for a in range(K):
        values = np.unique(factors[:, a])
        for b in range(k):
            m = np.array([codes[factors[:, a] == v, b].mean() for v in values])
            s = np.array([codes[factors[:, a] == v, b].std() for v in values])
            ax = axes[a, b]
            ax.plot(values, m, lw=1.2)
            ax.fill_between(values, m - s, m + s, alpha=0.3)
            ax.tick_params(labelsize=6)
            ax.set_xlabel(names[a], fontsize=7)
            if a == 0:
                ax.set_title(f"code {b}", fontsize=8)
    fig.suptitle("Q code vs factor value (mean ± std)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)

"""PNG pictures of GAN runs: sample scatter plots (2-D data), sample grids (images) and loss curves."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import torch
from torch import Tensor


def save_samples(x: Tensor, path: str | os.PathLike, real: Tensor | None = None, title: str = "") -> None:
    """Write ``x`` as a picture: ``(n, 2)`` points as a scatter (over ``real`` if given), ``(n, C, H, W)`` in
    ``[-1, 1]`` as a grid of at most 64 images."""
    if x.dim() == 2 and x.shape[1] == 2:
        _scatter(x, path, real, title)
    elif x.dim() == 4:
        _grid(x[:64], path)
    else:
        raise ValueError(f"x must be (n, 2) points or (n, C, H, W) images; got shape {tuple(x.shape)}")


def _scatter(x: Tensor, path: str | os.PathLike, real: Tensor | None, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 4), dpi=100)
    if real is not None:
        ax.scatter(*real.T.numpy(), s=2, c="0.75", label="data")
    ax.scatter(*x.T.numpy(), s=2, c="tab:blue", label="generated")
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _grid(x: Tensor, path: str | os.PathLike) -> None:
    from PIL import Image

    n, c, h, w = x.shape
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    grid = torch.zeros(c, rows * (h + 2), cols * (w + 2))
    for i, img in enumerate(x.float().clamp(-1, 1)):
        r, q = divmod(i, cols)
        grid[:, r * (h + 2) + 1 : r * (h + 2) + 1 + h, q * (w + 2) + 1 : q * (w + 2) + 1 + w] = img
    arr = ((grid + 1) * 127.5).round().byte().permute(1, 2, 0).numpy()
    Image.fromarray(arr[..., 0] if c == 1 else arr).save(path)


def plot_losses(metrics: str | os.PathLike, path: str | os.PathLike) -> None:
    """Plot every ``*_loss`` series of a ``metrics.jsonl`` against the step."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [json.loads(ln) for ln in Path(metrics).read_text().splitlines() if ln]
    rows = [r for r in rows if "eval" not in r]
    keys = sorted({k for r in rows for k in r if k.endswith("loss")})
    fig, ax = plt.subplots(figsize=(5, 3), dpi=100)
    for k in keys:
        pts = [(r["step"], r[k]) for r in rows if k in r]
        ax.plot(*zip(*pts, strict=True), label=k)
    ax.set_xlabel("iteration")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)

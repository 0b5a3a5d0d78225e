"""Plain result pages: PNG sample grids, a loss-curve PNG and a static ``index.html`` (no server needed)."""

from __future__ import annotations

import html
import io
import json
from pathlib import Path

import numpy as np
from torch import Tensor

from unsup._run import atomic_write_bytes


def to_uint8(x: Tensor) -> np.ndarray:
    """``[N, C, H, W]`` in [-1, 1] -> ``uint8 [N, H, W, 3]`` (grey repeated to RGB)."""
    x = ((x.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().byte()
    if x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1)
    return x.permute(0, 2, 3, 1).numpy()


def png_bytes(image: np.ndarray) -> bytes:
    """PNG encoding of a ``uint8 [H, W, 3]`` array."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return buf.getvalue()


def save_grid(rows: list[tuple[str, Tensor]], path: str | Path, pad: int = 2) -> None:
    """One row of images per ``(name, [N, C, H, W])`` entry, all rows of equal ``N, H, W``; written atomically."""
    arrays = [to_uint8(x) for _, x in rows]
    n, h, w, _ = arrays[0].shape
    grid = np.full((len(rows) * (h + pad) + pad, n * (w + pad) + pad, 3), 255, np.uint8)
    for r, arr in enumerate(arrays):
        for c in range(n):
            grid[pad + r * (h + pad) : pad + r * (h + pad) + h, pad + c * (w + pad) : pad + c * (w + pad) + w] = arr[c]
    atomic_write_bytes(path, png_bytes(grid))


def save_loss_curve(history: list[dict], path: str | Path) -> None:
    """Per-epoch mean of every loss term (one line each) against the epoch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    skip = {"epoch", "lr", "seconds"}
    keys = [k for k in history[0] if k not in skip and not k.startswith("dependence")]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    epochs = [h["epoch"] for h in history]
    for k in keys:
        ax.plot(epochs, [h[k] for h in history], marker="o", ms=3, label=k)
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean loss")
    ax.legend(fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())


def write_index(run: Path, title: str, rows: list[str], info: dict) -> None:
    """``run/index.html``: ``info`` as a JSON block, then every image in ``rows`` (paths relative to ``run``)."""
    figure = '<figure><img src="{0}"><figcaption>{0}</figcaption></figure>'
    imgs = "\n".join(figure.format(html.escape(r)) for r in rows)
    page = (
        f"<!doctype html><meta charset=utf-8><title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif}img{image-rendering:pixelated;max-width:100%}</style>"
        f"<h1>{html.escape(title)}</h1><pre>{html.escape(json.dumps(info, indent=2, default=str))}</pre>\n{imgs}\n"
    )
    atomic_write_bytes(run / "index.html", page.encode())

"""PNG pictures of a restoration run: a strip of snapshots and the loss / PSNR / ES-WMV curves."""

from __future__ import annotations

import io
import os

import numpy as np

from unsup._run import atomic_write_bytes


def _save(fig, path: str | os.PathLike) -> None:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())


def snapshot_strip(
    path: str | os.PathLike, snapshots: list[tuple[int, np.ndarray]], first: np.ndarray | None = None, n: int = 8
) -> None:
    """Save ``n`` evenly spaced (iteration, (H, W, C) image) snapshots side by side, after the input ``first``."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    picks = [snapshots[round(i)] for i in np.linspace(0, len(snapshots) - 1, min(n, len(snapshots)))]
    panels = ([("input", first)] if first is not None else []) + [(f"iter {t}", img) for t, img in picks]
    fig, axes = plt.subplots(1, len(panels), figsize=(2 * len(panels), 2.3), squeeze=False)
    for ax, (title, img) in zip(axes[0], panels, strict=True):
        ax.imshow(np.clip(img[..., 0] if img.shape[2] == 1 else img, 0, 1), cmap="gray", vmin=0, vmax=1)
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    _save(fig, path)


def curves(path: str | os.PathLike, history: dict[str, list[tuple[int, float]]], stop_iter: int | None) -> None:
    """Save data loss (log scale), PSNR when known, and the stop rule's signal with the chosen iteration marked."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    panels = [k for k in ("loss", "psnr", "var", "holdout") if history.get(k)]
    fig, axes = plt.subplots(1, len(panels), figsize=(4.8 * len(panels), 3.2), squeeze=False)
    labels = {
        "loss": "data loss (MSE)",
        "psnr": "PSNR to truth (dB)",
        "var": "ES-WMV variance",
        "holdout": "held-out pixel error",
    }
    for ax, key in zip(axes[0], panels, strict=True):
        t, v = zip(*history[key], strict=True)
        ax.plot(t, v, lw=1, label="EMA output" if key == "psnr" else None)
        if key == "psnr" and history.get("psnr_raw"):
            ax.plot(*zip(*history["psnr_raw"], strict=True), lw=0.6, alpha=0.6, label="raw output")
            if history.get("refit_psnr"):  # the all-pixel refit after the held-out stop, mixed into what is returned
                ax.plot(*zip(*history["refit_psnr"], strict=True), lw=1, label="refit on all pixels (EMA)")
            if history.get("returned_psnr"):
                ax.plot(*zip(*history["returned_psnr"], strict=True), "k*", ms=8, label="returned")
            ax.legend(fontsize=8)
        if key == "holdout":  # its minimum is shallow: zoom on it
            ax.set_ylim(min(v) * 0.99, min(v) * 1.15)
        elif key != "psnr":
            ax.set_yscale("log")
        if stop_iter is not None:
            ax.axvline(stop_iter, color="k", ls="--", lw=0.8)
        ax.set_xlabel("iteration")
        ax.set_title(labels[key], fontsize=10)
    _save(fig, path)

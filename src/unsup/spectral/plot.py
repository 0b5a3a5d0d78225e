"""Pictures of a clustering: the points coloured by cluster, and the eigenvalues with the chosen gap."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_clusters(
    X: np.ndarray, labels: np.ndarray, path: str | Path, title: str = "", max_points: int = 50_000
) -> None:
    """Scatter of ``X`` (n, 2 or 3) coloured by ``labels`` (n,); larger n is subsampled to ``max_points``."""
    plt = _figure()
    rng = np.random.default_rng(0)
    idx = rng.choice(len(X), size=min(len(X), max_points), replace=False)
    X, labels = X[idx], labels[idx]
    fig = plt.figure(figsize=(6, 5.5))
    ax = fig.add_subplot(111, projection="3d" if X.shape[1] == 3 else None)
    ax.scatter(*X[:, : min(3, X.shape[1])].T, c=labels, cmap="tab10" if labels.max() < 10 else "tab20", s=4)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_eigenvalues(eigenvalues: np.ndarray, k: int, path: str | Path, title: str = "Laplacian spectrum") -> None:
    """The smallest eigenvalues with the gap after the k-th marked."""
    plt = _figure()
    lam = np.asarray(eigenvalues)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(np.arange(1, len(lam) + 1), lam, "o-", ms=4)
    if k < len(lam):
        ax.axvspan(k + 0.05, k + 0.95, color="tab:orange", alpha=0.3, label=f"gap after k = {k}")
        ax.legend()
    ax.set_xlabel("index")
    ax.set_ylabel("eigenvalue")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

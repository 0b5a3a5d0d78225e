"""The spectral step of ``unsup demo``: k-means versus spectral clustering on the lecture's non-linear shapes."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def run(out: Path, seed: int) -> dict:
    """Cluster moons, circles and blobs (k chosen automatically) and 8×8 digits; write figures into ``out``."""
    from sklearn.cluster import KMeans
    from sklearn.datasets import load_digits, make_blobs, make_circles, make_moons
    from sklearn.metrics import adjusted_rand_score

    from unsup.spectral import SpectralClustering, SpectralEmbedding
    from unsup.spectral.plot import _figure, plot_eigenvalues

    sets = {
        "moons": make_moons(3000, noise=0.05, random_state=seed),
        "circles": make_circles(3000, noise=0.05, factor=0.5, random_state=seed),
        "blobs": make_blobs(3000, centers=5, cluster_std=0.4, random_state=seed + 1),
    }
    plt = _figure()
    fig, axes = plt.subplots(2, 3, figsize=(12, 7.5))
    summary = {}
    for j, (name, (X, y)) in enumerate(sets.items()):
        model = SpectralClustering("auto", random_state=seed).fit(X)
        km = KMeans(model.n_clusters_, n_init=10, random_state=seed).fit_predict(X)
        summary[name] = {
            "n_clusters_found": model.n_clusters_,
            "n_clusters_true": int(len(np.unique(y))),
            "ari_spectral": round(adjusted_rand_score(y, model.labels_), 4),
            "ari_kmeans": round(adjusted_rand_score(y, km), 4),
        }
        for i, (labels, how) in enumerate([(km, "k-means"), (model.labels_, "spectral (k=auto)")]):
            axes[i, j].scatter(X[:, 0], X[:, 1], c=labels, cmap="tab10", s=3)
            axes[i, j].set_title(f"{name}: {how}, ARI {adjusted_rand_score(y, labels):.2f}")
        plot_eigenvalues(
            model.eigenvalues_[:12], model.n_clusters_, out / f"{name}_eigenvalues.png", f"{name}: spectrum"
        )
    fig.tight_layout()
    fig.savefig(out / "kmeans_vs_spectral.png", dpi=100)
    plt.close(fig)

    X, y = load_digits(return_X_y=True)
    digits = SpectralClustering(10, random_state=seed).fit(X)
    summary["digits"] = {"ari_spectral": round(adjusted_rand_score(y, digits.labels_), 4)}
    emb = SpectralEmbedding(2, random_state=seed).fit_transform(X)
    fig, ax = plt.subplots(figsize=(6, 5.5))
    sc = ax.scatter(emb[:, 0], emb[:, 1], c=y, cmap="tab10", s=5)
    fig.colorbar(sc, ax=ax, label="true digit")
    ax.set_title("8x8 digits: 2-D spectral embedding")
    fig.tight_layout()
    fig.savefig(out / "digits_embedding.png", dpi=100)
    plt.close(fig)
    return summary

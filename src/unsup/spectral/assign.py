"""From a spectral embedding (n, k) to labels, and choosing k from the spectrum."""

from __future__ import annotations

import numpy as np
import scipy.linalg
from sklearn.cluster import KMeans
from sklearn.utils import check_random_state

from unsup._threads import limit_threads
from unsup.spectral.options import METHODS


def eigengap(eigenvalues: np.ndarray, max_clusters: int | None = None) -> int:
    """Eigengap heuristic: the k in ``[2, max_clusters]`` maximising the relative gap ``(λ_{k+1} − λ_k) / λ_{k+1}``.

    ``eigenvalues`` ascending, at least 3. The gap is taken relative to ``λ_{k+1}`` because the spectrum of a
    kNN graph keeps growing: absolute gaps further up the spectrum would otherwise outweigh the one after the
    last near-zero eigenvalue.
    """
    lam = np.clip(np.asarray(eigenvalues, dtype=np.float64), 0.0, None)
    top = len(lam) - 1 if max_clusters is None else min(max_clusters, len(lam) - 1)
    if top < 2:
        raise ValueError(f"need at least 3 eigenvalues to choose k >= 2, got {len(lam)}")
    upper, lower = lam[2 : top + 1], lam[1:top]  # λ_{k+1} and λ_k for k = 2..top (1-based)
    rel = np.divide(upper - lower, upper, out=np.zeros_like(upper), where=upper > 0)
    return int(np.argmax(rel) + 2)


def assign_labels(
    embedding: np.ndarray,
    n_clusters: int,
    method: str,
    random_state: int | np.random.RandomState | None = None,
    n_init: int = 10,
    verbose: bool = False,
    sample_weight: np.ndarray | None = None,
) -> np.ndarray:
    """Labels (n,) from the rows of ``embedding`` (n, k) by k-means, Yu–Shi discretization or CPQR.

    ``sample_weight`` (n,): how many points each row stands for (k-means only)."""
    if method == "kmeans":
        # Below ~10^6 rows, k-means' parallel regions are too short to pay for waking a second thread, and on a
        # busy 2-core machine they made it 10-30x slower (digits: 0.19 s on one thread vs 2.3-5.8 s on two).
        limits = 1 if len(embedding) < 1_000_000 else None
        with limit_threads(limits):
            km = KMeans(n_clusters, n_init=n_init, random_state=random_state, verbose=verbose)
            km.fit(embedding, sample_weight=sample_weight)
        return km.labels_
    if method == "discretize":
        return discretize(embedding, random_state)
    if method == "cluster_qr":
        return cluster_qr(embedding)
    raise ValueError(f"assign_labels must be one of {METHODS}, got {method!r}")


def cluster_qr(V: np.ndarray) -> np.ndarray:
    """Damle, Minden & Ying's column-pivoted QR assignment: deterministic, no iterations. ``V`` is (n, k)."""
    k = V.shape[1]
    _, _, piv = scipy.linalg.qr(V.T, pivoting=True, mode="economic")
    u, _, vt = np.linalg.svd(V[piv[:k], :].T)
    return np.abs(V @ (u @ vt)).argmax(axis=1)


def discretize(
    V: np.ndarray, random_state: int | np.random.RandomState | None = None, max_iter: int = 50
) -> np.ndarray:
    """Yu & Shi (2003): the partition matrix nearest to the rotated, row-normalised embedding ``V`` (n, k)."""
    rng = check_random_state(random_state)
    n, k = V.shape
    V = V / np.maximum(np.linalg.norm(V, axis=1, keepdims=True), 1e-300)
    # Initial rotation: k rows of V that are as mutually orthogonal as possible.
    R = np.zeros((k, k))
    R[:, 0] = V[rng.randint(n)]
    score = np.zeros(n)
    for j in range(1, k):
        score += np.abs(V @ R[:, j - 1])
        R[:, j] = V[np.argmin(score)]
    last = np.inf
    for _ in range(max_iter):
        labels = (V @ R).argmax(axis=1)
        onehot = np.zeros((n, k))
        onehot[np.arange(n), labels] = 1.0
        try:
            u, s, vt = np.linalg.svd(onehot.T @ V)
        except np.linalg.LinAlgError as e:
            raise np.linalg.LinAlgError("SVD did not converge") from e
        objective = 2.0 * (n - s.sum())
        if abs(objective - last) < 1e-12 * max(1.0, n):
            break
        last = objective
        R = vt.T @ u.T
    return labels

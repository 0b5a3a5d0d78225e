"""Partition objectives of a labelling on a weighted graph ``W`` (n, n), symmetric, non-negative.

With ``W(A, B) = Σ_{i∈A, j∈B} w_ij``, ``|A|`` the number of vertices and ``vol(A) = Σ_{i∈A} d_i``
(Shi & Malik's volume). The k-way forms below reduce for k = 2 to the lecture's ``cut(A, B)``,
``cut(A, B) (1/|A| + 1/|B|)`` and ``cut(A, B) (1/vol(A) + 1/vol(B))``:

* ``cut(A_1..A_k)            = ½ Σ_c W(A_c, Ā_c)``  (the total weight of edges between clusters)
* ``ratio_cut(A_1..A_k)      = Σ_c W(A_c, Ā_c) / |A_c|``
* ``normalized_cut(A_1..A_k) = Σ_c W(A_c, Ā_c) / vol(A_c)``

(von Luxburg's tutorial puts a factor ½ in front of the last two; we keep the lecture's two-way values.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    from numpy.typing import ArrayLike


def _blocks(W, labels) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Between-cluster weights ``M = Yᵀ W Y`` (k, k), cluster sizes (k,) and volumes (k,)."""
    labels = np.asarray(labels)
    W = sp.csr_matrix(W, dtype=np.float64)
    if labels.shape != (W.shape[0],):
        raise ValueError(f"labels must have shape ({W.shape[0]},), got {labels.shape}")
    _, codes = np.unique(labels, return_inverse=True)
    Y = sp.csr_matrix((np.ones(len(codes)), (np.arange(len(codes)), codes)))
    M = (Y.T @ W @ Y).toarray()
    return M, np.bincount(codes).astype(np.float64), M.sum(axis=1)


def cut_sizes(W: sp.spmatrix | np.ndarray, labels: ArrayLike) -> np.ndarray:
    """``W(A_c, Ā_c)`` for each cluster c, in sorted-label order, shape (k,)."""
    M, _, vol = _blocks(W, labels)
    return vol - np.diag(M)


def volume(W: sp.spmatrix | np.ndarray, mask: ArrayLike) -> float:
    """``vol(A) = Σ_{i∈A} d_i`` for a boolean mask (n,)."""
    d = np.asarray(sp.csr_matrix(W).sum(axis=1)).ravel()
    return float(d[np.asarray(mask, dtype=bool)].sum())


def partition_objectives(W: sp.spmatrix | np.ndarray, labels: ArrayLike) -> dict[str, float]:
    """All three objectives at once: ``{"cut", "ratio_cut", "normalized_cut"}``."""
    M, size, vol = _blocks(W, labels)
    between = vol - np.diag(M)
    return {
        "cut": 0.5 * float(between.sum()),
        "ratio_cut": float((between / size).sum()),
        "normalized_cut": float(np.divide(between, vol, out=np.zeros_like(vol), where=vol > 0).sum()),
    }


def cut(W: sp.spmatrix | np.ndarray, labels: ArrayLike) -> float:
    """``½ Σ_c W(A_c, Ā_c)``; for two sets, the lecture's ``cut(A, B) = Σ_{i∈A} Σ_{j∈B} w_ij``."""
    return partition_objectives(W, labels)["cut"]


def ratio_cut(W: sp.spmatrix | np.ndarray, labels: ArrayLike) -> float:
    """``Σ_c W(A_c, Ā_c) / |A_c|``; for two sets ``cut(A, B) (1/|A| + 1/|B|)``."""
    return partition_objectives(W, labels)["ratio_cut"]


def normalized_cut(W: sp.spmatrix | np.ndarray, labels: ArrayLike) -> float:
    """``Σ_c W(A_c, Ā_c) / vol(A_c)`` (a cluster of volume 0 contributes 0)."""
    return partition_objectives(W, labels)["normalized_cut"]

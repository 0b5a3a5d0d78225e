"""Similarity graphs: from data ``X`` (n_samples, n_features) to a symmetric affinity ``W`` (n_samples, n_samples).

Sparse graphs are ``scipy.sparse.csr_matrix`` with no self-loops. ``X`` may be dense or ``scipy.sparse`` (e.g.
TF-IDF rows); distances are Euclidean unless a ``metric`` (any of scikit-learn's ``NearestNeighbors`` metrics,
e.g. ``"cosine"``) is given. Weights are float32 for float32 ``X``, float64 otherwise.
"""

from __future__ import annotations

import os

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

# Above this dimension kd-trees lose to brute force; scikit-learn's NearestNeighbors picks the method there.
_KDTREE_MAX_DIM = 16
_EUCLIDEAN = ("euclidean", "l2", "minkowski")  # names under which scikit-learn's default metric is Euclidean
# Zelnik-Manor & Perona's choice of neighbour for the local scale σ_i.
LOCAL_K = 7
# Rows per kd-tree query batch: bounds the transient float64/int64 results to ~200 MB at k = 11.
QUERY_BATCH = 1 << 20
# Entries per block when a graph's column indices are relabelled in place (bounds the int64 gather temporaries).
_RELABEL_BLOCK = 1 << 24


def knn_search(
    X: np.ndarray | sp.spmatrix,
    n_neighbors: int,
    Y: np.ndarray | sp.spmatrix | None = None,
    metric: str = "euclidean",
    return_distance: bool = True,
) -> tuple[np.ndarray | None, np.ndarray]:
    """Distances and indices of the ``n_neighbors`` nearest points of ``X`` for each row of ``Y`` (default ``X``).

    ``X`` (n, d) and ``Y`` dense or sparse. Returns ``(dist, ind)``, both (n_queries, n_neighbors), sorted by
    distance; ``dist`` is ``None`` with ``return_distance=False`` (never held in memory then). When ``Y`` is
    ``None`` each point is excluded from its own neighbour list (duplicates of it may still appear, at distance 0).
    kd-tree indices are int32 where n < 2^31.
    """
    X = _as_data(X)
    n = X.shape[0]
    self_query = Y is None
    k = n_neighbors + 1 if self_query else n_neighbors
    if k > n:
        raise ValueError(f"n_neighbors={n_neighbors} must be < n_samples={n}")
    Q = X if self_query else _as_data(Y)
    if _use_kdtree(X, metric):
        return _kdtree_search(_kdtree(X), Q, k, self_query, return_distance)
    from sklearn.neighbors import NearestNeighbors

    n_jobs = os.cpu_count() if n * Q.shape[0] > 10**9 else None  # threads only pay off on large searches
    dist, ind = NearestNeighbors(n_neighbors=k, metric=metric, n_jobs=n_jobs).fit(X).kneighbors(Q)
    dist, ind = drop_self(dist, ind) if self_query else (dist, ind)
    return (dist if return_distance else None), ind


def _kdtree_search(tree: cKDTree, Q: np.ndarray, k: int, self_query: bool, return_distance: bool):
    """``knn_search`` through a kd-tree, in batches of ``QUERY_BATCH`` rows so that the float64 distances and
    int64 indices the tree returns exist for one batch at a time (10^7 points, k = 11: 1.8 GB otherwise)."""
    m = Q.shape[0]
    width = k - 1 if self_query else k
    ind = np.empty((m, width), np.int32 if tree.n < 2**31 else np.int64)
    dist = np.empty((m, width), Q.dtype) if return_distance else None
    for start in range(0, m, QUERY_BATCH):
        stop = min(start + QUERY_BATCH, m)
        d, i = tree.query(Q[start:stop], k=k, workers=-1)
        d, i = d.reshape(stop - start, k), i.reshape(stop - start, k)
        if self_query:
            d, i = drop_self(d, i, first=start)
        ind[start:stop] = i
        if dist is not None:
            dist[start:stop] = d
    return dist, ind


def drop_self(dist: np.ndarray, ind: np.ndarray, first: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Row i's own entry removed from self-query results (n, k + 1) → (n, k); where i is missing (hidden behind
    duplicates, or missed by an approximate search) the farthest entry goes instead. ``first``: the point index
    of row 0 (for a batch of rows)."""
    n, k = ind.shape
    own = np.arange(first, first + n)
    if np.array_equal(ind[:, 0], own):  # the usual case: no duplicates, each point its own nearest
        return dist[:, 1:], ind[:, 1:]
    is_self = ind == own[:, None]
    is_self[~is_self.any(axis=1), -1] = True
    return dist[~is_self].reshape(n, k - 1), ind[~is_self].reshape(n, k - 1)


def _as_data(X):
    """Sparse stays sparse (CSR), dense becomes an ndarray; float32 is kept, anything else becomes float64."""
    if sp.issparse(X):
        return sp.csr_matrix(X, dtype=weight_dtype(X))
    return np.asarray(X, dtype=weight_dtype(X))


def weight_dtype(X) -> type:
    """float32 for float32 data, float64 otherwise: the dtype graphs built from ``X`` carry."""
    return np.float32 if getattr(X, "dtype", None) == np.float32 else np.float64


def _use_kdtree(X, metric: str) -> bool:
    return metric in _EUCLIDEAN and has_locality(X)


def _kdtree(X: np.ndarray) -> cKDTree:
    # Median splits (balanced_tree) and shrunk boxes (compact_nodes) double the build time for a query time
    # that, measured on 10^6 2-D points, is no better.
    return cKDTree(X, balanced_tree=False, compact_nodes=False)


def spatial_order(X: np.ndarray) -> np.ndarray | None:
    """A permutation (n,) that stores points near in space near in memory (a kd-tree's leaf order), or ``None``
    where ``X`` (n, d) has too many dimensions for a kd-tree to mean locality.

    A graph built on ``X[order]`` has its edges near the diagonal, so every sparse product and AMG sweep on it
    is cache-friendly: for 10^6 shuffled circles the kNN graph took 1.7 s instead of 3.8, the AMG set-up 1.5 s
    instead of 2.9 and LOBPCG 3.2 s instead of 4.2 (``python benchmarks/spectral_phases.py --n 1000000``).
    """
    return _kdtree(np.asarray(X, dtype=np.float64)).indices if has_locality(X) else None


def reorder(W: sp.csr_matrix, order: np.ndarray) -> sp.csr_matrix:
    """``W`` (n, n) built on ``X[order]`` re-indexed to ``X``'s rows: ``out[order[a], order[b]] = W[a, b]``.

    ``W`` is consumed: its column indices are relabelled in place, and where all its weights are 1 (kNN graphs)
    they are released before the row gather and written anew after it, so the graph's structure is the only
    thing held twice (a row gather followed by a column gather held three copies)."""
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    dtype, unweighted = W.dtype, bool(np.all(W.data == 1))
    if unweighted:
        W.data = np.ones(W.nnz, np.int8)
    # Relabel the columns before the gather: W's neighbours sit near each other in its order, so the lookups
    # in ``order`` stay in cache (10^7 points: 0.5 s instead of 2.4 s after the gather).
    labels = order.astype(W.indices.dtype)
    for start in range(0, W.nnz, _RELABEL_BLOCK):
        part = W.indices[start : start + _RELABEL_BLOCK]
        part[:] = labels[part]
    out = W[inverse]
    W.data = W.indices = W.indptr = None  # consumed; the caller's name must not be used again
    out.has_sorted_indices = False
    out.sort_indices()
    if unweighted:
        out.data = np.ones(out.nnz, dtype)
    return out


def has_locality(X) -> bool:
    """Whether ``X`` (n, d) is dense and low-dimensional enough (d ≤ 16) for a kd-tree to mean locality."""
    return not sp.issparse(X) and X.shape[1] <= _KDTREE_MAX_DIM


def _directed(values: np.ndarray, ind: np.ndarray) -> sp.csr_matrix:
    n, k = ind.shape
    indptr = np.arange(0, n * k + 1, k, dtype=np.int64)
    return sp.csr_matrix((values.ravel(), ind.ravel(), indptr), shape=(n, n))


def _symmetrise(A: sp.csr_matrix, mode: str) -> sp.csr_matrix:
    if mode == "or":
        W = A.maximum(A.T)
    elif mode == "and":
        W = A.minimum(A.T)
    else:
        raise ValueError(f"mode must be 'or' or 'and', got {mode!r}")
    W = W.tocsr()
    W.setdiag(0)
    W.eliminate_zeros()
    W.sort_indices()
    return W


def knn_graph(
    X: np.ndarray | sp.spmatrix,
    n_neighbors: int = 10,
    mode: str = "or",
    metric: str = "euclidean",
    ind: np.ndarray | None = None,
) -> sp.csr_matrix:
    """Unweighted k-nearest-neighbour graph, ``w_ij = 1`` if j is among i's k nearest neighbours OR i among j's.

    ``mode="and"`` gives the mutual kNN graph (both directions required). ``ind`` (n, k): neighbour lists already
    searched (``unsup.spectral.neighbors``); ``None`` searches ``X`` exactly. Returns CSR (n, n).
    """
    if ind is None:
        _, ind = knn_search(X, n_neighbors, metric=metric)
    return knn_lists_graph(ind, mode, weight_dtype(X))


def knn_lists_graph(ind: np.ndarray, mode: str = "or", dtype: type = np.float64) -> sp.csr_matrix:
    """The unweighted graph (CSR (n, n)) of neighbour lists ``ind`` (n, k), OR- or AND-symmetrised.

    Built as ``max(A, Aᵀ)`` (``min`` for AND) of the directed 0/1 graph ``A`` stored with 1-byte weights and
    int32 indices, rows sorted so that scipy merges the two canonical matrices in one pass; the weights become
    ``dtype`` at the end. 10^7 2-D points, k = 10: 5.4 GB and 21 s before, see ``benchmarks/spectral.py``.
    """
    if mode not in ("or", "and"):
        raise ValueError(f"mode must be 'or' or 'and', got {mode!r}")
    n, k = ind.shape
    index = np.int32 if 2 * n * k < 2**31 else np.int64
    lists = np.sort(ind, axis=1).astype(index, copy=False)
    weights = np.ones(lists.shape, np.int8)
    weights[lists == np.arange(n, dtype=index)[:, None]] = 0  # duplicates of a point can list it as its own
    A = sp.csr_matrix((weights.ravel(), lists.ravel(), np.arange(0, n * k + 1, k, dtype=index)), shape=(n, n))
    A.has_canonical_format = True  # sorted rows; a neighbour appears at most once per list
    At = A.T.tocsr()
    W = A.maximum(At) if mode == "or" else A.minimum(At)
    del A, At, lists, weights
    W.eliminate_zeros()
    return sp.csr_matrix((np.ones(W.nnz, dtype), W.indices, W.indptr), shape=(n, n))


def gaussian_knn_graph(X: np.ndarray, n_neighbors: int = 10, sigma: float | None = None) -> sp.csr_matrix:
    """Gaussian kernel ``w_ij = exp(-||x_i - x_j||² / σ²)`` restricted to the (OR-symmetrised) kNN graph.

    ``sigma=None`` uses the median distance to the k-th neighbour. Returns CSR (n, n).
    """
    dist, ind = knn_search(X, n_neighbors)
    if sigma is None:
        sigma = float(np.median(dist[:, -1])) or 1.0
    _check_positive(sigma, "sigma")
    return _symmetrise(_directed(np.exp(-(dist**2) / sigma**2), ind), "or")


def self_tuning_graph(
    X: np.ndarray | sp.spmatrix, n_neighbors: int = 10, local_k: int = LOCAL_K, metric: str = "euclidean"
) -> sp.csr_matrix:
    """Zelnik-Manor & Perona local scaling on the kNN graph: ``w_ij = exp(-d_ij² / (σ_i σ_j))``.

    ``σ_i`` is the distance from ``x_i`` to its ``local_k``-th neighbour (capped at ``n_neighbors``).
    Returns CSR (n, n).
    """
    dist, ind = knn_search(X, max(n_neighbors, 1), metric=metric)
    return self_tuning_weights(dist, ind, local_scale(dist, local_k))


def local_scale(dist: np.ndarray, local_k: int = LOCAL_K) -> np.ndarray:
    """``σ_i``: distance to the ``local_k``-th neighbour from sorted kNN distances (n, k); zeros (duplicates)
    are replaced by the smallest positive scale. Shape (n,)."""
    scale = dist[:, min(local_k, dist.shape[1]) - 1]
    return np.where(scale > 0, scale, scale[scale > 0].min() if np.any(scale > 0) else 1.0)


def self_tuning_weights(dist: np.ndarray, ind: np.ndarray, scale: np.ndarray) -> sp.csr_matrix:
    """Symmetric CSR (n, n) with ``exp(-d_ij² / (σ_i σ_j))`` on the OR-symmetrised kNN lists ``(dist, ind)``."""
    w = np.exp(-(dist**2) / (scale[:, None] * scale[ind]))
    return _symmetrise(_directed(w, ind), "or")


def epsilon_graph(X: np.ndarray | sp.spmatrix, eps: float, metric: str = "euclidean") -> sp.csr_matrix:
    """ε-neighbourhood graph: ``w_ij = 1`` if ``dist(x_i, x_j) ≤ eps``. Returns CSR (n, n)."""
    _check_positive(eps, "eps")
    X = _as_data(X)
    n = X.shape[0]
    if metric in _EUCLIDEAN and not sp.issparse(X):
        pairs = cKDTree(X).query_pairs(eps, output_type="ndarray")
        W = sp.coo_matrix((np.ones(len(pairs), X.dtype), (pairs[:, 0], pairs[:, 1])), shape=(n, n)).tocsr()
    else:
        from sklearn.neighbors import NearestNeighbors

        W = NearestNeighbors(radius=eps, metric=metric).fit(X).radius_neighbors_graph(X, mode="connectivity")
        W = W.astype(X.dtype)
    return _symmetrise(W, "or")


def gaussian_kernel(X: np.ndarray, Y: np.ndarray | None = None, sigma: float = 1.0) -> np.ndarray:
    """Dense Gaussian kernel ``exp(-||x_i - y_j||² / σ²)``, shape (n_X, n_Y); refuses if it would not fit in memory."""
    _check_positive(sigma, "sigma")
    X = np.asarray(X, dtype=np.float64)
    Y = X if Y is None else np.asarray(Y, dtype=np.float64)
    check_dense_fits(X.shape[0], Y.shape[0])
    sq = (X**2).sum(1)[:, None] + (Y**2).sum(1)[None, :] - 2.0 * X @ Y.T
    np.maximum(sq, 0.0, out=sq)
    return np.exp(-sq / sigma**2, out=sq)


def precomputed_affinity(W: sp.spmatrix | np.ndarray) -> sp.csr_matrix:
    """Validate a user affinity (dense or sparse, (n, n), non-negative); symmetrise as ``(W + Wᵀ)/2``. CSR out."""
    W = sp.csr_matrix(W, dtype=weight_dtype(W))
    if W.shape[0] != W.shape[1]:
        raise ValueError(f"precomputed affinity must be square, got shape {W.shape}")
    if W.nnz and (not np.all(np.isfinite(W.data)) or W.data.min() < 0):
        raise ValueError("precomputed affinity must be finite and non-negative")
    if (abs(W - W.T) > 1e-12 * max(1.0, abs(W).max())).nnz:
        W = (W + W.T) * 0.5
    W = W.tocsr()
    W.setdiag(0)
    W.eliminate_zeros()
    return W


def check_dense_fits(n_rows: int, n_cols: int, fraction: float = 0.5) -> None:
    """Raise ``MemoryError`` (a ValueError-friendly message) if an (n_rows, n_cols) float64 matrix needs more than
    ``fraction`` of physical memory."""
    need = 8.0 * n_rows * n_cols
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        total = 16 * 2**30
    if need > fraction * total:
        raise ValueError(
            f"a dense {n_rows}x{n_cols} affinity needs {need / 2**30:.1f} GiB (> {fraction:.0%} of this machine's "
            f"{total / 2**30:.1f} GiB); use affinity='knn' (sparse) instead"
        )


def _check_positive(value: float, name: str) -> None:
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")

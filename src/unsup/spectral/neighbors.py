"""Nearest-neighbour search for the kNN graphs: exact (kd-tree / brute force) or approximate (faiss HNSW).

Exact search costs O(n² d) above ~16 dimensions, where kd-trees stop pruning; an HNSW graph index (Malkov &
Yashunin) answers the same queries in roughly O(n log n · d) with a measured recall (``sampled_recall``).
``method="auto"`` uses it only where it was measured faster (``APPROX_MIN_DIM``, ``APPROX_MIN_SAMPLES``) and
only when faiss is installed (``pip install unsup[ann]``); otherwise auto stays exact without a word.

Distances returned: Euclidean for ``metric="euclidean"``, ``1 − cos`` for ``metric="cosine"``.
"""

from __future__ import annotations

import numpy as np

from unsup.spectral import graph

METHODS = ("auto", "exact", "approximate")
METRICS = ("euclidean", "cosine")
# Where approximate search was measured faster (docs/scaling.md): from 17 dimensions (kd-trees stop pruning at
# graph._KDTREE_MAX_DIM = 16) and at 5,000 MNIST digits (2.1 s instead of 3.1 s end to end); smaller sets not
# measured, so they stay exact.
APPROX_MIN_DIM = 17
APPROX_MIN_SAMPLES = 5_000
# HNSW settings: M links per node, beam widths for building and searching. Recall@10 at efSearch 32 on the
# circles-in-R^128 set: 0.991 at 10^5 points, 0.973 at 3·10^5, 0.910 at 10^6; doubling the beam buys ~0.01-0.02 for
# ~1.7x the query time (docs/scaling.md), so the default stays at the 10^5-point setting.
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 64
HNSW_EF_SEARCH = 32
# Queries per batch: bounds the transient (batch, d) float32 copy and (batch, k) results.
BATCH = 65_536
_HINT = "knn_method='approximate' needs faiss: pip install 'unsup[ann]' (or faiss-cpu)"


def have_faiss() -> bool:
    """Whether the optional approximate backend (faiss-cpu) can be imported."""
    try:
        import faiss  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_method(n_samples: int, n_features: int, method: str = "auto") -> str:
    """``"exact"`` or ``"approximate"`` for an (n_samples, n_features) index; ImportError with the install hint
    if approximate is asked for explicitly without faiss."""
    if method not in METHODS:
        raise ValueError(f"knn_method must be one of {METHODS}, got {method!r}")
    if method == "approximate" and not have_faiss():
        raise ImportError(_HINT)
    if method == "auto":
        big = n_features >= APPROX_MIN_DIM and n_samples >= APPROX_MIN_SAMPLES
        return "approximate" if big and have_faiss() else "exact"
    return method


class NeighborIndex:
    """A search structure on the rows of ``X`` (n, d), queried in batches; picklable.

    ``query(Y, k)`` gives the k nearest indexed points of each row of ``Y``; ``query_self(k)`` those of the indexed
    points themselves, each point excluded from its own list. Both return ``(dist (m, k) float64, ind (m, k))``
    sorted by distance; approximate indices are int32 where n < 2^31.
    """

    def __init__(self, X: np.ndarray, *, metric: str = "euclidean", method: str = "auto", random_state=None):
        if metric not in METRICS:
            raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
        self.metric = metric
        self.method = resolve_method(X.shape[0], X.shape[1], method)
        self.n_samples = X.shape[0]
        self._X = self._prepare(X, np.float64 if self.method == "exact" else np.float32)
        self._index = _hnsw(self._X, random_state) if self.method == "approximate" else None
        if self._index is not None:
            self._X = None  # the index holds its own float32 copy

    def _prepare(self, X: np.ndarray, dtype) -> np.ndarray:
        X = np.asarray(X, dtype=dtype)
        if self.metric == "cosine":  # cosine order = Euclidean order of the unit vectors
            norms = np.linalg.norm(X, axis=1, keepdims=True)
            X = X / np.where(norms > 0, norms, 1)
        return np.ascontiguousarray(X)

    def query(self, Y: np.ndarray, n_neighbors: int, batch_size: int = BATCH) -> tuple[np.ndarray, np.ndarray]:
        """The ``n_neighbors`` nearest indexed points of each row of ``Y`` (m, d)."""
        if n_neighbors > self.n_samples:
            raise ValueError(f"n_neighbors={n_neighbors} must be <= the {self.n_samples} indexed samples")
        parts = [self._search(Y[i : i + batch_size], n_neighbors) for i in range(0, len(Y), batch_size)]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def query_self(self, n_neighbors: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``n_neighbors`` nearest other indexed points of each indexed point, shape (n, n_neighbors)."""
        if n_neighbors >= self.n_samples:
            raise ValueError(f"n_neighbors={n_neighbors} must be < n_samples={self.n_samples}")
        if self._index is None:
            dist, ind = graph.knn_search(self._X, n_neighbors)
            return self._finish(dist), ind
        dist, ind = self.query(self._index.reconstruct_n(0, self.n_samples), n_neighbors + 1)
        return graph.drop_self(dist, ind)

    def _search(self, Y: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        Y = self._prepare(Y, np.float32 if self._index is not None else np.float64)
        if self._index is None:
            dist, ind = graph.knn_search(self._X, k, Y=Y)
            return self._finish(dist), ind
        self._index.hnsw.efSearch = max(HNSW_EF_SEARCH, k)
        sq, ind = self._index.search(Y, k)
        np.maximum(sq, 0, out=sq)
        return self._finish(np.sqrt(sq)), _narrow(ind, self.n_samples)

    def _finish(self, dist: np.ndarray) -> np.ndarray:
        """Euclidean distances between prepared points → the metric's distances (float64: (n, k) is small)."""
        dist = np.asarray(dist, dtype=np.float64)
        return dist**2 / 2 if self.metric == "cosine" else dist

    def __getstate__(self):
        state = self.__dict__.copy()
        if self._index is not None:
            import faiss

            state["_index"] = faiss.serialize_index(self._index)
        return state

    def __setstate__(self, state):
        if state.get("_index") is not None:
            import faiss

            state["_index"] = faiss.deserialize_index(state["_index"])
        self.__dict__.update(state)


def knn(
    X: np.ndarray, n_neighbors: int, *, metric: str = "euclidean", method: str = "auto", random_state=None
) -> tuple[np.ndarray, np.ndarray]:
    """Distances and indices (n, n_neighbors) of each row's nearest other rows of ``X`` (n, d), sorted."""
    return NeighborIndex(X, metric=metric, method=method, random_state=random_state).query_self(n_neighbors)


def sampled_recall(
    X: np.ndarray, ind: np.ndarray, *, metric: str = "euclidean", n_sample: int = 300, random_state=0
) -> float:
    """Recall@k of self-neighbour lists ``ind`` (n, k) on ``n_sample`` random rows of ``X`` (n, d): the fraction
    of each sampled row's true k nearest other rows (brute force, O(n_sample · n · d)) that ``ind`` contains."""
    n, k = ind.shape
    rows = np.random.default_rng(random_state).choice(n, size=min(n_sample, n), replace=False)
    exact = NeighborIndex(X, metric=metric, method="exact")
    _, true = exact.query(np.asarray(X)[rows], min(k + 1, n))
    hits = [len(np.intersect1d(t[t != r][:k], found)) for r, t, found in zip(rows, true, ind[rows], strict=True)]
    return float(np.sum(hits) / (len(rows) * k))


def _hnsw(X: np.ndarray, random_state):
    """A faiss HNSW index on float32 X (n, d). Built on one thread when ``random_state`` is set: a threaded build
    inserts points in a timing-dependent order, so only a one-thread build gives the same graph every run."""
    import faiss

    index = faiss.IndexHNSWFlat(X.shape[1], HNSW_M)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    index.hnsw.efSearch = HNSW_EF_SEARCH
    threads = faiss.omp_get_max_threads()
    if random_state is not None:
        faiss.omp_set_num_threads(1)
    try:
        index.add(X)
    finally:
        faiss.omp_set_num_threads(threads)
    return index


def _narrow(ind: np.ndarray, n: int) -> np.ndarray:
    """int64 indices → int32 where n < 2^31 (halves the graph's index memory); -1 (not found) cannot occur at
    k ≤ n with HNSW's connected graph, but is checked."""
    if ind.size and ind.min() < 0:
        raise RuntimeError("the HNSW index returned fewer neighbours than asked; raise HNSW_EF_SEARCH")
    return ind.astype(np.int32) if n < 2**31 else ind

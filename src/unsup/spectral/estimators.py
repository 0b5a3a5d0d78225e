"""Scikit-learn estimators: :class:`SpectralClustering` and :class:`SpectralEmbedding`.

Pipeline (the lecture's): data ``X`` (n, d) → affinity ``W`` (n, n) → Laplacian → smallest eigenvectors →
embedding (n, k) → labels. Out-of-sample points are embedded with the Nyström extension through their
neighbours in the training set: for a random-walk eigenvector ``u`` with eigenvalue ``λ``,
``u(x) = Σ_j w(x, x_j) u_j / ((1 − λ) Σ_j w(x, x_j))`` (``/(d_x − λ)`` for the unnormalized Laplacian).
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from unsup.spectral import graph, neighbors
from unsup.spectral.assign import METHODS, assign_labels, eigengap
from unsup.spectral.eigen import SOLVERS, smallest_eigenpairs
from unsup.spectral.laplacian import KINDS, degree, inv_sqrt_degree

# Below this many samples the graph fits in cache and reordering it buys nothing.
REORDER_MIN = 20_000
AFFINITIES = ("knn", "mutual_knn", "rbf", "self_tuning", "epsilon", "precomputed")


class _SpectralBase(BaseEstimator):
    """Shared by both estimators: affinity construction, the eigensolve and the Nyström extension."""

    _parameter_constraints: dict = {
        "affinity": [StrOptions(set(AFFINITIES))],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "gamma": [Interval(Real, 0, None, closed="neither"), None],
        "eps": [Interval(Real, 0, None, closed="neither"), None],
        "laplacian": [StrOptions(set(KINDS))],
        "eigen_solver": [StrOptions(set(SOLVERS))],
        "eigen_tol": [Interval(Real, 0, None, closed="neither"), None],
        "random_state": ["random_state"],
        "knn_method": [StrOptions(set(neighbors.METHODS))],
        "knn_recall": ["boolean"],
    }

    def _validate_X(self, X, reset: bool = True):
        precomputed = self.affinity == "precomputed"
        X = validate_data(
            self,
            X,
            reset=reset,
            accept_sparse="csr" if precomputed else False,
            dtype=np.float64,
            ensure_min_samples=2 if reset else 1,
        )
        if precomputed and reset and X.shape[0] != X.shape[1]:
            raise ValueError(f"affinity='precomputed' needs a square (n, n) matrix, got shape {X.shape}")
        return X

    def _neighbours(self, n_samples: int) -> int:
        return min(self.n_neighbors, n_samples - 1)

    def _rbf_gamma(self, X) -> float:
        if self.gamma is not None:
            return float(self.gamma)
        # Median heuristic on a subsample: 1 / median squared pairwise distance.
        rng = np.random.default_rng(0)
        S = X[rng.choice(len(X), size=min(len(X), 1000), replace=False)]
        sq = ((S[:, None, :] - S[None, :, :]) ** 2).sum(-1)
        med = np.median(sq[np.triu_indices(len(S), 1)])
        return 1.0 / med if med > 0 else 1.0

    def _search(self, X, k):
        """Self-neighbour lists (n, k) through ``knn_method``; an approximate index is kept for ``predict``."""
        index = neighbors.NeighborIndex(X, method=self.knn_method, random_state=self.random_state)
        dist, ind = index.query_self(k)
        self.knn_method_ = index.method
        self._index = index if index.method == "approximate" else None
        if self.knn_recall:
            self.knn_recall_ = neighbors.sampled_recall(X, ind, random_state=0)
        return dist, ind

    def _affinity(self, X):
        k = self._neighbours(X.shape[0])
        if self.affinity in ("knn", "mutual_knn"):
            _, ind = self._search(X, k)
            return graph.knn_graph(X, k, mode="or" if self.affinity == "knn" else "and", ind=ind)
        if self.affinity == "self_tuning":
            dist, ind = self._search(X, k)
            self._scale = graph.local_scale(dist)  # kept for the out-of-sample weights
            return graph.self_tuning_weights(dist, ind, self._scale)
        if self.affinity == "epsilon":
            if self.eps is None:
                raise ValueError("affinity='epsilon' needs eps (the neighbourhood radius)")
            return graph.epsilon_graph(X, self.eps)
        if self.affinity == "rbf":
            self.gamma_ = self._rbf_gamma(X)
            return sp.csr_matrix(graph.gaussian_kernel(X, sigma=1.0 / np.sqrt(self.gamma_)) - np.eye(len(X)))
        return graph.precomputed_affinity(X)

    def _fit_spectrum(self, X, n_eigenpairs: int):
        """Fit the affinity and eigenpairs; returns the raw eigenvectors (n, n_eigenpairs)."""
        order = self._locality_order(X)
        self._order, self._index = order, None
        W = self._affinity(X if order is None else X[order])
        expander = self.affinity != "precomputed" and X.shape[1] >= neighbors.APPROX_MIN_DIM  # see lanczos_first
        spec = smallest_eigenpairs(
            W, min(n_eigenpairs, X.shape[0]), self.laplacian, self.eigen_solver, self.eigen_tol, self.random_state,
            lanczos_first=expander,
        )  # fmt: skip
        V, components = spec.eigenvectors, spec.components
        if order is not None:  # back to the caller's row order
            inverse = np.empty_like(order)
            inverse[order] = np.arange(len(order))
            W, V, components = W[inverse][:, inverse], V[inverse], components[inverse]
            W.sort_indices()
            if self.affinity == "self_tuning":
                self._scale = self._scale[inverse]
        self.affinity_matrix_ = W
        self.eigenvalues_ = spec.eigenvalues
        self.n_components_graph_ = spec.n_components
        self.graph_components_ = components
        self.eigen_solver_ = spec.solver
        self._degree = degree(W)
        if self.affinity != "precomputed":
            self._fit_X = X
        return self._to_random_walk(V)

    def _locality_order(self, X):
        """Row order for building and solving large graphs from data (see ``graph.spatial_order``), or None."""
        if self.affinity in ("rbf", "precomputed") or X.shape[0] < REORDER_MIN:
            return None
        return graph.spatial_order(X)

    def _to_random_walk(self, V):
        """L_sym eigenvectors v → random-walk eigenvectors u = D^{-1/2} v (unnormalized: unchanged)."""
        return V if self.laplacian == "unnormalized" else V * inv_sqrt_degree(self._degree)[:, None]

    def _finish(self, U):
        """Embedding rows from random-walk eigenvectors: NJW row-normalised for 'sym', as they are otherwise."""
        if self.laplacian != "sym":
            return U
        return U / np.maximum(np.linalg.norm(U, axis=1, keepdims=True), 1e-300)

    def _extension_weights(self, X_new):
        """Sparse (n_new, n_train) weights from each new point to the training points, as the affinity defines."""
        Xf = self._fit_X
        k = self._neighbours(len(Xf) + 1)
        if self.affinity == "rbf":
            return sp.csr_matrix(graph.gaussian_kernel(X_new, Xf, sigma=1.0 / np.sqrt(self.gamma_)))
        index = getattr(self, "_index", None)  # absent from models pickled by older versions
        if index is None:
            dist, ind = graph.knn_search(Xf, k, Y=X_new)
        else:  # the fitted HNSW index, batched; its rows are in the fit's locality order
            dist, ind = index.query(X_new, k)
            ind = ind if self._order is None else self._order[ind]
        if self.affinity == "epsilon":
            w = (dist <= self.eps).astype(np.float64)
            w[:, 0] = 1.0  # a point with no training point within eps still hangs on its nearest one
        elif self.affinity == "self_tuning":
            w = np.exp(-(dist**2) / (graph.local_scale(dist)[:, None] * self._scale[ind]))
        else:
            w = np.ones_like(dist)
        indptr = np.arange(0, w.size + 1, k)
        return sp.csr_matrix((w.ravel(), ind.ravel(), indptr), shape=(len(X_new), len(Xf)))

    def _nystrom(self, X_new, U, eigenvalues):
        """Random-walk eigenvector values at new points, shape (n_new, U.shape[1])."""
        if self.affinity == "precomputed":
            raise ValueError("out-of-sample extension needs the data: not available with affinity='precomputed'")
        Wx = self._extension_weights(X_new)
        dx = np.asarray(Wx.sum(axis=1)).ravel()
        num = Wx @ U
        if self.laplacian == "unnormalized":
            return num / (dx[:, None] - eigenvalues[None, :])
        return num / (np.maximum(dx, 1e-300)[:, None] * (1.0 - eigenvalues[None, :]))


class SpectralClustering(ClusterMixin, _SpectralBase):
    """Spectral clustering: kNN graph (default) → normalized Laplacian → k smallest eigenvectors → k-means.

    Parameters
    ----------
    n_clusters : int or "auto", default=8. "auto" picks k by the eigengap heuristic (at most ``max_clusters``).
    affinity : {"knn", "mutual_knn", "rbf", "self_tuning", "epsilon", "precomputed"}, default="knn".
        knn: w_ij = 1 if j is among i's ``n_neighbors`` nearest or i among j's (the lecture's graph);
        mutual_knn: both; rbf: dense ``exp(-gamma ||x_i - x_j||²)`` (gamma = 1/σ²); self_tuning:
        ``exp(-d²/(σ_i σ_j))`` on the kNN graph; epsilon: w_ij = 1 within radius ``eps``; precomputed: X is W.
    n_neighbors : int, default=10. Clipped to n_samples − 1.
    gamma : float or None. Kernel width for "rbf"; None: 1 / median squared distance.
    eps : float or None. Radius for "epsilon".
    laplacian : {"sym", "rw", "unnormalized"}, default="sym" (Ng–Jordan–Weiss, rows normalised).
    eigen_solver : {"auto", "dense", "amg", "lobpcg", "arpack"}, default="auto".
    eigen_tol : float or None. LOBPCG residual tolerance (None: 1e-5).
    assign_labels : {"kmeans", "discretize", "cluster_qr"}, default="kmeans".
    n_init : int, default=10. k-means restarts.
    max_clusters : int, default=20. Upper bound for ``n_clusters="auto"``.
    random_state : int, RandomState or None.
    knn_method : {"auto", "exact", "approximate"}, default="auto". Neighbour search for the kNN affinities:
        approximate = an HNSW index (faiss, ``pip install unsup[ann]``), used by "auto" from 17 dimensions and
        5,000 samples when faiss is installed; its build is single-threaded (reproducible) when random_state is set.
    knn_recall : bool, default=False. Measure ``knn_recall_``, the recall@k of the neighbour lists on 300 sampled
        points against brute force.

    Attributes
    ----------
    labels_ : (n,) ; n_clusters_ : int ; embedding_ : (n, n_clusters_) ; eigenvalues_ : ascending ;
    affinity_matrix_ : sparse (n, n) ; n_components_graph_ : connected components of the graph ;
    graph_components_ : (n,) component of each sample ; eigen_solver_ : solver used for the largest component ;
    knn_method_ : search used ("exact" or "approximate") ; knn_recall_ : float, only with ``knn_recall=True``.
    """

    _parameter_constraints: dict = {
        **_SpectralBase._parameter_constraints,
        "n_clusters": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "assign_labels": [StrOptions(set(METHODS))],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "max_clusters": [Interval(Integral, 2, None, closed="left")],
    }

    def __init__(
        self,
        n_clusters=8,
        *,
        affinity="knn",
        n_neighbors=10,
        gamma=None,
        eps=None,
        laplacian="sym",
        eigen_solver="auto",
        eigen_tol=None,
        assign_labels="kmeans",
        n_init=10,
        max_clusters=20,
        random_state=None,
        knn_method="auto",
        knn_recall=False,
    ):
        self.n_clusters = n_clusters
        self.affinity = affinity
        self.n_neighbors = n_neighbors
        self.gamma = gamma
        self.eps = eps
        self.laplacian = laplacian
        self.eigen_solver = eigen_solver
        self.eigen_tol = eigen_tol
        self.assign_labels = assign_labels
        self.n_init = n_init
        self.max_clusters = max_clusters
        self.random_state = random_state
        self.knn_method = knn_method
        self.knn_recall = knn_recall

    def fit(self, X, y=None):
        """Cluster ``X`` (n_samples, n_features), or an (n, n) affinity if ``affinity="precomputed"``."""
        self._validate_params()
        X = self._validate_X(X)
        n = X.shape[0]
        auto = self.n_clusters == "auto"
        if not auto and self.n_clusters > n:
            raise ValueError(f"n_clusters={self.n_clusters} must be <= n_samples={n}")
        U = self._fit_spectrum(X, min(self.max_clusters + 1, n) if auto else self.n_clusters)
        k = eigengap(self.eigenvalues_, self.max_clusters) if auto and n > 2 else (2 if auto else self.n_clusters)
        self.n_clusters_ = k
        self._U = U[:, :k]
        self.embedding_ = self._finish(self._U)
        self.labels_ = assign_labels(self.embedding_, k, self.assign_labels, self.random_state, self.n_init)
        self._centroids = np.stack([self.embedding_[self.labels_ == c].mean(axis=0) for c in range(k)])
        return self

    def fit_predict(self, X, y=None):
        """Fit and return ``labels_`` (n,)."""
        return self.fit(X).labels_

    def predict(self, X):
        """Labels (n_new,) for new points: Nyström-extended embedding → nearest cluster centroid."""
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        E = self._finish(self._nystrom(X, self._U, self.eigenvalues_[: self.n_clusters_]))
        d2 = ((E[:, None, :] - self._centroids[None, :, :]) ** 2).sum(-1)
        return d2.argmin(axis=1)


class SpectralEmbedding(TransformerMixin, _SpectralBase):
    """Laplacian eigenmaps: the ``n_components`` smallest non-trivial random-walk eigenvectors as coordinates.

    Same graph/solver/neighbour-search parameters as :class:`SpectralClustering`. ``embedding_`` is (n, n_components);
    ``transform`` embeds new points by the Nyström extension.
    """

    _parameter_constraints: dict = {
        **_SpectralBase._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        n_components=2,
        *,
        affinity="knn",
        n_neighbors=10,
        gamma=None,
        eps=None,
        laplacian="rw",
        eigen_solver="auto",
        eigen_tol=None,
        random_state=None,
        knn_method="auto",
        knn_recall=False,
    ):
        self.n_components = n_components
        self.affinity = affinity
        self.n_neighbors = n_neighbors
        self.gamma = gamma
        self.eps = eps
        self.laplacian = laplacian
        self.eigen_solver = eigen_solver
        self.eigen_tol = eigen_tol
        self.random_state = random_state
        self.knn_method = knn_method
        self.knn_recall = knn_recall

    def fit(self, X, y=None):
        """Embed ``X`` (n_samples, n_features); the first (trivial, λ = 0) eigenvector is dropped."""
        self._validate_params()
        X = self._validate_X(X)
        if self.n_components >= X.shape[0]:
            raise ValueError(f"n_components={self.n_components} must be < n_samples={X.shape[0]}")
        U = self._fit_spectrum(X, self.n_components + 1)
        self._U = U[:, 1:]
        self.embedding_ = self._finish(self._U)
        return self

    def fit_transform(self, X, y=None):
        """Fit and return ``embedding_`` (n, n_components)."""
        return self.fit(X).embedding_

    def transform(self, X):
        """Embed new points (n_new, n_features) → (n_new, n_components)."""
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._finish(self._nystrom(X, self._U, self.eigenvalues_[1 : self.n_components + 1]))

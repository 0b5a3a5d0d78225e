"""Affinity names, scikit-learn's spellings and kernels, and which parameters each affinity uses.

Three families build the affinity ``W`` (n, n) from data ``X`` (n, d), dense or sparse:

* sparse graphs from neighbour searches under ``metric``: ``knn``, ``mutual_knn``, ``self_tuning``, ``epsilon``;
* dense kernels ``k(x_i, x_j)`` from :func:`sklearn.metrics.pairwise.pairwise_kernels` (``rbf``, ``linear``,
  ``poly``, ``sigmoid``, ``laplacian``, ``chi2``, ``cosine``, ...) with ``gamma``, ``degree``, ``coef0`` and
  ``kernel_params``, or a callable;
* given by the caller: ``precomputed`` (``X`` is ``W``) and ``precomputed_nearest_neighbors`` (``X`` is a sparse
  distance graph, e.g. ``NearestNeighbors.kneighbors_graph(mode="distance")``).
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.metrics.pairwise import pairwise_kernels

from unsup.spectral.options import AFFINITIES, ALIASES, GRAPHS, KERNELS, PRECOMPUTED  # noqa: F401  (re-exported)

# The parameters that only some affinities read; any other is reported when set (never silently dropped).
_USES = {
    "gamma": {"rbf", "laplacian", "chi2", "additive_chi2", "poly", "polynomial", "sigmoid"},
    "degree": {"poly", "polynomial"},
    "coef0": {"poly", "polynomial", "sigmoid"},
    "kernel_params": set(KERNELS),
    "eps": {"epsilon"},
    "metric": set(GRAPHS),
}
_DEFAULTS = {"gamma": None, "degree": None, "coef0": None, "kernel_params": None, "eps": None, "metric": "euclidean"}


def canonical(affinity):
    """Our name for ``affinity`` (scikit-learn's aliases resolved); callables are returned as they are."""
    return affinity if callable(affinity) else ALIASES.get(affinity, affinity)


def warn_unused(params: dict, affinity) -> None:
    """Warn about each parameter in ``params`` set away from its default that ``affinity`` does not use."""
    name = "callable" if callable(affinity) else affinity
    for param, default in _DEFAULTS.items():
        value = params.get(param, default)
        used = name == "callable" and param == "kernel_params" or name in _USES[param]
        if value is not None and value != default and not used:
            default_knn = param == "gamma" and name == "knn"
            hint = " (scikit-learn's default affinity is 'rbf'; ours is 'knn')" if default_knn else ""
            warnings.warn(
                f"{param}={value!r} is not used by affinity={name!r} and is ignored{hint}", UserWarning, stacklevel=4
            )


def kernel_matrix(X, Y, affinity, gamma, degree, coef0, kernel_params) -> np.ndarray:
    """Dense kernel ``k(x_i, y_j)`` (n_X, n_Y) in ``X``'s float dtype, checked finite and non-negative.

    ``affinity`` is a ``pairwise_kernels`` name or a callable ``k(x, y) -> float``; ``None`` parameters take
    scikit-learn's defaults, except that the caller resolves ``gamma`` for ``rbf`` (median heuristic).
    """
    from unsup.spectral.graph import check_dense_fits

    check_dense_fits(X.shape[0], X.shape[0] if Y is None else Y.shape[0])
    params = dict(kernel_params or {})
    if not callable(affinity):
        given = {"gamma": gamma, "degree": degree, "coef0": coef0}
        params.update({k: v for k, v in given.items() if v is not None})
    K = pairwise_kernels(X, Y, metric=affinity, filter_params=True, **params)
    return check_affinity(np.asarray(K, dtype=X.dtype), f"affinity={getattr(affinity, '__name__', affinity)!r}")


def check_affinity(W, what: str):
    """``W`` (dense or sparse) unchanged if finite and non-negative; else a ValueError naming ``what``."""
    values = W.data if sp.issparse(W) else W
    if values.size and (not np.all(np.isfinite(values)) or values.min() < 0):
        raise ValueError(f"{what} gave negative or non-finite similarities; spectral clustering needs W >= 0")
    return W


def nearest_neighbors_graph(D, n_neighbors: int) -> sp.csr_matrix:
    """Unweighted OR-symmetrised graph (CSR (n, n)) of the ``n_neighbors`` smallest stored distances of each row
    of a precomputed distance matrix ``D`` (n, n), as scikit-learn's ``precomputed_nearest_neighbors`` (a stored
    zero diagonal counts as one of them); each row must store at least ``n_neighbors`` entries."""
    from sklearn.neighbors import NearestNeighbors

    from unsup.spectral.graph import knn_lists_graph

    if D.shape[0] != D.shape[1]:
        raise ValueError(f"affinity='precomputed_nearest_neighbors' needs a square (n, n) matrix, got {D.shape}")
    _, ind = NearestNeighbors(n_neighbors=n_neighbors, metric="precomputed").fit(D).kneighbors(D)
    return knn_lists_graph(ind, "or", D.dtype.type)

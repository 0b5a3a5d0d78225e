"""scikit-learn's functional forms, ``spectral_clustering`` and ``spectral_embedding``, on unsup's solver."""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_array

from unsup.spectral.eigen import fix_signs, smallest_eigenpairs
from unsup.spectral.estimators import SpectralClustering
from unsup.spectral.graph import precomputed_affinity
from unsup.spectral.laplacian import degree, inv_sqrt_degree


def spectral_clustering(
    affinity,
    *,
    n_clusters: int = 8,
    n_components: int | None = None,
    eigen_solver: str | None = None,
    random_state=None,
    n_init: int = 10,
    eigen_tol="auto",
    assign_labels: str = "kmeans",
    verbose: bool = False,
) -> np.ndarray:
    """Labels (n,) of the graph with symmetric affinity ``affinity`` (n, n), dense or sparse: the same as
    ``SpectralClustering(n_clusters, affinity="precomputed", ...).fit(affinity).labels_``."""
    options = dict(n_components=n_components, eigen_solver=eigen_solver, random_state=random_state, n_init=n_init)
    options.update(eigen_tol=eigen_tol, assign_labels=assign_labels, verbose=verbose)
    return SpectralClustering(n_clusters, affinity="precomputed", **options).fit(affinity).labels_


def spectral_embedding(
    adjacency,
    *,
    n_components: int = 8,
    eigen_solver: str | None = None,
    random_state=None,
    eigen_tol="auto",
    norm_laplacian: bool = True,
    drop_first: bool = True,
) -> np.ndarray:
    """Laplacian eigenmaps of the affinity ``adjacency`` (n, n): (n, n_components) in its float dtype.

    ``norm_laplacian``: random-walk eigenvectors ``D^{-1/2} v`` of ``L_sym``; else eigenvectors of ``D − W``.
    ``drop_first`` drops the trivial first one. ``eigen_tol`` 0 or "auto": the solver's default.
    """
    A = check_array(adjacency, accept_sparse=["csr", "csc", "coo"], dtype=[np.float64, np.float32])
    W = precomputed_affinity(A)
    kind = "sym" if norm_laplacian else "unnormalized"
    tol = None if eigen_tol in (None, 0, "auto") else float(eigen_tol)
    m = n_components + 1 if drop_first else n_components
    V = smallest_eigenpairs(W, m, kind, eigen_solver, tol, random_state).eigenvectors
    if norm_laplacian:
        V = fix_signs(V * inv_sqrt_degree(degree(W)).astype(V.dtype)[:, None])
    return V[:, 1:] if drop_first else V


__all__ = ["spectral_clustering", "spectral_embedding"]

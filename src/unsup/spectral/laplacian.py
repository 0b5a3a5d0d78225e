"""Graph Laplacians and degrees.

For a symmetric affinity ``W`` with degrees ``d_i = Σ_j w_ij`` and ``D = diag(d)``:

* unnormalized ``L = D − W``, with ``xᵀ L x = ½ Σ_ij w_ij (x_i − x_j)²``;
* symmetric normalized ``L_sym = I − D^{-1/2} W D^{-1/2}`` (spectrum in [0, 2]);
* random walk ``L_rw = I − D^{-1} W`` (same spectrum as ``L_sym``; eigenvectors ``D^{-1/2} v``).

Isolated vertices (``d_i = 0``) get an all-zero row and column in the normalized forms, so each is its own
zero-eigenvalue component, as in the unnormalized Laplacian.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

KINDS = ("unnormalized", "sym", "rw")


def degree(W: sp.spmatrix | np.ndarray) -> np.ndarray:
    """Degrees ``d_i = Σ_j w_ij``, shape (n,)."""
    return np.asarray(W.sum(axis=1)).ravel().astype(np.float64)


def inv_sqrt_degree(d: np.ndarray) -> np.ndarray:
    """``d^{-1/2}`` with 0 for isolated vertices, shape (n,)."""
    out = np.zeros_like(d, dtype=np.float64)
    np.divide(1.0, np.sqrt(d), out=out, where=d > 0)
    return out


def laplacian(W: sp.spmatrix | np.ndarray, kind: str = "unnormalized") -> sp.csr_matrix | np.ndarray:
    """Graph Laplacian of a symmetric affinity ``W`` (n, n); sparse in, CSR out; dense in, dense out."""
    if kind not in KINDS:
        raise ValueError(f"laplacian must be one of {KINDS}, got {kind!r}")
    sparse = sp.issparse(W)
    dtype = np.float32 if W.dtype == np.float32 else np.float64  # float32 graphs keep their precision
    W = sp.csr_matrix(W, dtype=dtype) if sparse else np.asarray(W, dtype=dtype)
    d = degree(W)
    if kind == "unnormalized":
        diag, left, right = d, np.ones_like(d), np.ones_like(d)
    else:
        diag = (d > 0).astype(np.float64)
        left = inv_sqrt_degree(d) if kind == "sym" else inv_sqrt_degree(d) ** 2
        right = left if kind == "sym" else np.ones_like(d)
    if sparse:
        # Scale W's entries in place on a copy (one pass) rather than two sparse matrix products.
        M = W.copy()
        rows = np.repeat(np.arange(W.shape[0]), np.diff(W.indptr))
        M.data *= (-left[rows] * right[M.indices]).astype(dtype)
        return (M + sp.diags(diag.astype(dtype))).tocsr()
    return (np.diag(diag) - left[:, None] * W * right[None, :]).astype(dtype)

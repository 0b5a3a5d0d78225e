"""The eigensolver layer: the smallest eigenpairs of a graph Laplacian, component by component.

A graph with c connected components has a block-diagonal Laplacian, so its spectrum is the union of the
components' spectra and each component contributes one zero eigenvalue whose eigenvector is (a scaling of) its
indicator. We find the components first (``scipy.sparse.csgraph.connected_components``), put those indicators in
directly, and solve each component for its non-trivial eigenpairs:

* ``"dense"``: LAPACK ``eigh`` on the component's dense Laplacian (small components);
* ``"amg"``: LOBPCG preconditioned by smoothed-aggregation AMG (pyamg), with the known null vector passed as a
  constraint and a real convergence tolerance instead of scikit-learn's fixed 20 iterations;
* ``"lobpcg"``: the same without the preconditioner;
* ``"arpack"``: ARPACK in shift-invert mode (scikit-learn's reliable path; exact but slow and memory-hungry);
* ``"auto"``: dense up to ``DENSE_MAX`` vertices per component, arpack up to ``ARPACK_MAX``, else amg (measured
  on 8x8 digits, n = 1,797: arpack 0.5 s, amg 1.2 s, dense 3.4 s; 10 blobs, n = 30k, 10 pairs: both 3.9 s;
  beyond that the sparse LU of shift-invert grows in time and memory while AMG stays linear).

Eigenvectors are those of ``L`` (unnormalized) or ``L_sym`` (for both ``"sym"`` and ``"rw"``: callers turn them
into random-walk eigenvectors by ``D^{-1/2} v``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import eigsh, lobpcg
from sklearn.utils import check_random_state

from unsup._threads import limit_threads
from unsup.spectral.laplacian import degree, laplacian
from unsup.spectral.options import SOLVERS

if TYPE_CHECKING:
    from scipy.sparse.linalg import LinearOperator

DENSE_MAX = 300
ARPACK_MAX = 20000
# kNN graphs of high-dimensional or sparse data (text) have no locality, and the sparse LU of shift-invert fills
# in: TF-IDF, n = 10,000, 20 pairs: arpack 66 s, amg 5.4 s, lobpcg 3.3 s (benchmarks/spectral_text.py corpus).
ARPACK_MAX_NONLOCAL = 2000
# Restarts allowed to plain Lanczos before shift-invert takes over (MNIST 5k converges in < 30; 15k 2-D moons
# do not converge in 30, and the attempt costs about as much as the shift-invert solve itself).
LANCZOS_RESTARTS = 30
# Below this many vertices the LU factor is cheap anyway (breast cancer, 569 points in 30-D: the failed Lanczos
# attempt doubled the fit time).
LANCZOS_MIN = 2000


@dataclass
class Spectrum:
    """Smallest eigenpairs of a graph Laplacian.

    eigenvalues: (m,) ascending; eigenvectors: (n, m), orthonormal columns; components: (n,) component id of each
    vertex; n_components: number of connected components; solver: what actually ran for the largest component.
    """

    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    components: np.ndarray
    n_components: int
    solver: str


def smallest_eigenpairs(
    W: sp.spmatrix | np.ndarray,
    n_eigenpairs: int,
    kind: str = "sym",
    solver: str = "auto",
    tol: float | None = None,
    random_state: int | np.random.RandomState | None = None,
    arpack_max: int | None = None,
    lanczos_first: bool = False,
) -> Spectrum:
    """The ``n_eigenpairs`` smallest eigenpairs of the ``kind`` Laplacian of the symmetric affinity ``W`` (n, n).

    ``kind="rw"`` returns ``L_sym``'s eigenvectors (same eigenvalues as ``L_rw``). ``tol`` is LOBPCG's residual
    tolerance (default ``1e-5``) or ARPACK's relative accuracy (default: machine precision). A float32 ``W`` is
    solved in float32 (half the memory) and gives float32 eigenvectors; ``solver=None`` means ``"auto"``.
    ``arpack_max``: the largest component "auto" gives to ARPACK (default ``ARPACK_MAX``).
    ``lanczos_first``: where ARPACK is used, first try plain Lanczos (no
    factorization) within a small budget -- kNN graphs of high-dimensional data are expanders whose LU factor
    fills in (MNIST 5k: 0.5 s instead of 10 s), while low-dimensional graphs' small gaps need shift-invert.
    """
    solver = "auto" if solver is None else solver
    if solver not in SOLVERS:
        raise ValueError(f"eigen_solver must be one of {SOLVERS}, got {solver!r}")
    W = sp.csr_matrix(W, dtype=np.float32 if W.dtype == np.float32 else np.float64)
    n = W.shape[0]
    if not 1 <= n_eigenpairs <= n:
        raise ValueError(f"number of eigenpairs must be in [1, n_samples={n}], got {n_eigenpairs}")
    norm = "unnormalized" if kind == "unnormalized" else "sym"
    # One BLAS thread: the work here is sparse or tall-skinny, and multi-threaded BLAS pools spin-wait, which
    # made this step up to 10x slower on a shared 2-core machine.
    with limit_threads(1, "blas"):
        return _solve(W, n_eigenpairs, norm, solver, (tol, random_state, arpack_max or ARPACK_MAX, lanczos_first))


def _solve(W, n_eigenpairs: int, norm: str, solver: str, options: tuple) -> Spectrum:
    n = W.shape[0]
    n_comp, comp = components(W)
    sizes = np.bincount(comp)
    # Every component contributes a zero eigenvalue; the rest of the budget comes from non-trivial pairs.
    extra = max(n_eigenpairs - n_comp, 0)
    d = degree(W)
    values, vectors, used = [], [], "dense"
    for c in np.argsort(-sizes, kind="stable")[: max(n_eigenpairs, 1)]:
        idx = np.flatnonzero(comp == c)
        null = np.sqrt(d[idx]) if norm == "sym" and d[idx].any() else np.ones(len(idx))
        null /= np.linalg.norm(null)
        values.append(0.0)
        vectors.append((idx, null))
        m = min(extra, len(idx) - 1)
        if m > 0:
            Wc = W[idx][:, idx] if n_comp > 1 else W
            vals, vecs, how = _component_pairs(laplacian(Wc, norm), null, m, solver, *options)
            used = how if len(idx) == sizes.max() else used
            values.extend(vals)
            vectors.extend((idx, v) for v in vecs.T)
    order = np.argsort(np.asarray(values), kind="stable")[:n_eigenpairs]
    out = np.zeros((n, len(order)), dtype=W.dtype)
    for j, i in enumerate(order):
        idx, v = vectors[i]
        out[idx, j] = v
    fix_signs(out)
    eigenvalues = np.clip(np.asarray(values)[order], 0.0, None)
    return Spectrum(eigenvalues, out, comp, int(n_comp), used)


def components(W: sp.csr_matrix) -> tuple[int, np.ndarray]:
    """Connected components of the symmetric graph ``W`` (n, n): ``(count, labels (n,))``, numbered in the order
    of their first vertex.

    For a symmetric graph the strong components are the components, and scipy finds those on ``W`` alone,
    where the undirected search first builds ``Wᵀ`` (a copy of the graph; 10^7 points: 1.4 GB)."""
    n_comp, labels = connected_components(W, directed=True, connection="strong")
    rank = np.empty(n_comp, dtype=labels.dtype)
    rank[np.argsort(first_members(labels, n_comp))] = np.arange(n_comp, dtype=labels.dtype)
    return n_comp, rank[labels]


def first_members(labels: np.ndarray, count: int) -> np.ndarray:
    """Index (count,) of the first occurrence of each label ``0..count-1`` in ``labels`` (n,)."""
    first = np.full(count, len(labels), dtype=np.int64)
    np.minimum.at(first, labels, np.arange(len(labels)))
    return first


def fix_signs(V: np.ndarray) -> np.ndarray:
    """Flip columns of ``V`` (n, m) in place so each one's largest-magnitude entry is positive (eigenvectors are
    defined up to sign; this makes results reproducible). Returns ``V``."""
    rows = np.abs(V).argmax(axis=0)
    V *= np.sign(V[rows, np.arange(V.shape[1])]).astype(V.dtype)
    return V


def _component_pairs(L, null, m, solver, tol, random_state, arpack_max, lanczos_first=False):
    """The ``m`` smallest non-trivial eigenpairs of a connected component's Laplacian ``L`` (n_c, n_c)."""
    n = L.shape[0]
    if solver == "dense" or (solver == "auto" and n <= DENSE_MAX) or n < 5 * (m + 1):
        vals, vecs = scipy.linalg.eigh(L.toarray(), subset_by_index=[0, m])
        return vals[1:], vecs[:, 1:], "dense"
    if solver == "arpack" or (solver == "auto" and n <= arpack_max):
        return _arpack(L, null, m, tol, random_state, lanczos_first and n >= LANCZOS_MIN)
    return _lobpcg(L, null, m, solver != "lobpcg", tol, random_state)


def _lobpcg(L, null, m, use_amg, tol, random_state):
    n, dtype = L.shape[0], L.dtype
    # AMG-preconditioned LOBPCG does not converge in float32 (rbf blobs, n = 100: residual 0.26 vs 2e-6 in
    # float64), so that path solves in float64 and returns float32 eigenvectors.
    L = L.astype(np.float64, copy=False) if use_amg else L  # no copy of a float64 Laplacian
    null = null.astype(L.dtype)
    rng = check_random_state(random_state)
    M = amg_preconditioner(L, null) if use_amg else None
    # No oversampling: the cost per iteration grows with the block, and clustered graphs have their gap right
    # after the m-th vector (circles, n = 100k: block 1 took 12 iterations, block 3 took 18 at 3x the cost each).
    X0 = rng.standard_normal((n, m)).astype(L.dtype)
    tol = 1e-5 if tol is None else tol
    with warnings.catch_warnings():
        # LOBPCG warns when it stops a hair above tol; we check the residuals ourselves below.
        warnings.simplefilter("ignore", UserWarning)
        vals, vecs = lobpcg(L, X0, M=M, Y=null[:, None], tol=tol, maxiter=200 if use_amg else 2000, largest=False)
    order = np.argsort(vals)[:m]
    vals, vecs = vals[order], vecs[:, order]
    residual = np.linalg.norm(L @ vecs - vecs * vals, axis=0).max()
    if residual > 100 * tol:
        warnings.warn(
            f"LOBPCG stopped with eigenvector residual {residual:.1e} (tol {tol:.0e}); "
            "consider eigen_solver='arpack' for this graph",
            RuntimeWarning,
            stacklevel=4,
        )
    return vals, vecs.astype(dtype, copy=False), "amg" if use_amg else "lobpcg"


def amg_preconditioner(L: sp.csr_matrix, null: np.ndarray) -> LinearOperator:
    """Smoothed-aggregation AMG V-cycle (pyamg) for a connected component's Laplacian ``L`` (n, n) with null
    vector ``null`` (n,), as a ``LinearOperator``."""
    import pyamg

    # The exact null vector is the aggregation's candidate (pyamg's default, the constant, is only near-null for
    # L_sym), so the candidate-smoothing sweeps are skipped; the coarsest level is solved by a pseudo-inverse,
    # so the singular L needs no shift. 'local' (Gershgorin) Jacobi weighting is a safe bound for a Laplacian
    # and skips the power iteration for the spectral radius that otherwise dominates the set-up time.
    smooth = ("jacobi", {"omega": 4.0 / 3.0, "weighting": "local"})
    ml = pyamg.smoothed_aggregation_solver(L, B=null[:, None], improve_candidates=None, smooth=smooth)
    return ml.aspreconditioner()


def _arpack(L, null, m, tol, random_state, lanczos_first=False):
    from scipy.sparse.linalg import ArpackNoConvergence

    v0 = check_random_state(random_state).uniform(-1, 1, L.shape[0]).astype(L.dtype)
    vals = None
    if lanczos_first:  # the bottom of L is the top of shift·I - L (shift: Gershgorin bound): matvecs only
        shift = float(abs(L).sum(axis=1).max())
        try:
            vals, vecs = eigsh(shift * sp.identity(L.shape[0], format="csr", dtype=L.dtype) - L, k=m + 1, which="LA",
                               v0=v0, maxiter=LANCZOS_RESTARTS, tol=0 if tol is None else tol)  # fmt: skip
            vals = shift - vals
        except ArpackNoConvergence:
            vals = None
    if vals is None:
        # Shift-invert around a small negative sigma keeps (L - σI) non-singular while targeting the bottom.
        vals, vecs = eigsh(L.tocsc(), k=m + 1, sigma=-1e-3, which="LM", v0=v0, tol=0 if tol is None else tol)
    order = np.argsort(vals)
    vals, vecs = vals[order], vecs[:, order]
    # Drop the eigenvector most aligned with the known null vector.
    drop = int(np.argmax(np.abs(null @ vecs)))
    keep = [i for i in range(m + 1) if i != drop][:m]
    return vals[keep], vecs[:, keep], "arpack"

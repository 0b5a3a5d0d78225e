"""Where the time of a 1M-point circles fit goes (kNN graph, Laplacian, AMG set-up, LOBPCG), with the points in
their given (shuffled) order and in the kd-tree leaf order the estimator uses for large data.

python benchmarks/spectral_phases.py --n 1000000
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from scipy.sparse.linalg import lobpcg  # noqa: E402
from sklearn.datasets import make_circles  # noqa: E402

from unsup._threads import limit_threads  # noqa: E402
from unsup.spectral import degree, knn_graph, laplacian  # noqa: E402
from unsup.spectral.eigen import amg_preconditioner  # noqa: E402
from unsup.spectral.graph import spatial_order  # noqa: E402


def phases(X: np.ndarray, y: np.ndarray) -> dict:
    """Seconds per phase of the Fiedler-vector solve on X (n, 2), and the split's accuracy against y."""
    out, t = {}, time.perf_counter()
    W = knn_graph(X, 10)
    out["knn_graph_s"], t = time.perf_counter() - t, time.perf_counter()
    L = laplacian(W, "sym")
    out["laplacian_s"], t = time.perf_counter() - t, time.perf_counter()
    null = np.sqrt(degree(W))
    null /= np.linalg.norm(null)
    with limit_threads(1, "blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        M = amg_preconditioner(L, null)
        out["amg_setup_s"], t = time.perf_counter() - t, time.perf_counter()
        x0 = np.random.default_rng(0).standard_normal((len(X), 1))
        _, vecs, hist = lobpcg(L, x0, M=M, Y=null[:, None], tol=1e-5, maxiter=200, largest=False,
                               retResidualNormsHistory=True)  # fmt: skip
    out["lobpcg_s"], out["iterations"] = time.perf_counter() - t, len(hist)
    split = vecs[:, 0] > 0
    out["fiedler_split_accuracy"] = max((split == y).mean(), (split != y).mean())
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1_000_000)
    args = p.parse_args()
    X, y = make_circles(args.n, noise=0.05, factor=0.5, random_state=0)
    t = time.perf_counter()
    order = spatial_order(X)
    results = {"spatial_order_s": time.perf_counter() - t, "given order": phases(X, y)}
    results["kd-tree order"] = phases(X[order], y[order])
    for key, value in results.items():
        shown = {k: round(v, 3) for k, v in value.items()} if isinstance(value, dict) else round(value, 3)
        print(f"{key:16s} {shown}")
    print(json.dumps({"benchmark": "spectral_phases", "n": args.n, **results}, default=float))


if __name__ == "__main__":
    main()

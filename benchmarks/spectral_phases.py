"""Where the time of a 1M-point circles fit goes: kNN graph, Laplacian, AMG set-up, LOBPCG (two AMG smoothers).

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
import pyamg  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from scipy.sparse.linalg import lobpcg  # noqa: E402
from sklearn.datasets import make_circles  # noqa: E402

from unsup._threads import limit_threads  # noqa: E402
from unsup.spectral import degree, knn_graph, laplacian  # noqa: E402

SMOOTHERS = {"local": {"smooth": ("jacobi", {"omega": 4 / 3, "weighting": "local"})}, "pyamg-default": {}}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1_000_000)
    args = p.parse_args()
    X, y = make_circles(args.n, noise=0.05, factor=0.5, random_state=0)
    out = {}
    t = time.perf_counter()
    W = knn_graph(X, 10)
    out["knn_graph_s"] = time.perf_counter() - t
    t = time.perf_counter()
    L = laplacian(W, "sym")
    out["laplacian_s"] = time.perf_counter() - t
    null = np.sqrt(degree(W))[:, None]
    null /= np.linalg.norm(null)
    with limit_threads(1, "blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, options in SMOOTHERS.items():
            t = time.perf_counter()
            shifted = (L + 1e-8 * sp.identity(args.n, format="csr")).tocsr()
            M = pyamg.smoothed_aggregation_solver(shifted, **options).aspreconditioner()
            setup = time.perf_counter() - t
            t = time.perf_counter()
            x0 = np.random.default_rng(0).standard_normal((args.n, 1))
            _, vecs, hist = lobpcg(L, x0, M=M, Y=null, tol=1e-5, maxiter=200, largest=False,
                                   retResidualNormsHistory=True)  # fmt: skip
            split = vecs[:, 0] > 0
            out[name] = {"amg_setup_s": setup, "lobpcg_s": time.perf_counter() - t, "iterations": len(hist),
                         "fiedler_split_accuracy": max((split == y).mean(), (split != y).mean())}  # fmt: skip
    for key, value in out.items():
        print(f"{key:15s} {value if isinstance(value, dict) else round(value, 2)}")
    print(json.dumps({"benchmark": "spectral_phases", "n": args.n, **out}, default=float))


if __name__ == "__main__":
    main()

"""float32 vs float64 input to unsup's SpectralClustering: wall time, peak RSS, ARI, in one run.

Each fit runs in a fresh child process (peak RSS of the whole process, data included). float32 input gives a
float32 kNN graph, Laplacian and embedding; the AMG-preconditioned LOBPCG step (the solver above 20,000 points)
still iterates in float64, since it does not converge in float32.

    python benchmarks/spectral_dtype.py --data moons circles --sizes 100000 1000000
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import json  # noqa: E402
import multiprocessing as mp  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from spectral import make_data  # noqa: E402  (benchmarks/spectral.py: the same data sets)


def _child(data: str, n: int, dtype: str, queue) -> None:
    from sklearn.metrics import adjusted_rand_score

    from unsup.spectral import SpectralClustering

    X, y, k = make_data(data, n)
    X = X.astype(dtype)
    t0 = time.perf_counter()
    model = SpectralClustering(k, random_state=0).fit(X)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(
        {
            "data": data,
            "n": n,
            "dtype": dtype,
            "seconds": round(seconds, 2),
            "peak_rss_mb": round(peak, 1),
            "ari": round(adjusted_rand_score(y, model.labels_), 4),
            "embedding": str(model.embedding_.dtype),
            "graph": str(model.affinity_matrix_.dtype),
            "solver": model.eigen_solver_,
        }
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", nargs="+", default=["moons", "circles"])
    p.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    args = p.parse_args()
    ctx = mp.get_context("spawn")
    print(f"{'data':8s} {'n':>8s} {'dtype':8s} {'sec':>7s} {'peakMB':>8s} {'ARI':>7s}  solver")
    rows = []
    for data in args.data:
        for n in args.sizes:
            for dtype in ("float64", "float32"):
                queue = ctx.Queue()
                proc = ctx.Process(target=_child, args=(data, n, dtype, queue))
                proc.start()
                proc.join()
                r = queue.get() if not queue.empty() else {"data": data, "n": n, "dtype": dtype, "error": "crashed"}
                rows.append(r)
                print(
                    f"{data:8s} {n:8d} {dtype:8s} {r.get('seconds', np.nan):7.2f} {r.get('peak_rss_mb', np.nan):8.1f} "
                    f"{r.get('ari', np.nan):7.4f}  {r.get('solver', r.get('error'))}",
                    flush=True,
                )
    print(json.dumps({"benchmark": "spectral_dtype", "results": rows}))


if __name__ == "__main__":
    main()

"""What each phase of a SpectralClustering fit costs against n and d: locality order, neighbour search, graph,
eigensolve (components + Laplacian + solver), k-means; seconds per phase and the peak RSS of the whole fit.

Each (data, n) runs in a fresh child process (peak RSS = ``ru_maxrss``, data included). The phases are timed by
wrapping the library's own functions during one ``SpectralClustering(k, random_state=0).fit(X)``, so the numbers
are those of the estimator's path (kd-tree order from 20,000 low-dimensional points, HNSW from 17 dimensions
and 5,000 points when faiss is installed).

    python benchmarks/spectral_phases.py --data moons --sizes 100000 1000000 10000000
    python benchmarks/spectral_phases.py --data circles128 --sizes 10000 100000

Results, machine and date: docs/scaling.md.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402
import multiprocessing as mp  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402

from spectral import make_data  # noqa: E402

# (module, function) -> phase; a phase's time is the sum over its calls.
PHASES = {
    ("unsup.spectral.graph", "spatial_order"): "order",
    ("unsup.spectral.graph", "knn_search"): "search",
    ("unsup.spectral.neighbors", "NeighborIndex.__init__"): "search",
    ("unsup.spectral.neighbors", "NeighborIndex.query_self"): "search",
    ("unsup.spectral.graph", "knn_lists_graph"): "graph",
    ("unsup.spectral.estimators", "smallest_eigenpairs"): "eigen",
    ("unsup.spectral.estimators", "assign_labels"): "kmeans",
}
COLUMNS = ("order", "search", "graph", "eigen", "kmeans")


def _timed(spent: dict, phase: str, f):
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        try:
            return f(*args, **kwargs)
        finally:
            spent[phase] = spent.get(phase, 0.0) + time.perf_counter() - t

    return wrapper


def _child(name: str, n: int, queue) -> None:
    import importlib

    from sklearn.metrics import adjusted_rand_score

    X, y, k = make_data(name, n)
    spent: dict = {}
    for (module, path), phase in PHASES.items():
        owner = importlib.import_module(module)
        *parents, attr = path.split(".")
        for parent in parents:
            owner = getattr(owner, parent)
        setattr(owner, attr, _timed(spent, phase, getattr(owner, attr)))
    from unsup.spectral import SpectralClustering

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    model = SpectralClustering(k, random_state=0).fit(X)
    total = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put({
        "data": name, "n": len(X), "d": X.shape[1], "seconds": round(total, 2),
        **{p: round(spent.get(p, 0.0), 2) for p in COLUMNS},
        "other": round(total - sum(spent.values()), 2),
        "peak_rss_mb": round(peak / 1024, 1), "fit_rss_mb": round((peak - base) / 1024, 1),
        "ari": round(float(adjusted_rand_score(y, model.labels_)), 4), "solver": model.eigen_solver_,
        "components": int(model.n_components_graph_),
    })  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", nargs="+", default=["moons"])
    p.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    args = p.parse_args()
    ctx = mp.get_context("spawn")
    rows = []
    print(f"{'data':10s} {'n':>9s} {'d':>4s} {'total':>7s} " + " ".join(f"{c:>7s}" for c in (*COLUMNS, "other"))
          + f" {'peakMB':>8s} {'ARI':>7s} solver")  # fmt: skip
    for name in args.data:
        for n in args.sizes:
            queue = ctx.Queue()
            proc = ctx.Process(target=_child, args=(name, n, queue))
            proc.start()
            r = queue.get()
            proc.join()
            rows.append(r)
            print(f"{name:10s} {r['n']:9d} {r['d']:4d} {r['seconds']:7.2f} "
                  + " ".join(f"{r[c]:7.2f}" for c in (*COLUMNS, "other"))
                  + f" {r['peak_rss_mb']:8.1f} {r['ari']:7.4f} {r['solver']}", flush=True)  # fmt: skip
    print(json.dumps({"benchmark": "spectral_phases", "cpu_count": os.cpu_count(), "results": rows}))


if __name__ == "__main__":
    main()

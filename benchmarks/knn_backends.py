"""Approximate nearest-neighbour libraries compared on the data unsup clusters: build + query time, recall@k
against exact search (on a sample of queries), peak memory and determinism under a fixed seed.

Each library runs in a fresh child process (clean peak RSS); recall@k is measured on 1,000 sampled points against
an exact brute-force search of those points (``unsup.spectral.neighbors.sampled_recall``).

    python benchmarks/knn_backends.py --n 100000 --dim 128
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

from spectral import embedded_circles  # noqa: E402  (benchmarks/spectral.py)
from unsup.spectral.neighbors import sampled_recall  # noqa: E402

BACKENDS = ("exact-sklearn", "faiss-hnsw", "hnswlib", "pynndescent")


def search(backend: str, X: np.ndarray, k: int, threads: int):
    """(indices (n, k+1) including self, seconds)."""
    t0 = time.perf_counter()
    if backend == "exact-sklearn":
        from sklearn.neighbors import NearestNeighbors

        ind = NearestNeighbors(n_neighbors=k + 1, n_jobs=threads).fit(X).kneighbors(X, return_distance=False)
    elif backend == "faiss-hnsw":
        import faiss

        faiss.omp_set_num_threads(threads)
        index = faiss.IndexHNSWFlat(X.shape[1], 32)
        index.hnsw.efConstruction = 64
        index.add(X)
        index.hnsw.efSearch = max(32, 2 * (k + 1))
        _, ind = index.search(X, k + 1)
    elif backend == "hnswlib":
        import hnswlib

        index = hnswlib.Index(space="l2", dim=X.shape[1])
        index.init_index(max_elements=len(X), M=32, ef_construction=64, random_seed=0)
        index.set_num_threads(threads)
        index.add_items(X)
        index.set_ef(max(32, 2 * (k + 1)))
        ind, _ = index.knn_query(X, k + 1)
    else:
        from pynndescent import NNDescent

        index = NNDescent(X, n_neighbors=max(k + 1, 15), random_state=0, n_jobs=threads)
        ind, _ = index.neighbor_graph
        ind = ind[:, : k + 1]
    return np.asarray(ind), time.perf_counter() - t0


def _drop_self(ind: np.ndarray) -> np.ndarray:
    from unsup.spectral.graph import drop_self

    return drop_self(np.zeros(ind.shape), ind)[1]


def _recall(X: np.ndarray, ind: np.ndarray) -> float:
    return round(sampled_recall(X, _drop_self(ind), n_sample=1000, random_state=1), 4)


def _child(backend, n, dim, k, threads, queue):
    X, _ = embedded_circles(n, dim)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    ind, seconds = search(backend, X, k, threads)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    again = None
    if threads == 1 and backend != "exact-sklearn":
        again = bool(np.array_equal(ind, search(backend, X, k, threads)[0]))
    queue.put(
        {"backend": backend, "threads": threads, "seconds": round(seconds, 2), "recall": _recall(X, ind),
         "search_rss_mb": round((peak - base) / 1024, 1), "peak_rss_mb": round(peak / 1024, 1),
         "same_twice": again}
    )  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--threads", type=int, nargs="+", default=[2, 1])
    p.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    args = p.parse_args()
    ctx = mp.get_context("spawn")
    rows = []
    print(f"{'backend':14s} {'thr':>3s} {'sec':>8s} {'recall':>7s} {'+MB':>7s} {'peakMB':>7s} same_twice")
    for threads in args.threads:
        for backend in args.backends:
            if backend == "exact-sklearn" and threads == 1:
                continue
            queue = ctx.Queue()
            proc = ctx.Process(target=_child, args=(backend, args.n, args.dim, args.k, threads, queue))
            proc.start()
            proc.join()
            r = queue.get() if not queue.empty() else {"backend": backend, "threads": threads, "error": "crashed"}
            rows.append(r)
            print(
                f"{backend:14s} {threads:3d} {r.get('seconds', float('nan')):8.2f} "
                f"{r.get('recall', float('nan')):7.4f} {r.get('search_rss_mb', float('nan')):7.1f} "
                f"{r.get('peak_rss_mb', float('nan')):7.1f} {r.get('same_twice')}",
                flush=True,
            )
    print(json.dumps({"benchmark": "knn_backends", "n": args.n, "dim": args.dim, "k": args.k, "results": rows}))


if __name__ == "__main__":
    main()

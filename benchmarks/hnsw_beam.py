"""Recall@10 and self-query time of unsup's HNSW index against its search beam (efSearch), at several n.

Data: concentric circles embedded in R^128 (the ``highdim`` suite of benchmarks/spectral.py). The index is built
once per n on all cores (``random_state=None``); for each beam the first 100,000 points are queried (time scaled
to all n points) and the recall is measured on 300 sampled points against brute force.

    python benchmarks/hnsw_beam.py --sizes 100000 300000

Results, machine and date: docs/scaling.md.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from spectral import embedded_circles  # noqa: E402
from unsup.spectral import neighbors  # noqa: E402


def sweep(n: int, beams: list[int], k: int = 10, timed: int = 100_000) -> list[dict]:
    """One index on n points; recall@k and estimated self-query seconds for each beam."""
    X, _ = embedded_circles(n)
    t = time.perf_counter()
    index = neighbors.NeighborIndex(X, method="approximate", random_state=None)
    build = time.perf_counter() - t
    rows = np.random.default_rng(0).choice(n, 300, replace=False)
    _, true = neighbors.NeighborIndex(X, method="exact").query(X[rows], k + 1)
    out = []
    for beam in beams:
        neighbors.HNSW_EF_SEARCH = beam  # read at query time
        t = time.perf_counter()
        index.query(X[:timed], k + 1)
        query = (time.perf_counter() - t) * n / min(n, timed)
        _, found = index.query(X[rows], k + 1)
        hits = [len(np.intersect1d(a[a != r][:k], b[b != r][:k])) for r, a, b in zip(rows, true, found, strict=True)]
        out.append({"n": n, "ef_search": beam, "recall": round(float(np.mean(hits)) / k, 4),
                    "build_s": round(build, 1), "self_query_s": round(query, 1)})  # fmt: skip
        print(f"{n:9d} {beam:5d} {out[-1]['recall']:7.3f} {build:8.1f} {query:9.1f}", flush=True)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000])
    p.add_argument("--beams", type=int, nargs="+", default=[16, 32, 48, 64, 96, 128])
    args = p.parse_args()
    print(f"{'n':>9s} {'ef':>5s} {'recall':>7s} {'build s':>8s} {'query s':>9s}")
    rows = [r for n in args.sizes for r in sweep(n, args.beams)]
    print(json.dumps({"benchmark": "hnsw_beam", "cpu_count": os.cpu_count(), "results": rows}))


if __name__ == "__main__":
    main()

"""Which partition of make_circles does the normalized cut prefer? Rayleigh quotients on L_sym of candidate splits.

A split's Rayleigh quotient ``vᵀ L_sym v / vᵀ v`` (``v = D^{1/2}(1_A − c)``, D-orthogonal to the constants) is its
relaxed normalized cut: spectral clustering can only return the rings when their quotient is the smallest.

    python benchmarks/circles_rayleigh.py --n 100000 1000000 --factor 0.8 0.5
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from sklearn.datasets import make_circles

from unsup.spectral import degree, knn_graph, laplacian


def rayleigh(L, d: np.ndarray, mask: np.ndarray) -> float:
    """Relaxed normalized cut of the split ``mask`` (n,) on the graph with Laplacian ``L_sym`` and degrees ``d``."""
    u = mask.astype(np.float64)
    u -= (u @ d) / d.sum()
    v = np.sqrt(d) * u
    return float(v @ (L @ v) / (v @ v))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, nargs="+", default=[100_000])
    p.add_argument("--factor", type=float, nargs="+", default=[0.8, 0.5])
    args = p.parse_args()
    rows = []
    print(f"{'n':>8s} {'factor':>6s} {'rings':>10s} {'half-plane':>10s}")
    for n in args.n:
        for factor in args.factor:
            X, y = make_circles(n, noise=0.05, factor=factor, random_state=0)
            W = knn_graph(X, 10)
            L, d = laplacian(W, "sym"), degree(W)
            r = {"n": n, "factor": factor, "rings": rayleigh(L, d, y == 1), "half_plane": rayleigh(L, d, X[:, 0] > 0)}
            rows.append(r)
            print(f"{n:8d} {factor:6.2f} {r['rings']:10.3g} {r['half_plane']:10.3g}", flush=True)
    print(json.dumps({"benchmark": "circles_rayleigh", "results": rows}))


if __name__ == "__main__":
    main()

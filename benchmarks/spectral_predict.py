"""Out-of-sample labels at scale: fit on embedded circles (R^128), then ``predict`` many new points through the
fitted HNSW index, batched. Prints time, peak RSS and ARI of the fit and of the predictions.

    python benchmarks/spectral_predict.py --n-fit 100000 --n-new 1000000
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402

from sklearn.metrics import adjusted_rand_score  # noqa: E402

from spectral import embedded_circles  # noqa: E402  (benchmarks/spectral.py)
from unsup.spectral import SpectralClustering  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n-fit", type=int, default=100_000)
    p.add_argument("--n-new", type=int, default=1_000_000)
    p.add_argument("--knn-method", default="auto", choices=("auto", "exact", "approximate"))
    args = p.parse_args()
    X, y = embedded_circles(args.n_fit + args.n_new)  # one embedding, split into fit and new points
    t = time.perf_counter()
    model = SpectralClustering(2, knn_method=args.knn_method, random_state=0).fit(X[: args.n_fit])
    fit_s, t = time.perf_counter() - t, time.perf_counter()
    labels = model.predict(X[args.n_fit :])
    out = {
        "benchmark": "spectral_predict", "n_fit": args.n_fit, "n_new": args.n_new, "knn_method": model.knn_method_,
        "fit_s": round(fit_s, 2), "fit_ari": round(adjusted_rand_score(y[: args.n_fit], model.labels_), 4),
        "predict_s": round(time.perf_counter() - t, 2),
        "predict_ari": round(adjusted_rand_score(y[args.n_fit :], labels), 4),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }  # fmt: skip
    print(" ".join(f"{k}={v}" for k, v in out.items() if k != "benchmark"))
    print(json.dumps(out))


if __name__ == "__main__":
    main()

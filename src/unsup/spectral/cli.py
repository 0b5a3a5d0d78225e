"""``unsup cluster``: spectral clustering of a CSV/NPY/NPZ file."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TYPE_CHECKING

import numpy as np

from unsup._run import atomic_write_bytes, heartbeat, prepare_outputs
from unsup.cli import CLI, UsageError

if TYPE_CHECKING:
    from unsup.spectral import SpectralClustering


def _k(value: str):
    if value == "auto":
        return value
    try:
        k = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--k must be a positive integer or 'auto', got {value!r}") from None
    if k < 1:
        raise argparse.ArgumentTypeError(f"--k must be >= 1, got {k}")
    return k


# Above this n * k^2 the eigensolve alone took over ~5 s on a laptop core (n=5000: k=50 1.5 s, k=200 15 s).
_SLOW_WORK = 5e7


def _check_request(args: argparse.Namespace, X: np.ndarray) -> None:
    """Refuse what cannot give a meaningful clustering; say so before a long run."""
    n = X.shape[0]
    data = args.affinity != "precomputed"
    if data and n > 1 and isinstance(X, np.ndarray) and not np.ptp(X, axis=0).any():
        raise UsageError(f"all {n} samples in {args.input} are identical: there is nothing to cluster")
    if args.k != "auto":
        if args.k > n:
            raise UsageError(f"--k {args.k} is larger than the number of samples ({n}) in {args.input}")
        if args.k == n:
            raise UsageError(f"--k {args.k} equals the number of samples: every sample would be its own cluster")
        if 2 * args.k > n:
            raise UsageError(
                f"--k {args.k} on {n} samples: at least {2 * args.k - n} clusters would hold a single sample "
                f"(use at most {n // 2})"
            )
    if data and args.affinity in ("knn", "mutual_knn", "self_tuning") and args.n_neighbors >= n:
        raise UsageError(f"--n-neighbors {args.n_neighbors} must be below the number of samples ({n})")
    from unsup.spectral import SpectralClustering

    k = SpectralClustering().max_clusters + 1 if args.k == "auto" else args.k  # eigenvectors computed
    if n * k * k > _SLOW_WORK or n >= 20_000:
        print(f"unsup: clustering {n} samples ({k} eigenvectors); this may take a while ...", file=sys.stderr)


SCALES = ("none", "standard", "robust")


def scale_columns(X: np.ndarray, how: str) -> np.ndarray:
    """Columns of ``X`` (n, d) as they are ("none"), to zero mean and unit variance ("standard"), or to zero
    median and unit interquartile range ("robust", for columns with outliers)."""
    from sklearn.preprocessing import RobustScaler, StandardScaler

    scalers = {"standard": StandardScaler, "robust": RobustScaler}
    return X if how == "none" else scalers[how]().fit_transform(X)


def _fit(args: argparse.Namespace, X: np.ndarray) -> tuple[SpectralClustering, np.ndarray, float]:
    """The fitted model, its labels (n,) and the fit's wall time in seconds."""
    from unsup.spectral import SpectralClustering

    model = SpectralClustering(
        args.k,
        affinity=args.affinity,
        n_neighbors=args.n_neighbors,
        gamma=args.gamma,
        eps=args.eps,
        metric=args.metric,
        laplacian=args.laplacian,
        eigen_solver=args.solver,
        assign_labels=args.assign,
        random_state=args.seed,
    )
    t0 = time.perf_counter()
    with heartbeat(f"clustering {X.shape[0]} samples"):
        labels = model.fit_predict(scale_columns(X, args.scale))
    return model, labels, time.perf_counter() - t0


def _write_outputs(args: argparse.Namespace, X: np.ndarray, model: SpectralClustering, labels: np.ndarray) -> None:
    """The label CSV and the two plots, those asked for."""
    from unsup.spectral import SpectralEmbedding
    from unsup.spectral.plot import plot_clusters, plot_eigenvalues

    if args.out:
        atomic_write_bytes(args.out, ("label\n" + "\n".join(map(str, labels)) + "\n").encode())
    if args.plot:
        raw = X.shape[1] in (2, 3)
        # High-dimensional data is drawn in a 2-D spectral embedding of the graph the clustering already built.
        embed = SpectralEmbedding(2, affinity="precomputed", random_state=0)
        pts = X if raw else embed.fit_transform(model.affinity_matrix_)
        shown = "data" if raw else "spectral embedding"
        plot_clusters(pts, labels, args.plot, f"{model.n_clusters_} clusters ({shown})")
    if args.eigen_plot:
        plot_eigenvalues(model.eigenvalues_, model.n_clusters_, args.eigen_plot)


def _print_summary(result: dict, outputs: list[str], as_json: bool) -> None:
    if as_json:
        json.dump(result, sys.stdout, indent=2)
        print()
        return
    r = result
    print(f"{r['n_samples']} samples -> {r['n_clusters']} clusters, sizes {r['cluster_sizes']}, {r['seconds']} s")
    print(f"solver {r['eigen_solver']}, graph components {r['graph_components']}")
    print(f"cut {r['cut']:.6g}  ratio cut {r['ratio_cut']:.6g}  normalized cut {r['normalized_cut']:.6g}")
    for path in outputs:
        print(f"wrote {path}")


def cluster_command(args: argparse.Namespace) -> int:
    """``unsup cluster``: cluster the input file, write the requested outputs, print a summary; exit status 0."""
    import scipy.sparse as sp

    from unsup.data.tabular import load_table
    from unsup.spectral import partition_objectives, precomputed_affinity

    outputs = [p for p in (args.out, args.plot, args.eigen_plot) if p]
    prepare_outputs(outputs, args.force)
    X = load_table(args.input, args.key)
    _check_request(args, X)
    model, labels, seconds = _fit(args, X)
    # A kernel's affinity_matrix_ is dense with its diagonal (as scikit-learn's); cuts are on the graph solved.
    W = model.affinity_matrix_
    W = W if sp.issparse(W) else precomputed_affinity(W)
    result = {
        "input": str(args.input),
        "n_samples": int(X.shape[0]),
        "n_features": int(X.shape[1]),
        "n_clusters": int(model.n_clusters_),
        "cluster_sizes": np.bincount(labels).tolist(),
        "graph_components": int(model.n_components_graph_),
        "eigen_solver": model.eigen_solver_,
        "eigenvalues": model.eigenvalues_.tolist(),
        "seconds": round(seconds, 3),
        **partition_objectives(W, labels),
    }
    _write_outputs(args, X, model, labels)
    _print_summary(result, outputs, args.json)
    return 0


def register(cli: CLI) -> None:
    """Add ``unsup cluster``."""
    from unsup.spectral.laplacian import KINDS
    from unsup.spectral.options import AFFINITIES, METHODS, SOLVERS

    p = cli.command("cluster", cluster_command, "Spectral clustering of a CSV/NPY/NPZ file (rows = samples).")
    p.add_argument("input", help="data file: .csv (optional header), .npy or .npz")
    p.add_argument("--key", help="array name inside an .npz file")
    p.add_argument("--k", type=_k, default="auto", help="number of clusters or 'auto' (eigengap; default)")
    p.add_argument("--affinity", choices=AFFINITIES, default="knn")
    p.add_argument("--n-neighbors", type=int, default=10)
    p.add_argument("--gamma", type=float, help="rbf width, 1/sigma^2 (default: median heuristic)")
    p.add_argument("--eps", type=float, help="radius for --affinity epsilon")
    p.add_argument("--metric", default="euclidean", help="distance for the graph affinities (e.g. cosine)")
    p.add_argument(
        "--scale",
        choices=SCALES,
        default="none",
        help="scale columns first: standard (mean 0, variance 1) or robust (median 0, IQR 1); default none",
    )
    p.add_argument("--laplacian", choices=KINDS, default="sym")
    p.add_argument("--solver", choices=SOLVERS, default="auto")
    p.add_argument("--assign", choices=METHODS, default="kmeans")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="write labels to this CSV")
    p.add_argument("--plot", help="write a scatter plot coloured by cluster (PNG)")
    p.add_argument("--eigen-plot", help="write the eigenvalue plot with the chosen gap (PNG)")
    p.add_argument("--json", action="store_true", help="print a machine-readable summary")
    p.add_argument("--force", action="store_true", help="overwrite existing output files")

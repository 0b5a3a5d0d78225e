"""``unsup cluster``: spectral clustering of a CSV/NPY/NPZ file."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from unsup._run import atomic_write_bytes, refuse_overwrite
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
    from unsup.data.tabular import load_table
    from unsup.spectral import partition_objectives, precomputed_affinity

    outputs = [p for p in (args.out, args.plot, args.eigen_plot) if p]
    for path in outputs:
        refuse_overwrite(path, args.force)
    X = load_table(args.input, args.key)
    if args.k != "auto" and args.k > X.shape[0]:
        raise UsageError(f"--k {args.k} is larger than the number of samples ({X.shape[0]})")
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
    from unsup.spectral.affinity import AFFINITIES
    from unsup.spectral.assign import METHODS
    from unsup.spectral.eigen import SOLVERS
    from unsup.spectral.laplacian import KINDS

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

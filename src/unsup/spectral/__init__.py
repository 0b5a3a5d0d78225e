"""Spectral clustering: similarity graphs, Laplacians, cuts, eigensolvers and the estimators.

Names are imported on first use, so ``unsup cluster --help`` starts without scikit-learn.
"""

from unsup._lazy import lazy_exports

_WHERE = {
    "assign": ("cluster_qr", "discretize", "eigengap"),
    "cuts": ("cut", "normalized_cut", "partition_objectives", "ratio_cut", "volume"),
    "eigen": ("Spectrum", "smallest_eigenpairs"),
    "estimators": ("SpectralClustering", "SpectralEmbedding"),
    "functional": ("spectral_clustering", "spectral_embedding"),
    "graph": (
        "epsilon_graph",
        "gaussian_kernel",
        "gaussian_knn_graph",
        "knn_graph",
        "knn_search",
        "precomputed_affinity",
        "self_tuning_graph",
    ),
}
_lazy_all, __getattr__, _ = lazy_exports(__name__, {n: f"{__name__}.{m}" for m, ns in _WHERE.items() for n in ns})

# Imported now (NumPy and SciPy only): the function ``laplacian`` must shadow the submodule of the same name.
from unsup.spectral.laplacian import degree, laplacian  # noqa: E402, F401  (public, in __all__)

__all__ = sorted([*_lazy_all, "degree", "laplacian"])


def __dir__() -> list[str]:
    return __all__

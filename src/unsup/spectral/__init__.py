"""Spectral clustering: similarity graphs, Laplacians, cuts, eigensolvers and the estimators.

Names are imported on first use (PEP 562), so ``unsup cluster --help`` starts without scikit-learn.
"""

from __future__ import annotations

import importlib
from typing import Any

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
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}

# Imported now (NumPy and SciPy only): the function ``laplacian`` must shadow the submodule of the same name.
from unsup.spectral.laplacian import degree, laplacian  # noqa: E402

__all__ = [
    "SpectralClustering",
    "SpectralEmbedding",
    "Spectrum",
    "cluster_qr",
    "cut",
    "degree",
    "discretize",
    "eigengap",
    "epsilon_graph",
    "gaussian_kernel",
    "gaussian_knn_graph",
    "knn_graph",
    "knn_search",
    "laplacian",
    "normalized_cut",
    "partition_objectives",
    "precomputed_affinity",
    "ratio_cut",
    "self_tuning_graph",
    "smallest_eigenpairs",
    "spectral_clustering",
    "spectral_embedding",
    "volume",
]


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_MODULE_OF[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])

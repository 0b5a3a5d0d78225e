"""Spectral clustering: similarity graphs, Laplacians, cuts, eigensolvers and the estimators."""

from unsup.spectral.assign import cluster_qr, discretize, eigengap
from unsup.spectral.cuts import cut, normalized_cut, partition_objectives, ratio_cut, volume
from unsup.spectral.eigen import Spectrum, smallest_eigenpairs
from unsup.spectral.estimators import SpectralClustering, SpectralEmbedding
from unsup.spectral.functional import spectral_clustering, spectral_embedding
from unsup.spectral.graph import (
    epsilon_graph,
    gaussian_kernel,
    gaussian_knn_graph,
    knn_graph,
    knn_search,
    precomputed_affinity,
    self_tuning_graph,
)
from unsup.spectral.laplacian import degree, laplacian

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

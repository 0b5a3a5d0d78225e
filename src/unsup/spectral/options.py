"""The choices of the spectral estimators' string parameters, in a module light enough for ``unsup cluster --help``."""

GRAPHS = ("knn", "mutual_knn", "self_tuning", "epsilon")
# scikit-learn's ``sklearn.metrics.pairwise.kernel_metrics()`` names, written out so that ``--help`` needs no
# scikit-learn (tests/spectral/test_affinity.py checks that they agree).
KERNELS = ("additive_chi2", "chi2", "cosine", "laplacian", "linear", "poly", "polynomial", "rbf", "sigmoid")
PRECOMPUTED = ("precomputed", "precomputed_nearest_neighbors")
# scikit-learn's names for our affinities, so that code written for sklearn.cluster.SpectralClustering runs.
ALIASES = {"nearest_neighbors": "knn"}
AFFINITIES = (*GRAPHS, *KERNELS, *PRECOMPUTED, *ALIASES)
SOLVERS = ("auto", "dense", "amg", "lobpcg", "arpack")
METHODS = ("kmeans", "discretize", "cluster_qr")

"""The choices of the spectral estimators' string parameters, in a module light enough for ``unsup cluster --help``."""

AFFINITIES = ("knn", "mutual_knn", "rbf", "self_tuning", "epsilon", "precomputed")
SOLVERS = ("auto", "dense", "amg", "lobpcg", "arpack")
METHODS = ("kmeans", "discretize", "cluster_qr")

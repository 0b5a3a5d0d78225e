"""scikit-learn's own spectral tests, run against unsup.

``sklearn/cluster/tests/test_spectral.py`` and ``sklearn/manifold/tests/test_spectral_embedding.py`` are imported
from the installed scikit-learn (nothing is copied here) and their test functions collected in this module. For
each test the names they import from scikit-learn are replaced by unsup's (``SWAPS``), so the estimators, the
functional forms and the label-assignment helpers under test are ours. The few tests that do not apply are
skipped with the intended difference as the reason (``SKIPS``, listed in docs/spectral.md).
"""

import os
import re

import pytest

import unsup.spectral as us
from unsup.spectral import eigen

cluster_tests = pytest.importorskip("sklearn.cluster.tests.test_spectral")
manifold_tests = pytest.importorskip("sklearn.manifold.tests.test_spectral_embedding")


SWAPS = {
    cluster_tests: {
        "SpectralClustering": us.SpectralClustering,
        "spectral_clustering": us.spectral_clustering,
        "cluster_qr": us.cluster_qr,
        "discretize": us.discretize,
    },
    manifold_tests: {
        "SpectralEmbedding": us.SpectralEmbedding,
        "spectral_embedding": us.spectral_embedding,
        # test_spectral_eigen_tol_auto mocks the solver functions on this module.
        "_spectral_embedding": eigen,
    },
}

_PRIVATE = "tests a scikit-learn private helper ({}); unsup uses scipy.sparse.csgraph.connected_components"
SKIPS = {
    "test_cluster__test_affinities": "the default affinity is 'knn' (scikit-learn: 'rbf'), so SpectralClustering(2, "
    "gamma=2) warns and builds a kNN graph; the rest is tests/spectral/test_affinity.py",
    "test_manifold__test_sparse_graph_connected_component": _PRIVATE.format("_graph_connected_component"),
    "test_manifold__test_connectivity": _PRIVATE.format("_graph_is_connected"),
    "test_manifold__test_fallback_amg": "unsup runs AMG on dense and small graphs too (no fallback, no warning)",
    r"test_manifold__test_spectral_eigen_tol_auto\[.*(lobpcg|amg)\]": "eigen_tol='auto' is a LOBPCG residual of "
    "1e-5 in unsup, not scipy's default n*sqrt(eps), which loosens as n grows",
}

for _prefix, _module in (("test_cluster__", cluster_tests), ("test_manifold__", manifold_tests)):
    for _name in dir(_module):
        if _name.startswith("test_"):
            globals()[_prefix + _name] = getattr(_module, _name)


@pytest.fixture(params=[int(os.environ.get("SKLEARN_TESTS_GLOBAL_RANDOM_SEED", "42"))])
def global_random_seed(request):
    """scikit-learn's seed fixture (its conftest is not loaded here): 42 unless the variable says otherwise."""
    return request.param


@pytest.fixture(autouse=True)
def _unsup_in_place_of_sklearn(request, monkeypatch):
    for pattern, reason in SKIPS.items():
        if re.fullmatch(pattern + r"(\[.*)?", request.node.name):
            pytest.skip(reason)
    for module, names in SWAPS.items():
        for name, ours in names.items():
            monkeypatch.setattr(module, name, ours)

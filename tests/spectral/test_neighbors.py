import pickle
import sys

import numpy as np
import pytest
from sklearn.datasets import make_circles
from sklearn.metrics import adjusted_rand_score
from sklearn.neighbors import NearestNeighbors

from unsup.spectral import SpectralClustering, neighbors
from unsup.spectral.neighbors import NeighborIndex, knn, sampled_recall


def embedded_circles(n, dim=64, seed=0):
    """Concentric circles rotated into R^dim with isotropic noise 0.01 per coordinate."""
    X2, y = make_circles(n, noise=0.05, factor=0.5, random_state=seed)
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((dim, 2)))
    return (X2 @ Q.T + 0.01 * rng.standard_normal((n, dim))).astype(np.float32), y


def brute(X, k, metric):
    nn = NearestNeighbors(n_neighbors=k + 1, metric=metric, algorithm="brute").fit(X)
    dist, ind = nn.kneighbors(X)
    return dist[:, 1:], ind[:, 1:]


@pytest.fixture
def no_faiss(monkeypatch):
    monkeypatch.setitem(sys.modules, "faiss", None)  # import faiss -> ImportError


def test_exact_cosine_matches_brute_force():
    X = np.random.default_rng(0).standard_normal((300, 20))
    dist, ind = knn(X, 5, metric="cosine", method="exact")
    ref_dist, ref_ind = brute(X, 5, "cosine")
    np.testing.assert_array_equal(ind, ref_ind)
    np.testing.assert_allclose(dist, ref_dist, atol=1e-12)


def test_sampled_recall_is_one_for_exact_lists_and_drops_for_wrong_ones():
    X, _ = embedded_circles(800, dim=20)
    _, ind = knn(X, 8, method="exact")
    assert sampled_recall(X, ind, n_sample=100) == 1.0
    shuffled = np.random.default_rng(0).permutation(ind)  # rows belong to other points now
    assert sampled_recall(X, shuffled, n_sample=100) < 0.1


def test_auto_is_exact_in_low_dimension_or_small_n():
    assert neighbors.resolve_method(10**6, 2) == "exact"
    assert neighbors.resolve_method(1000, 128) == "exact"


def test_without_faiss_auto_falls_back_and_approximate_names_the_extra(no_faiss):
    assert neighbors.resolve_method(10**6, 128, "auto") == "exact"
    with pytest.raises(ImportError, match=r"unsup\[ann\]"):
        neighbors.resolve_method(10, 128, "approximate")
    X, y = embedded_circles(400, dim=32)
    model = SpectralClustering(2, random_state=0).fit(X)
    assert model.knn_method_ == "exact"
    with pytest.raises(ImportError, match="faiss"):
        SpectralClustering(2, knn_method="approximate").fit(X)


def test_bad_metric_and_method_name_themselves():
    X = np.zeros((10, 3))
    with pytest.raises(ValueError, match="metric"):
        NeighborIndex(X, metric="manhattan")
    with pytest.raises(ValueError, match="knn_method"):
        NeighborIndex(X, method="fast")
    with pytest.raises(ValueError, match="knn_method"):
        SpectralClustering(2, knn_method="fast").fit(X)


needs_faiss = pytest.mark.skipif(not neighbors.have_faiss(), reason="faiss-cpu (unsup[ann]) not installed")


@needs_faiss
@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_approximate_recall_on_a_seeded_set(metric):
    X, _ = embedded_circles(4000, dim=64)
    dist, ind = knn(X, 10, metric=metric, method="approximate", random_state=0)
    assert ind.dtype == np.int32 and ind.shape == (4000, 10)
    assert not np.any(ind == np.arange(4000)[:, None])  # no point is its own neighbour
    assert np.all(np.diff(dist, axis=1) >= -1e-6)  # sorted
    assert sampled_recall(X, ind, metric=metric, n_sample=300) >= 0.97
    # Distances are the metric's (not squared, not on the unit sphere for euclidean).
    row = 123
    Xd = X.astype(np.float64)
    if metric == "euclidean":
        exact = np.sqrt(((Xd - Xd[row]) ** 2).sum(1))
    else:
        U = Xd / np.linalg.norm(Xd, axis=1, keepdims=True)
        exact = 1 - U @ U[row]
    np.testing.assert_allclose(dist[row], exact[ind[row]], rtol=1e-3, atol=1e-5)


@needs_faiss
def test_approximate_is_deterministic_under_random_state():
    X, _ = embedded_circles(3000, dim=48)
    first = knn(X, 10, method="approximate", random_state=0)
    second = knn(X, 10, method="approximate", random_state=0)
    np.testing.assert_array_equal(first[1], second[1])
    np.testing.assert_array_equal(first[0], second[0])


@needs_faiss
def test_index_queries_in_batches_and_survives_pickling():
    X, _ = embedded_circles(2000, dim=40)
    index = NeighborIndex(X[:1500], method="approximate", random_state=0)
    whole = index.query(X[1500:], 5)
    batched = index.query(X[1500:], 5, batch_size=64)
    np.testing.assert_array_equal(whole[1], batched[1])
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(index)).query(X[1500:], 5)[1], whole[1])


@needs_faiss
def test_estimator_with_approximate_search_clusters_and_predicts():
    X, y = embedded_circles(3000, dim=64)
    model = SpectralClustering(2, knn_method="approximate", knn_recall=True, random_state=0).fit(X[:2500])
    assert model.knn_method_ == "approximate" and model.knn_recall_ >= 0.97
    assert adjusted_rand_score(y[:2500], model.labels_) > 0.99
    assert adjusted_rand_score(y[2500:], model.predict(X[2500:])) > 0.99
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X[2500:]), model.predict(X[2500:]))
    exact = SpectralClustering(2, knn_method="exact", random_state=0).fit(X[:2500])
    assert adjusted_rand_score(exact.labels_, model.labels_) == 1.0


def test_lanczos_first_agrees_with_shift_invert_on_a_high_dimensional_graph():
    from unsup.spectral import knn_graph, smallest_eigenpairs

    X = np.random.default_rng(0).standard_normal((2500, 40))  # a kNN expander: plain Lanczos converges
    W = knn_graph(X, 10)
    plain = smallest_eigenpairs(W, 6, "sym", "arpack", random_state=0, lanczos_first=True)
    shift_invert = smallest_eigenpairs(W, 6, "sym", "arpack", random_state=0)
    np.testing.assert_allclose(plain.eigenvalues, shift_invert.eigenvalues, atol=1e-8)
    np.testing.assert_allclose(np.abs(plain.eigenvectors.T @ shift_invert.eigenvectors).diagonal(), 1, atol=1e-6)


@needs_faiss
def test_predict_through_the_index_maps_the_locality_order_back(monkeypatch):
    from sklearn.datasets import make_moons

    import unsup.spectral.estimators as est

    monkeypatch.setattr(est, "REORDER_MIN", 100)  # 2-D data: the fit runs in kd-tree order
    X, y = make_moons(2200, noise=0.05, random_state=0)
    model = SpectralClustering(2, knn_method="approximate", random_state=0).fit(X[:2000])
    assert model._order is not None and model.knn_method_ == "approximate"
    assert adjusted_rand_score(y[2000:], model.predict(X[2000:])) > 0.99

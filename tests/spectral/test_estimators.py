import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_iris, make_blobs, make_circles, make_moons
from sklearn.metrics import adjusted_rand_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from unsup.spectral import SpectralClustering, SpectralEmbedding, eigengap, smallest_eigenpairs


def two_cliques(n=6, bridge=0.1):
    W = np.zeros((2 * n, 2 * n))
    W[:n, :n] = W[n:, n:] = 1
    np.fill_diagonal(W, 0)
    W[n - 1, n] = W[n, n - 1] = bridge
    return sp.csr_matrix(W)


def test_fiedler_vector_splits_two_cliques():
    spec = smallest_eigenpairs(two_cliques(), 2, kind="unnormalized")
    fiedler = spec.eigenvectors[:, 1]
    assert np.all(np.sign(fiedler[:6]) == np.sign(fiedler[0]))
    assert np.all(np.sign(fiedler[6:]) == -np.sign(fiedler[0]))


@pytest.mark.parametrize("solver", ["dense", "amg", "lobpcg", "arpack"])
def test_solvers_agree_with_dense_eigh(solver):
    X, _ = make_moons(600, noise=0.08, random_state=0)
    from unsup.spectral import knn_graph, laplacian

    W = knn_graph(X, 8)
    ref = np.linalg.eigvalsh(laplacian(W, "sym").toarray())[:4]
    spec = smallest_eigenpairs(W, 4, "sym", solver=solver, tol=1e-8, random_state=0)
    np.testing.assert_allclose(spec.eigenvalues, ref, atol=1e-6)
    L = laplacian(W, "sym")
    resid = L @ spec.eigenvectors - spec.eigenvectors * spec.eigenvalues
    assert np.abs(resid).max() < 1e-3


@pytest.mark.parametrize(
    "data",
    [make_moons(1500, noise=0.05, random_state=0), make_circles(1500, noise=0.05, factor=0.5, random_state=0)],
    ids=["moons", "circles"],
)
@pytest.mark.parametrize("laplacian", ["sym", "rw", "unnormalized"])
def test_perfect_on_moons_and_circles(data, laplacian):
    X, y = data
    labels = SpectralClustering(2, laplacian=laplacian, random_state=0).fit_predict(X)
    assert adjusted_rand_score(y, labels) == 1.0


@pytest.mark.parametrize("assign", ["kmeans", "discretize", "cluster_qr"])
def test_assign_methods_on_blobs(assign):
    X, y = make_blobs(600, centers=4, cluster_std=0.5, random_state=3)
    labels = SpectralClustering(4, assign_labels=assign, random_state=0).fit_predict(X)
    assert adjusted_rand_score(y, labels) > 0.99


def test_iterative_solver_path_is_correct_on_moons(monkeypatch):
    import unsup.spectral.eigen as eigen

    monkeypatch.setattr(eigen, "DENSE_MAX", 100)
    monkeypatch.setattr(eigen, "ARPACK_MAX", 500)  # the auto path goes to AMG above this many vertices
    X, y = make_moons(2500, noise=0.08, random_state=0)  # a connected graph
    model = SpectralClustering(2, random_state=0).fit(X)
    assert model.n_components_graph_ == 1 and model.eigen_solver_ == "amg"
    dense = SpectralClustering(2, eigen_solver="dense", random_state=0).fit(X)
    np.testing.assert_allclose(model.eigenvalues_, dense.eigenvalues_, rtol=1e-4, atol=1e-9)
    assert adjusted_rand_score(dense.labels_, model.labels_) > 0.99
    assert adjusted_rand_score(y, model.labels_) > 0.9


@pytest.mark.parametrize("affinity", ["knn", "self_tuning"])
def test_locality_order_is_invisible_to_the_caller(monkeypatch, affinity):
    import unsup.spectral.estimators as est

    X, y = make_moons(1500, noise=0.08, random_state=0)
    plain = SpectralClustering(2, affinity=affinity, eigen_solver="dense", random_state=0).fit(X)
    monkeypatch.setattr(est, "REORDER_MIN", 100)  # the kd-tree order path, taken for large data
    reordered = SpectralClustering(2, affinity=affinity, eigen_solver="dense", random_state=0).fit(X)
    assert (reordered.affinity_matrix_ != plain.affinity_matrix_).nnz == 0
    assert reordered.affinity_matrix_.has_sorted_indices
    np.testing.assert_allclose(reordered.eigenvalues_, plain.eigenvalues_, atol=1e-10)
    # Same eigenvectors in the caller's row order (up to sign), hence the same clustering.
    np.testing.assert_allclose(np.abs(reordered.embedding_), np.abs(plain.embedding_), atol=1e-8)
    assert adjusted_rand_score(plain.labels_, reordered.labels_) == 1.0
    assert adjusted_rand_score(y, reordered.labels_) > 0.9
    # Out-of-sample values (the Nyström extension uses the training order and, for self_tuning, the scales).
    Xn, _ = make_moons(100, noise=0.08, random_state=1)
    embedding = SpectralEmbedding(affinity=affinity, eigen_solver="dense", random_state=0)
    ordered = embedding.fit(X).transform(Xn)
    monkeypatch.setattr(est, "REORDER_MIN", 10**9)
    np.testing.assert_allclose(np.abs(ordered), np.abs(embedding.fit(X).transform(Xn)), atol=1e-8)


def test_disconnected_graph_handled_without_warnings():
    X, y = make_blobs(400, centers=[[0, 0], [50, 50], [100, 0]], cluster_std=0.5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = SpectralClustering(3, random_state=0).fit(X)
    assert model.n_components_graph_ == 3
    np.testing.assert_allclose(model.eigenvalues_, 0)
    assert adjusted_rand_score(y, model.labels_) == 1.0
    # each zero-eigenvalue eigenvector is supported on exactly one component
    V = smallest_eigenpairs(model.affinity_matrix_, 3).eigenvectors
    assert sorted((np.abs(V) > 1e-12).sum(axis=0).tolist()) == sorted(np.bincount(y).tolist())


def test_auto_finds_k_on_separated_blobs():
    for k in (3, 5, 8):
        angles = 2 * np.pi * np.arange(k) / k
        centers = 10 * np.c_[np.cos(angles), np.sin(angles)]
        X, y = make_blobs(1500, centers=centers, cluster_std=0.8, random_state=k)
        model = SpectralClustering("auto", random_state=0).fit(X)
        assert model.n_clusters_ == k
        assert adjusted_rand_score(y, model.labels_) > 0.99


def test_eigengap_picks_largest_relative_gap():
    assert eigengap(np.array([0, 0, 0, 0.5, 0.6, 0.7])) == 3
    assert eigengap(np.array([0, 0.01, 0.02, 0.9, 0.95]), max_clusters=3) == 3


def test_deterministic_under_random_state():
    X, _ = make_blobs(800, centers=6, cluster_std=1.5, random_state=0)
    a = SpectralClustering(6, random_state=7).fit(X)
    b = SpectralClustering(6, random_state=7).fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_array_equal(a.embedding_, b.embedding_)


def test_predict_agrees_on_training_points_and_extends_sensibly():
    X, y = make_moons(2000, noise=0.05, random_state=0)
    model = SpectralClustering(2, random_state=0).fit(X)
    assert (model.predict(X) == model.labels_).mean() > 0.99
    Xn, yn = make_moons(500, noise=0.05, random_state=1)
    assert adjusted_rand_score(yn, model.predict(Xn)) > 0.98


def test_predict_with_rbf_and_self_tuning():
    X, y = make_blobs(300, centers=3, cluster_std=0.3, random_state=0)
    for affinity in ("rbf", "self_tuning", "mutual_knn"):
        model = SpectralClustering(3, affinity=affinity, random_state=0).fit(X)
        assert adjusted_rand_score(y, model.labels_) == 1.0, affinity
        assert (model.predict(X[:50]) == model.labels_[:50]).all(), affinity


def test_precomputed_affinity_and_predict_refusal():
    W = two_cliques(8)
    model = SpectralClustering(2, affinity="precomputed", random_state=0).fit(W)
    assert adjusted_rand_score([0] * 8 + [1] * 8, model.labels_) == 1.0
    with pytest.raises(ValueError, match="precomputed"):
        model.predict(W[:2])


def test_bad_parameters_name_themselves():
    X = np.random.default_rng(0).standard_normal((20, 2))
    with pytest.raises(ValueError, match="n_clusters"):
        SpectralClustering(30).fit(X)
    with pytest.raises(ValueError, match="affinity"):
        SpectralClustering(2, affinity="cosin").fit(X)
    with pytest.raises(ValueError, match="eps"):
        SpectralClustering(2, affinity="epsilon").fit(X)
    with pytest.raises(ValueError, match="NaN|infinity"):
        SpectralClustering(2).fit(np.array([[0.0, np.nan]] * 5))


def test_embedding_separates_iris_setosa():
    X, y = load_iris(return_X_y=True)
    emb = SpectralEmbedding(2, random_state=0).fit_transform(X)
    setosa, rest = emb[y == 0, 0], emb[y != 0, 0]
    assert setosa.max() < rest.min() or setosa.min() > rest.max()
    model = SpectralEmbedding(2, random_state=0).fit(X)
    new = model.transform(X)
    assert new.shape == (150, 2)
    # the Nyström extension of the training points stays close to their exact embedding (up to sign per axis)
    for j in range(2):
        assert abs(np.corrcoef(new[:, j], model.embedding_[:, j])[0, 1]) > 0.95


@parametrize_with_checks(
    [
        SpectralClustering(3, random_state=0),
        SpectralEmbedding(2, random_state=0),
        SpectralClustering(3, affinity="rbf", random_state=0),
        SpectralEmbedding(2, affinity="self_tuning", random_state=0),
    ]
)
def test_sklearn_estimator_checks(estimator, check):
    # No expected failures: transform(X_train) returns the training embedding exactly (see _nystrom).
    check(estimator)

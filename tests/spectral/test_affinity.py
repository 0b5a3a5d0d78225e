"""scikit-learn's affinities, spellings and parameters on unsup's estimators; sparse data; float32."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.cluster import SpectralClustering as SkSpectralClustering
from sklearn.datasets import make_blobs, make_moons
from sklearn.metrics import adjusted_rand_score
from sklearn.metrics.pairwise import kernel_metrics, rbf_kernel
from sklearn.neighbors import NearestNeighbors

from unsup.spectral import SpectralClustering, SpectralEmbedding, knn_graph, knn_search


def tight_blobs():
    return make_blobs(n_samples=20, random_state=0, centers=[[1, 1], [-1, -1]], cluster_std=0.01)


def test_sklearn_nearest_neighbors_counts_the_point_itself():
    # scikit-learn's n_neighbors=10 on 2 x 10 points: 9 real neighbours, one component per blob.
    X, y = tight_blobs()
    model = SpectralClustering(2, affinity="nearest_neighbors", random_state=0).fit(X)
    assert model.n_components_graph_ == 2 and adjusted_rand_score(y, model.labels_) == 1
    assert (model.affinity_matrix_.sum(axis=1) >= 9).all()
    assert SpectralClustering(2, affinity="knn", random_state=0).fit(X).n_components_graph_ == 1


@pytest.mark.parametrize("kernel", sorted(set(kernel_metrics()) - {"additive_chi2"}))
def test_every_pairwise_kernel_name(kernel):
    X = np.random.RandomState(10).rand(10, 5) * 10
    model = SpectralClustering(2, affinity=kernel, random_state=0).fit(X)
    assert model.labels_.shape == (10,) and set(model.labels_) == {0, 1}
    assert isinstance(model.affinity_matrix_, np.ndarray) and model.affinity_matrix_.shape == (10, 10)
    assert (model.predict(X) == model.labels_).all()  # training points get their own labels


def test_negative_kernel_is_a_named_error():
    X = np.random.RandomState(10).rand(10, 5) * 10
    with pytest.raises(ValueError, match="additive_chi2.*negative"):
        SpectralClustering(2, affinity="additive_chi2").fit(X)


def test_rbf_gamma_and_kernel_params_take_effect():
    X, y = tight_blobs()
    model = SpectralClustering(2, affinity="rbf", gamma=2, random_state=0).fit(X)
    assert adjusted_rand_score(y, model.labels_) == 1 and model.gamma_ == 2
    np.testing.assert_allclose(model.affinity_matrix_, rbf_kernel(X, gamma=2))
    poly = SpectralClustering(2, affinity="poly", degree=2, coef0=0.5, random_state=0).fit(X)
    np.testing.assert_allclose(poly.affinity_matrix_, (X @ X.T / 2 + 0.5) ** 2, rtol=1e-10)
    given = SpectralClustering(2, affinity="poly", kernel_params={"degree": 2, "coef0": 0.5}, random_state=0).fit(X)
    np.testing.assert_allclose(given.affinity_matrix_, poly.affinity_matrix_)


def test_callables_follow_sklearn_per_estimator():
    X = np.random.RandomState(10).rand(10, 5) * 10

    def histogram(x, y, **kwargs):
        assert kwargs == {}  # no parameters we did not ask for
        return np.minimum(x, y).sum()

    model = SpectralClustering(2, affinity=histogram, random_state=0).fit(X)
    expected = np.minimum(X[:, None, :], X[None, :, :]).sum(-1)
    np.testing.assert_allclose(model.affinity_matrix_, expected)
    # SpectralEmbedding's callable maps X to the whole matrix, as scikit-learn's does.
    emb = SpectralEmbedding(2, affinity=lambda Z: rbf_kernel(Z, gamma=0.1), random_state=0).fit(X)
    np.testing.assert_allclose(emb.affinity_matrix_, rbf_kernel(X, gamma=0.1))
    with pytest.raises(ValueError, match="out-of-sample"):
        emb.transform(X)


@pytest.mark.parametrize(
    "params, name",
    [
        ({"gamma": 2}, "gamma"),
        ({"degree": 2, "affinity": "rbf"}, "degree"),
        ({"eps": 1.0}, "eps"),
        ({"metric": "cosine", "affinity": "rbf"}, "metric"),
        ({"kernel_params": {"a": 1}}, "kernel_params"),
    ],
)
def test_unused_parameter_is_reported(params, name):
    X, _ = tight_blobs()
    with pytest.warns(UserWarning, match=f"{name}=.* is not used by affinity"):
        SpectralClustering(2, random_state=0, **params).fit(X)


def test_used_parameters_are_silent():
    X, _ = tight_blobs()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SpectralClustering(2, affinity="sigmoid", gamma=0.1, coef0=1.0, random_state=0).fit(X)
        SpectralClustering(2, affinity="epsilon", eps=1.0, metric="manhattan", random_state=0).fit(X)


def test_precomputed_nearest_neighbors_matches_knn():
    X, y = make_moons(300, noise=0.05, random_state=0)
    D = NearestNeighbors(n_neighbors=15).fit(X).kneighbors_graph(X, mode="distance")
    model = SpectralClustering(2, affinity="precomputed_nearest_neighbors", n_neighbors=11, random_state=0).fit(D)
    # kneighbors_graph(X) stores each point as its own nearest: 11 kept entries are 10 real neighbours.
    assert (model.affinity_matrix_ != knn_graph(X, 10)).nnz == 0
    assert adjusted_rand_score(y, model.labels_) == 1
    with pytest.raises(ValueError, match="precomputed"):
        model.predict(D[:3])


def test_eigen_tol_zero_and_auto_mean_solver_default():
    X, _ = make_moons(400, noise=0.05, random_state=0)
    ref = SpectralClustering(2, eigen_solver="arpack", random_state=0).fit(X)
    for tol in (0, "auto", None):
        model = SpectralClustering(2, eigen_solver="arpack", eigen_tol=tol, random_state=0).fit(X)
        np.testing.assert_array_equal(model.embedding_, ref.embedding_)
    with pytest.raises(ValueError, match="eigen_tol"):
        SpectralClustering(2, eigen_tol=-1).fit(X)


def test_n_components_sets_the_embedding_width():
    X, _ = make_blobs(200, centers=3, random_state=0)
    model = SpectralClustering(3, n_components=5, random_state=0).fit(X)
    assert model.embedding_.shape == (200, 5) and model.n_clusters_ == 3
    assert model.predict(X[:10]).shape == (10,)


def test_verbose_reports_the_assignment(capsys):
    X, _ = tight_blobs()
    SpectralClustering(2, verbose=1, random_state=0).fit(X)
    out = capsys.readouterr().out
    assert "Computing label assignment using kmeans" in out and "Initialization complete" in out


def tfidf_like(n=600, vocab=400, topics=3, seed=0):
    """Sparse rows with planted topics: each document draws most words from its topic's slice of the vocabulary."""
    rng = np.random.default_rng(seed)
    y = rng.integers(topics, size=n)
    rows, cols = [], []
    for i, t in enumerate(y):
        words = np.where(
            rng.random(20) < 0.7,
            rng.integers(t * vocab // topics, (t + 1) * vocab // topics, 20),
            rng.integers(vocab, size=20),
        )
        rows += [i] * 20
        cols += words.tolist()
    X = sp.csr_matrix((rng.random(len(rows)) + 0.5, (rows, cols)), shape=(n, vocab))
    X.sum_duplicates()
    return X, y


@pytest.mark.parametrize("affinity", ["knn", "mutual_knn", "self_tuning"])
def test_sparse_cosine_graphs_without_densifying(affinity, monkeypatch):
    X, y = tfidf_like()
    monkeypatch.setattr(sp.csr_matrix, "toarray", lambda *a, **k: pytest.fail("densified"))
    model = SpectralClustering(3, affinity=affinity, metric="cosine", n_neighbors=15, random_state=0).fit(X)
    assert adjusted_rand_score(y, model.labels_) > 0.9
    assert (model.predict(X[:50]) == model.labels_[:50]).all()


def test_sparse_and_dense_give_the_same_graph():
    X, _ = tfidf_like(200)
    for metric in ("cosine", "euclidean"):
        a = SpectralClustering(3, metric=metric, random_state=0).fit(X)
        b = SpectralClustering(3, metric=metric, random_state=0).fit(X.toarray())
        assert (a.affinity_matrix_ != b.affinity_matrix_).nnz == 0
    d, _ = knn_search(X, 5, metric="cosine")
    assert d.min() >= 0 and d.max() <= 1
    eps = SpectralClustering(3, affinity="epsilon", eps=0.95, metric="cosine", random_state=0).fit(X)
    assert eps.affinity_matrix_.nnz > 0


@pytest.mark.parametrize("affinity", ["knn", "rbf", "precomputed"])
def test_float32_in_float32_out(affinity):
    X, y = make_moons(300, noise=0.05, random_state=0)
    X32 = (rbf_kernel(X, gamma=20) if affinity == "precomputed" else X).astype(np.float32)
    model = SpectralClustering(2, affinity=affinity, random_state=0).fit(X32)
    assert model.embedding_.dtype == np.float32 and model.affinity_matrix_.dtype == np.float32
    ref = SpectralClustering(2, affinity=affinity, random_state=0).fit(X32.astype(np.float64))
    assert adjusted_rand_score(ref.labels_, model.labels_) == 1
    emb = SpectralEmbedding(2, affinity=affinity, random_state=0).fit_transform(X32)
    assert emb.dtype == np.float32


def test_same_answer_as_sklearn_rbf_on_blobs():
    X, y = make_blobs(300, centers=3, cluster_std=0.5, random_state=1)
    ours = SpectralClustering(3, affinity="rbf", gamma=0.5, random_state=0).fit(X)
    theirs = SkSpectralClustering(3, affinity="rbf", gamma=0.5, random_state=0).fit(X)
    np.testing.assert_allclose(ours.affinity_matrix_, theirs.affinity_matrix_)
    assert adjusted_rand_score(ours.labels_, theirs.labels_) == 1


def test_n_jobs_is_accepted_and_changes_nothing():
    X, y = tfidf_like(300)
    one = SpectralClustering(3, metric="cosine", random_state=0).fit(X)
    two = SpectralClustering(3, metric="cosine", n_jobs=2, random_state=0).fit(X)
    assert (one.affinity_matrix_ != two.affinity_matrix_).nnz == 0
    np.testing.assert_array_equal(one.labels_, two.labels_)
    assert SpectralEmbedding(2, n_jobs=-1).get_params()["n_jobs"] == -1


def test_the_cli_choice_list_names_every_scikit_learn_kernel():
    from unsup.spectral.options import KERNELS

    assert KERNELS == tuple(sorted(kernel_metrics()))

import numpy as np
import pytest
import scipy.sparse as sp

from unsup.spectral import (
    cut,
    epsilon_graph,
    gaussian_kernel,
    gaussian_knn_graph,
    knn_graph,
    laplacian,
    normalized_cut,
    partition_objectives,
    ratio_cut,
    self_tuning_graph,
    volume,
)


@pytest.fixture
def weighted_graph():
    rng = np.random.default_rng(0)
    W = sp.random(40, 40, density=0.2, random_state=1, data_rvs=rng.random)
    return sp.csr_matrix(W + W.T)


def test_quadratic_form_equals_edge_sum(weighted_graph):
    W = weighted_graph
    L = laplacian(W, "unnormalized")
    x = np.random.default_rng(1).standard_normal(W.shape[0])
    i, j = W.nonzero()
    edges = 0.5 * np.sum(np.asarray(W[i, j]).ravel() * (x[i] - x[j]) ** 2)
    assert x @ (L @ x) == pytest.approx(edges, rel=1e-12)


def test_laplacian_annihilates_constants_and_is_psd(weighted_graph):
    L = laplacian(weighted_graph, "unnormalized").toarray()
    np.testing.assert_allclose(L @ np.ones(len(L)), 0, atol=1e-12)
    assert np.linalg.eigvalsh(L).min() > -1e-10


@pytest.mark.parametrize("kind", ["sym", "rw"])
def test_normalized_spectra_in_0_2(weighted_graph, kind):
    L = laplacian(weighted_graph, kind).toarray()
    lam = np.linalg.eigvals(L).real
    assert lam.min() > -1e-10 and lam.max() < 2 + 1e-10
    assert lam.min() == pytest.approx(0, abs=1e-10)


def test_dense_and_sparse_laplacians_agree(weighted_graph):
    for kind in ("unnormalized", "sym", "rw"):
        np.testing.assert_allclose(laplacian(weighted_graph, kind).toarray(), laplacian(weighted_graph.toarray(), kind))


def test_isolated_vertex_has_zero_row_in_normalized_laplacian():
    W = sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]], dtype=float))
    L = laplacian(W, "sym").toarray()
    np.testing.assert_allclose(L[2], 0)
    np.testing.assert_allclose(L[:2, :2], [[1, -1], [-1, 1]])


def test_knn_graph_is_or_symmetrised_and_mutual_is_and():
    X = np.array([[0.0], [1.0], [1.5], [10.0]])
    W = knn_graph(X, 1).toarray()
    # nearest neighbours: 0->1, 1->2, 2->1, 3->2 ; OR graph has edges 01, 12, 23
    expected = np.zeros((4, 4))
    for a, b in [(0, 1), (1, 2), (2, 3)]:
        expected[a, b] = expected[b, a] = 1
    np.testing.assert_array_equal(W, expected)
    M = knn_graph(X, 1, mode="and").toarray()
    assert M[1, 2] == 1 and M.sum() == 2


def test_knn_graph_tolerates_duplicate_points():
    X = np.array([[0.0, 0], [0, 0], [0, 0], [5, 5], [5, 6]])
    W = knn_graph(X, 2)
    assert W.diagonal().sum() == 0 and (W != W.T).nnz == 0


def test_gaussian_weights_match_formula():
    X = np.random.default_rng(0).standard_normal((30, 3))
    K = gaussian_kernel(X, sigma=1.5)
    d2 = ((X[:, None] - X[None]) ** 2).sum(-1)
    np.testing.assert_allclose(K, np.exp(-d2 / 1.5**2))
    G = gaussian_knn_graph(X, 5, sigma=1.5)
    i, j = G.nonzero()
    np.testing.assert_allclose(np.asarray(G[i, j]).ravel(), np.exp(-d2[i, j] / 1.5**2))


def test_self_tuning_and_epsilon_graphs_symmetric():
    X = np.random.default_rng(0).standard_normal((50, 2))
    for W in (self_tuning_graph(X, 8), epsilon_graph(X, 0.5)):
        assert (abs(W - W.T) > 1e-12).nnz == 0 and W.diagonal().sum() == 0
    E = epsilon_graph(X, 0.5).toarray()
    d = np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))
    np.testing.assert_array_equal(E > 0, (d <= 0.5) & ~np.eye(50, dtype=bool))


def test_dense_kernel_refuses_when_it_cannot_fit():
    with pytest.raises(ValueError, match="knn"):
        from unsup.spectral.graph import check_dense_fits

        check_dense_fits(10**7, 10**7)


def test_cut_objectives_two_way_match_lecture():
    # two triangles joined by one edge of weight 0.5
    W = np.zeros((6, 6))
    for a, b in [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)]:
        W[a, b] = W[b, a] = 1
    W[2, 3] = W[3, 2] = 0.5
    labels = np.array([0, 0, 0, 1, 1, 1])
    assert cut(W, labels) == pytest.approx(0.5)
    assert ratio_cut(W, labels) == pytest.approx(0.5 * (1 / 3 + 1 / 3))
    vol = volume(W, labels == 0)
    assert vol == pytest.approx(6.5)
    assert normalized_cut(W, labels) == pytest.approx(0.5 * (1 / 6.5 + 1 / 6.5))
    worse = partition_objectives(W, np.array([0, 0, 1, 1, 1, 1]))
    assert worse["cut"] > cut(W, labels) and worse["normalized_cut"] > normalized_cut(W, labels)

"""The memory-lean graph pieces (batched kd-tree search, the OR/AND merge, the symmetric re-indexing, components
in first-vertex order) against their plain definitions."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from unsup.spectral import graph
from unsup.spectral.eigen import components


def _lists(n=400, k=6, seed=0):
    X = np.random.default_rng(seed).standard_normal((n, 2))
    return X, graph.knn_search(X, k)[1]


def test_batched_search_equals_one_batch(monkeypatch):
    X = np.random.default_rng(1).standard_normal((1000, 3))
    X[500] = X[499]  # a duplicate: its own entry may hide behind its twin
    dist, ind = graph.knn_search(X, 5)
    monkeypatch.setattr(graph, "QUERY_BATCH", 64)
    dist_b, ind_b = graph.knn_search(X, 5)
    none, ind_c = graph.knn_search(X, 5, return_distance=False)
    np.testing.assert_array_equal(ind, ind_b)
    np.testing.assert_array_equal(ind, ind_c)
    np.testing.assert_allclose(dist, dist_b)
    assert none is None and ind.dtype == np.int32 and not np.any(ind == np.arange(1000)[:, None])


@pytest.mark.parametrize("mode", ["or", "and"])
def test_lists_graph_is_the_symmetrised_directed_graph(mode):
    _, ind = _lists()
    n, k = ind.shape
    A = sp.csr_matrix((np.ones(n * k), ind.ravel(), np.arange(0, n * k + 1, k)), shape=(n, n)).toarray()
    expected = np.maximum(A, A.T) if mode == "or" else np.minimum(A, A.T)
    W = graph.knn_lists_graph(ind, mode, np.float32)
    assert W.dtype == np.float32 and W.has_sorted_indices
    np.testing.assert_array_equal(W.toarray(), expected)


def test_lists_graph_drops_self_entries():
    ind = np.array([[1, 0], [0, 2], [1, 2]])  # row 2 lists itself
    W = graph.knn_lists_graph(ind).toarray()
    assert W.diagonal().sum() == 0
    np.testing.assert_array_equal(W, [[0, 1, 0], [1, 0, 1], [0, 1, 0]])


@pytest.mark.parametrize("weighted", [False, True])
def test_reorder_is_the_symmetric_permutation(weighted):
    rng = np.random.default_rng(2)
    W = sp.random(300, 300, density=0.03, random_state=3, format="csr")
    W = (W + W.T).tocsr()
    if not weighted:
        W.data[:] = 1
    order = rng.permutation(300)
    P = sp.csr_matrix((np.ones(300), (order, np.arange(300))), shape=(300, 300))  # P[order[a], a] = 1
    expected = (P @ W @ P.T).toarray()
    out = graph.reorder(W.copy(), order)
    assert out.has_sorted_indices and out.dtype == W.dtype
    np.testing.assert_array_equal(out.toarray(), expected)


def test_components_are_numbered_by_first_vertex():
    X = np.concatenate([np.random.default_rng(4).standard_normal((50, 2)) + 40 * c for c in (2, 0, 1)])
    W = graph.knn_graph(X[np.random.default_rng(5).permutation(150)], 5)
    n_ref, ref = connected_components(W, directed=False)
    n, labels = components(W)
    assert n == n_ref == 3
    np.testing.assert_array_equal(labels, ref)  # scipy's undirected search also numbers by first vertex


def test_kmeans_on_one_row_per_component_gives_the_full_partition(monkeypatch):
    from sklearn.metrics import adjusted_rand_score

    import unsup.spectral.estimators as est
    from unsup.spectral import SpectralClustering
    from unsup.spectral.assign import assign_labels

    X = np.concatenate([np.random.default_rng(c).standard_normal((60, 2)) + 50 * c for c in range(4)])
    rows = []
    monkeypatch.setattr(est, "assign_labels", lambda E, *a, **kw: rows.append(len(E)) or assign_labels(E, *a, **kw))
    model = SpectralClustering(4, random_state=0).fit(X)
    assert rows == [4]  # four components, four rows
    full = assign_labels(model.embedding_, 4, "kmeans", 0)
    assert adjusted_rand_score(full, model.labels_) == 1.0
    assert adjusted_rand_score(np.repeat(np.arange(4), 60), model.labels_) == 1.0


@pytest.mark.parametrize("kind", ["unnormalized", "sym", "rw"])
@pytest.mark.parametrize("loops", [False, True])
def test_sparse_laplacian_is_the_dense_formula_and_leaves_w_alone(kind, loops):
    from unsup.spectral import laplacian

    W = sp.random(120, 120, density=0.05, random_state=6, format="csr")
    W = (W + W.T).tocsr()
    if not loops:
        W.setdiag(0)
        W.eliminate_zeros()
    before = W.copy()
    L = laplacian(W, kind)
    assert L.has_sorted_indices and L.dtype == W.dtype
    np.testing.assert_allclose(L.toarray(), laplacian(W.toarray(), kind), atol=1e-12)
    assert (W != before).nnz == 0


def test_affinity_matrix_written_on_first_access_and_old_pickles_keep_theirs():
    from unsup.spectral import SpectralClustering

    X = np.random.default_rng(7).standard_normal((25_000, 2))  # above REORDER_MIN: solved in a locality order
    model = SpectralClustering(2, random_state=0).fit(X)
    assert model._affinity_order is not None  # not re-indexed during fit
    assert (model.affinity_matrix_ != graph.knn_graph(X, 10)).nnz == 0
    assert model._affinity_order is None
    old = SpectralClustering(2)
    old.__dict__["affinity_matrix_"] = "kept"  # what an older version's pickle restores
    assert old.affinity_matrix_ == "kept"
    with pytest.raises(AttributeError):
        _ = SpectralClustering(2).affinity_matrix_

import numpy as np
import pytest

from unsup.theory.tv import (
    LECTURE_P,
    LECTURE_Q1,
    LECTURE_Q2,
    merge_by_ratio,
    optimal_discriminator,
    plot_tv_vs_pack,
    product,
    tv_distance,
    tv_distance_mc,
)


def brute(p, q, m):
    return 0.5 * np.abs(product(p, m) - product(q, m)).sum()


@pytest.mark.parametrize("seed", range(5))
def test_exact_against_brute_force(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 6))
    p, q = rng.dirichlet(np.ones(k)), rng.dirichlet(np.ones(k))
    q[rng.integers(k)] = 0  # a missed mode
    q /= q.sum()
    for m in (1, 2, 3, 4):
        assert tv_distance(p, q, m) == pytest.approx(brute(p, q, m), abs=1e-12)


def test_lecture_example():
    assert tv_distance(LECTURE_P, LECTURE_Q1, 1) == pytest.approx(0.2)
    assert tv_distance(LECTURE_P, LECTURE_Q2, 1) == pytest.approx(0.2)
    assert tv_distance(LECTURE_P, LECTURE_Q1, 2) == pytest.approx(0.36)
    assert tv_distance(LECTURE_P, LECTURE_Q2, 2) == pytest.approx(0.24)
    assert brute(LECTURE_P, LECTURE_Q2, 2) == pytest.approx(0.24)


def test_monotone_in_pack_and_large_pack_without_enumeration():
    rng = np.random.default_rng(3)
    p, q = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(6))
    tvs = [tv_distance(p, q, m) for m in range(1, 9)]
    assert all(b >= a - 1e-12 for a, b in zip(tvs, tvs[1:], strict=False))
    # collapse onto 80% of the mass: d_TV(P^m, Q1^m) = 1 - 0.8^m; 10^300 product points, 301 types
    assert tv_distance(LECTURE_P, LECTURE_Q1, 300) == pytest.approx(1 - 0.8**300)


def test_merging_atoms_with_equal_ratio_keeps_tv():
    p, q = merge_by_ratio(LECTURE_P, LECTURE_Q2)
    assert sorted(p.tolist()) == pytest.approx([0.5, 0.5]) and sorted(q.tolist()) == pytest.approx([0.3, 0.7])


def test_optimal_discriminator_attains_twice_tv():
    rng = np.random.default_rng(1)
    p, q = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5))
    d = optimal_discriminator(p, q)
    assert set(d.tolist()) <= {-1.0, 1.0}
    assert np.dot(p - q, d) == pytest.approx(2 * tv_distance(p, q))
    for _ in range(20):  # no other |D| <= 1 does better
        assert np.dot(p - q, rng.uniform(-1, 1, 5)) <= np.dot(p - q, d) + 1e-12
    dm = optimal_discriminator(product(p, 2), product(q, 2))  # packed D on the product space
    assert np.dot(product(p, 2) - product(q, 2), dm) == pytest.approx(2 * tv_distance(p, q, 2))


def test_monte_carlo_for_a_collapsed_continuous_mixture():
    p = {"means": [[0, 0], [1, 0]], "std": 0.05}
    q = {"means": [[0, 0], [1, 0]], "std": 0.05, "weights": [1, 0]}
    for m in (1, 2, 3):
        est, se = tv_distance_mc(p, q, m, n=4000)
        assert abs(est - (1 - 0.5**m)) < 4 * se + 1e-3


def test_plot(tmp_path):
    curves = plot_tv_vs_pack(LECTURE_P, {"Q1": LECTURE_Q1, "Q2": LECTURE_Q2}, 6, tmp_path / "tv.png")
    assert (tmp_path / "tv.png").stat().st_size > 0 and curves["Q1"][1] == pytest.approx(0.36)


def test_errors():
    with pytest.raises(ValueError, match="pack"):
        tv_distance(LECTURE_P, LECTURE_Q1, 0)
    with pytest.raises(ValueError, match="sum to 1"):
        tv_distance([0.5, 0.6], [0.5, 0.5])
    with pytest.raises(ValueError, match="one support"):
        tv_distance([0.5, 0.5], [1.0])

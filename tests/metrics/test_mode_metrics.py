import math

import numpy as np
import pytest

from unsup.data.toy import grid, ring
from unsup.metrics.modes import mode_metrics
from unsup.metrics.scores import sample_scores


def test_all_modes_exactly():
    g = grid()
    x = np.repeat(g.means.numpy(), 100, 0)
    r = sample_scores(g, x)
    assert (r["modes"], r["high_quality"], r["counts"]) == (25, 100.0, [100] * 25)
    assert r["reverse_kl"] == pytest.approx(0.0, abs=1e-12)


def test_one_mode_is_log_k_reverse_kl():
    g = grid()
    r = sample_scores(g, np.tile(g.means.numpy()[7], (2500, 1)))
    assert r["modes"] == 1 and r["high_quality"] == 100.0
    assert r["reverse_kl"] == pytest.approx(math.log(25))


def test_off_mode_points_are_low_quality_and_capture_nothing():
    g = grid()
    on = g.means.numpy()[:5]
    off = on + np.array([1.0, 1.0])  # halfway between grid points: 28 std from every mode
    r = sample_scores(g, np.concatenate([on, off]))
    assert r["modes"] == 5 and r["high_quality"] == 50.0


def test_three_std_boundary():
    means = np.zeros((1, 2))
    inside, outside = np.array([[2.9 * 0.1, 0.0]]), np.array([[3.1 * 0.1, 0.0]])
    assert mode_metrics(inside, means, 0.1)["modes"] == 1
    assert mode_metrics(outside, means, 0.1)["modes"] == 0


def test_real_samples_score_almost_perfectly():
    for data in (ring(), grid()):
        r = sample_scores(data, data.sample(2500))
        assert r["modes"] == len(data.means) and r["high_quality"] > 98 and r["reverse_kl"] < 0.02


def test_toy_geometry():
    assert np.allclose(np.linalg.norm(ring().means.numpy(), axis=1), 1.0)
    assert sorted(set(grid().means.numpy().ravel().tolist())) == [-4, -2, 0, 2, 4]
    assert grid().std == 0.05 and ring().std == 0.01 and len(grid().train_set) == 100_000


def test_shape_errors():
    with pytest.raises(ValueError, match="must agree"):
        mode_metrics(np.zeros((3, 3)), np.zeros((2, 2)), 0.1)
    with pytest.raises(ValueError, match="std"):
        mode_metrics(np.zeros((3, 2)), np.zeros((2, 2)), 0.0)

"""ES-WMV stops on a trajectory whose best point is known."""

import pytest
import torch

from unsup.restore.stopping import HoldoutStop, VarianceStop


def trajectory(t: int, gen: torch.Generator) -> torch.Tensor:
    # the spread of the outputs shrinks until t = 300 and grows after it (fitting the noise)
    amp = 0.02 + abs(t - 300) / 300
    return 0.5 + amp * torch.randn(64, generator=gen)


def test_stops_near_the_known_optimum_after_patience():
    gen = torch.Generator().manual_seed(0)
    rule = VarianceStop(window=20, patience=100)
    stopped_at = None
    for t in range(2000):
        if rule.update(t, trajectory(t, gen)):
            stopped_at = t
            break
    assert stopped_at is not None
    # the window ending at t covers t-19..t: its variance is smallest just after the optimum
    assert 295 <= rule.best_iter <= 325
    assert stopped_at == rule.best_iter + 100


def test_never_stops_while_outputs_keep_settling():
    pattern = torch.randn(16, generator=torch.Generator().manual_seed(0))
    rule = VarianceStop(window=10, patience=50)
    for t in range(500):  # oscillation whose amplitude keeps shrinking: the window variance keeps falling
        assert not rule.update(t, 0.5 + (-1) ** t * 0.99**t * pattern)
    assert rule.best_iter == 499


def test_variance_matches_direct_computation():
    gen = torch.Generator().manual_seed(1)
    xs = [torch.rand(32, generator=gen) for _ in range(30)]
    rule = VarianceStop(window=8, patience=5)
    for t, x in enumerate(xs):
        rule.update(t, x)
    direct = torch.stack(xs[-8:]).double().var(0, unbiased=False).mean().item()
    assert rule.history[-1] == (29, pytest.approx(direct, rel=1e-9))
    assert len(rule.history) == 30 - 8 + 1


def test_rejects_bad_settings():
    with pytest.raises(ValueError, match="window"):
        VarianceStop(window=1)
    with pytest.raises(ValueError, match="patience"):
        VarianceStop(patience=0)


def test_holdout_rule_stops_patience_steps_after_the_minimum():
    rule = HoldoutStop(patience=30)
    # a held-out error curve: falls to its minimum at t = 120, then rises (the fit starts to follow the noise)
    errors = [0.01 + 1e-6 * (t - 120) ** 2 for t in range(1000)]
    stopped = next(t for t, e in enumerate(errors) if rule.update(t, e))
    assert rule.best_iter == 120 and stopped == 150
    assert rule.pick_iter == 120  # no tolerance: the minimum itself
    with pytest.raises(ValueError, match="patience"):
        HoldoutStop(patience=0)
    with pytest.raises(ValueError, match="tolerance"):
        HoldoutStop(tolerance=1.0)


def test_holdout_rule_picks_the_centre_of_the_iterations_tied_with_the_minimum():
    # a flat-bottomed curve (camera 64x64, seed 0: the held-out error moves by < 0.3% between iterations 380 and
    # 520) whose noisy minimum falls at 70, on one side of the flat part: within 1% of it lie iterations 42 to 158
    # ((t - 100)^2 <= 3456), so the pick is their centre, 100; patience still counts from the minimum
    errors = [1.0 + 1e-4 * (t - 100) ** 2 / 36 for t in range(1000)]
    errors[70] = 0.9995
    rule = HoldoutStop(patience=100, tolerance=0.01)
    stopped = next(t for t, e in enumerate(errors) if rule.update(t, e))
    assert rule.best_iter == 70 and stopped == 170
    tied = [t for t in range(171) if errors[t] <= 0.9995 * 1.01]
    assert (tied[0], tied[-1]) == (42, 158) and rule.pick_iter == 100
    assert HoldoutStop().pick_iter is None

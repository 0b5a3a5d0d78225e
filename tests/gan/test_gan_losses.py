import math

import pytest
import torch

from unsup.gan.losses import LOSSES, d_loss, g_loss, gradient_penalty

R = torch.tensor([2.0, -1.0])
F = torch.tensor([0.5, -3.0])


def sig(t: float) -> float:
    return 1 / (1 + math.exp(-t))


def mean(xs):
    return sum(xs) / len(xs)


def test_minimax_is_the_lectures_log_likelihood():
    want_d = -mean([math.log(sig(r)) for r in R.tolist()]) - mean([math.log(1 - sig(f)) for f in F.tolist()])
    assert d_loss(R, F, "minimax").item() == pytest.approx(want_d, rel=1e-6)
    assert g_loss(F, "minimax").item() == pytest.approx(mean([math.log(1 - sig(f)) for f in F.tolist()]), rel=1e-6)


def test_non_saturating_generator_and_shared_discriminator():
    assert d_loss(R, F, "ns").item() == pytest.approx(d_loss(R, F, "minimax").item())
    assert g_loss(F, "ns").item() == pytest.approx(-mean([math.log(sig(f)) for f in F.tolist()]), rel=1e-6)


def test_hinge_least_squares_wasserstein():
    r, f = R.tolist(), F.tolist()
    assert d_loss(R, F, "hinge").item() == pytest.approx(
        mean([max(0, 1 - x) for x in r]) + mean([max(0, 1 + x) for x in f])
    )
    assert g_loss(F, "hinge").item() == pytest.approx(-mean(f))
    assert d_loss(R, F, "ls").item() == pytest.approx(
        0.5 * mean([(x - 1) ** 2 for x in r]) + 0.5 * mean([x * x for x in f])
    )
    assert g_loss(F, "ls").item() == pytest.approx(0.5 * mean([(x - 1) ** 2 for x in f]))
    assert d_loss(R, F, "wgan-gp").item() == pytest.approx(mean(f) - mean(r))
    assert g_loss(F, "wgan-gp").item() == pytest.approx(-mean(f))


def test_saturating_loss_gradient_vanishes_where_non_saturating_does_not():
    f = torch.tensor([-8.0], requires_grad=True)  # D confidently rejects the fake
    (g_sat,) = torch.autograd.grad(g_loss(f, "minimax"), f)
    (g_ns,) = torch.autograd.grad(g_loss(f, "ns"), f)
    assert abs(g_sat.item()) < 1e-3 < abs(g_ns.item())


def test_gradient_penalty_of_a_linear_critic():
    w = torch.tensor([3.0, 4.0])
    real, fake = torch.randn(6, 2), torch.randn(6, 2)
    assert gradient_penalty(lambda x: x @ w, real, fake).item() == pytest.approx((5 - 1) ** 2)
    w2 = torch.tensor([3.0, 0.0, 0.0, 4.0])  # packed critic: one gradient norm per pack of 2
    gp = gradient_penalty(lambda x: x.reshape(-1, 4) @ w2, real, fake, pack=2)
    assert gp.item() == pytest.approx((5 - 1) ** 2)


def test_bad_kind_names_the_parameter():
    for fn in (lambda: d_loss(R, F, "nope"), lambda: g_loss(F, "nope")):
        with pytest.raises(ValueError, match="loss must be one of"):
            fn()
    assert set(LOSSES) == {"minimax", "ns", "hinge", "ls", "wgan-gp"}

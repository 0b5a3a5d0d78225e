"""GAN inversion recovers the latent of an image a small generator made, also through a mask and a downsampler."""

import pytest
import torch
from torch import nn

from unsup.restore.invert import InvertConfig, invert
from unsup.restore.lanczos import Lanczos2Down
from unsup.restore.problem import Problem, random_mask


def tiny_generator() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 64), nn.Tanh(), nn.Linear(64, 16 * 16), nn.Tanh(), nn.Unflatten(1, (1, 16, 16)))


def target(gen: nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
    z_true = torch.tensor([[0.8, -0.5, 0.3, 1.1]])
    with torch.no_grad():
        return z_true, (gen(z_true) + 1) / 2  # images in [0, 1]


@pytest.mark.parametrize("task", ["denoise", "inpaint", "sr"])
def test_recovers_the_latent(task):
    gen = tiny_generator()
    z_true, x = target(gen)
    if task == "denoise":
        problem = Problem(x)
    elif task == "inpaint":
        mask = torch.from_numpy(random_mask((16, 16), 0.5, seed=0))[None, None]
        problem = Problem(x * mask, mask)
    else:
        problem = Problem(Lanczos2Down(2, 1)(x), factor=2)
    res = invert(gen, problem, (4,), InvertConfig(restarts=4, iters=300, lr=0.1), progress=False)
    assert res.loss < 1e-5
    assert torch.allclose(res.z, z_true[0], atol=0.05)
    assert res.image.shape == (16, 16, 1)
    assert (torch.from_numpy(res.image[..., 0]) - x[0, 0]).abs().max() < 0.01
    assert len(res.restart_losses) == 4 and res.loss == min(res.restart_losses)


def test_schedule_ramps_and_noise_decays():
    cfg = InvertConfig(lr=0.1, ramp_up=0.1, ramp_down=0.25, noise=0.5, noise_ramp=0.5)
    assert cfg.schedule(0.0)[0] == 0
    assert cfg.schedule(0.5)[0] == pytest.approx(0.1)
    assert cfg.schedule(0.05)[0] == pytest.approx(0.05)
    assert cfg.schedule(0.999)[0] < 1e-3
    assert cfg.schedule(0.0)[1] == 0.5 and cfg.schedule(0.25)[1] == pytest.approx(0.125) and cfg.schedule(0.6)[1] == 0


def test_generator_left_untouched_and_sizes_checked():
    gen = tiny_generator()
    before = [p.detach().clone() for p in gen.parameters()]
    gen.train()
    _, x = target(gen)
    invert(gen, Problem(x), (4,), InvertConfig(restarts=2, iters=5), progress=False)
    assert gen.training and all(torch.equal(a, b) for a, b in zip(before, gen.parameters(), strict=True))
    assert all(p.grad is None for p in gen.parameters())
    with pytest.raises(ValueError, match="generator makes"):
        invert(gen, Problem(torch.rand(1, 3, 16, 16)), (4,), InvertConfig(restarts=1, iters=1), progress=False)

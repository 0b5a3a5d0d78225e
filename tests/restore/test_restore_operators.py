"""The data terms are exact: Lanczos-2 down-sampling and masks do what the maths says."""

import numpy as np
import pytest
import torch

from unsup.restore.lanczos import Lanczos2Down, lanczos2_kernel
from unsup.restore.problem import Problem, block_mask, random_mask, text_mask


@pytest.mark.parametrize("factor", [2, 3, 4, 8])
def test_lanczos_kernel_is_normalised_symmetric_and_matches_formula(factor):
    k = lanczos2_kernel(factor)
    assert len(k) == 4 * factor
    assert k.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(k, k[::-1])
    # reference value at the first tap: d = (0.5 - 2f) / f, k ~ 2 sin(pi d) sin(pi d / 2) / (pi d)^2
    d = (0.5 - 2 * factor) / factor
    raw = 2 * np.sin(np.pi * d) * np.sin(np.pi * d / 2) / (np.pi * d) ** 2
    d_all = (np.arange(4 * factor) + 0.5 - 2 * factor) / factor
    total = (2 * np.sin(np.pi * d_all) * np.sin(np.pi * d_all / 2) / (np.pi * d_all) ** 2).sum()
    assert k[0] == pytest.approx(raw / total)


@pytest.mark.parametrize("factor", [2, 3, 4, 8])
def test_lanczos_downsampler_keeps_constants_and_size(factor):
    down = Lanczos2Down(factor, 3)
    x = torch.full((2, 3, 8 * factor, 6 * factor), 0.37)
    y = down(x)
    assert y.shape == (2, 3, 8, 6)
    torch.testing.assert_close(y, torch.full_like(y, 0.37), atol=1e-6, rtol=0)


def test_lanczos_downsampler_is_linear_and_per_channel():
    torch.manual_seed(0)
    down = Lanczos2Down(4, 3)
    a, b = torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32)
    torch.testing.assert_close(down(2 * a - b), 2 * down(a) - down(b), atol=1e-5, rtol=0)
    a2 = a.clone()
    a2[:, 1] += 1.0  # touching channel 1 moves channel 1 only
    diff = (down(a2) - down(a)).abs().flatten(2).amax(2)[0]
    assert diff[1] > 0.5 and diff[0] == 0 and diff[2] == 0


def test_lanczos_rejects_sizes_the_factor_does_not_divide():
    with pytest.raises(ValueError, match="divisible"):
        Lanczos2Down(4, 1)(torch.zeros(1, 1, 30, 32))


def test_mask_hides_exactly_the_masked_pixels():
    torch.manual_seed(0)
    mask = torch.from_numpy(random_mask((16, 16), 0.5, seed=1))[None, None]
    y = torch.rand(1, 3, 16, 16)
    problem = Problem(y * mask, mask)
    x = torch.rand(1, 3, 16, 16, requires_grad=True)
    problem.loss(x).sum().backward()
    hidden = (mask == 0).expand_as(x)
    assert (x.grad[hidden] == 0).all()
    assert (x.grad[~hidden] != 0).all()
    # changing hidden pixels never changes the loss; changing a known one does
    x2 = x.detach().clone()
    x2[hidden] = torch.rand(int(hidden.sum()))
    assert problem.loss(x2).item() == pytest.approx(problem.loss(x.detach()).item(), abs=0)
    assert problem.loss(y).item() == 0


def test_denoise_and_sr_terms():
    torch.manual_seed(0)
    y = torch.rand(1, 3, 8, 8)
    x = torch.rand(2, 3, 8, 8)
    torch.testing.assert_close(Problem(y).loss(x), (x - y).square().flatten(1).mean(1))
    hr = torch.rand(1, 1, 32, 32)
    sr = Problem(Lanczos2Down(4, 1)(hr), factor=4)
    assert sr.out_size == (32, 32) and sr.task == "sr"
    assert sr.loss(hr).item() < 1e-12
    assert sr.loss(torch.rand(1, 1, 32, 32)).item() > 1e-3


def test_problem_validates_input():
    with pytest.raises(ValueError, match="mask size"):
        Problem(torch.rand(1, 3, 8, 8), torch.ones(1, 1, 8, 9))
    with pytest.raises(ValueError, match="shape"):
        Problem(torch.rand(3, 8, 8))
    with pytest.raises(ValueError, match="factor"):
        Problem(torch.rand(1, 3, 8, 8), factor=0)


def test_generated_masks():
    m = random_mask((100, 100), 0.5, seed=0)
    assert set(np.unique(m)) == {0.0, 1.0} and abs(m.mean() - 0.5) < 0.03
    b = block_mask((40, 60), 0.25)
    assert (1 - b.mean()) == pytest.approx(0.25, abs=0.02) and b[0, 0] == 1 and b[20, 30] == 0
    t = text_mask((64, 64))
    assert 0.02 < 1 - t.mean() < 0.5
    with pytest.raises(ValueError, match="missing"):
        random_mask((4, 4), 1.0)

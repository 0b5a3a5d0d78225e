"""Deep Image Prior fitting on tiny images: PSNR rises, the stop rule ends runs, backtracking rolls back."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from unsup.restore.dip import DIPConfig, _Backtrack, fit_dip, make_input
from unsup.restore.images import psnr, to_tensor
from unsup.restore.problem import Problem
from unsup.restore.skip import SkipConfig

TINY = SkipConfig(in_channels=8, down=(8, 8, 8), up=(8, 8, 8), skip=(2, 2, 2), kernel_down=(3, 3, 3),
                  kernel_up=(3, 3, 3))  # fmt: skip


def smooth_image(size=32, channels=3) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size] / size
    img = np.stack([0.5 + 0.4 * np.sin(2 * np.pi * (xx + k * yy) / 1.5) for k in range(channels)], axis=2)
    return img.astype(np.float32)


def test_psnr_to_truth_rises_over_the_first_iterations():
    truth = smooth_image()
    noisy = np.clip(truth + np.random.default_rng(0).normal(0, 0.1, truth.shape), 0, 1).astype(np.float32)
    cfg = DIPConfig(TINY, iters=60, window=10, patience=20)
    res = fit_dip(Problem(to_tensor(noisy)), cfg, iters=60, truth=truth, progress=False)
    ps = [p for _, p in res.history["psnr_raw"]]
    assert np.mean(ps[-10:]) > ps[0] + 3  # the raw output moves towards the truth
    assert res.iters == 60 and len(res.history["loss"]) == 60
    assert res.image.shape == truth.shape
    assert psnr(res.image, truth) == pytest.approx(res.history["psnr"][-1][1], abs=0.01)
    assert res.history["ssim"] and res.history["ssim"][-1][0] == 59


def test_auto_stop_ends_the_run_and_returns_the_kept_output():
    truth = smooth_image(16, 1)
    noisy = np.clip(truth + np.random.default_rng(0).normal(0, 0.2, truth.shape), 0, 1).astype(np.float32)
    cfg = DIPConfig(TINY, lr=0.05, reg_noise=0.0, max_iters=400, patience=30, ema=0.5, holdout=0.2, refit=0.0)
    res = fit_dip(Problem(to_tensor(noisy)), cfg, truth=truth, progress=False)
    assert res.stopped and res.iters < 400 and res.refit_iters == 0
    assert res.iters == res.stop_iter + 30 + 1  # without the refit the pick is the held-out minimum
    # the returned image is the EMA output at the iteration the rule picked, and it beats the noisy input
    assert psnr(res.image, truth) == pytest.approx(res.psnr_at(res.stop_iter), abs=0.01)
    assert psnr(res.image, truth) > psnr(noisy, truth) + 3


def test_refit_after_the_stop_is_a_fit_of_all_pixels_for_the_chosen_count(tmp_path):
    truth = smooth_image(16, 1)
    noisy = np.clip(truth + np.random.default_rng(0).normal(0, 0.2, truth.shape), 0, 1).astype(np.float32)
    cfg = DIPConfig(TINY, lr=0.05, reg_noise=0.0, max_iters=200, patience=20, ema=0.5, holdout=0.2, refit=0.5,
                    held_weight=0.0)  # fmt: skip
    ckpt = tmp_path / "run.ckpt.pt"
    res = fit_dip(Problem(to_tensor(noisy)), cfg, truth=truth, progress=False, checkpoint=ckpt, checkpoint_every=7)
    n = round(0.5 * (res.stop_iter + 1))
    # the refit runs to the centre of the iterations tied (within stop_tolerance) with the held-out minimum
    errors = dict(res.history["holdout"])
    best = min(errors, key=errors.get)
    tied = [t for t, e in errors.items() if e <= errors[best] * (1 + cfg.stop_tolerance)]
    assert res.stop_iter == (tied[0] + tied[-1]) // 2
    assert res.refit_iters == n and res.iters == best + 20 + 1 + n
    assert not (tmp_path / "run.ckpt.pt.refit").exists()  # the refit's own checkpoint is removed when it ends
    # the same seed on all pixels (the variance rule holds nothing out) for n steps gives exactly that image
    full = fit_dip(Problem(to_tensor(noisy)), DIPConfig(TINY, lr=0.05, reg_noise=0.0, ema=0.5, stop="variance"),
                   iters=n, truth=truth, progress=False)  # fmt: skip
    np.testing.assert_array_equal(res.image, full.image)
    assert res.history["refit_psnr"] == full.history["psnr"]
    assert res.history["psnr"][-1][0] == res.iters - n - 1  # the held-out run's record is kept beside it
    with pytest.raises(ValueError, match="refit"):
        DIPConfig(TINY, refit=-0.1)


def test_returned_image_mixes_the_refit_and_the_held_out_output():
    truth = smooth_image(16, 1)
    noisy = np.clip(truth + np.random.default_rng(0).normal(0, 0.2, truth.shape), 0, 1).astype(np.float32)
    cfg = DIPConfig(TINY, lr=0.05, reg_noise=0.0, max_iters=200, patience=20, ema=0.5, holdout=0.2, refit=0.5)
    problem = Problem(to_tensor(noisy))
    mixed = fit_dip(problem, cfg, truth=truth, progress=False)
    refit = fit_dip(problem, replace(cfg, held_weight=0.0), truth=truth, progress=False)
    held = fit_dip(problem, replace(cfg, refit=0.0), truth=truth, progress=False)
    w = cfg.held_weight
    np.testing.assert_allclose(mixed.image, (1 - w) * refit.image + w * held.image, atol=1e-6)
    assert held.image.std() > 0 and np.abs(refit.image - held.image).max() > 1e-3  # two different fits
    assert mixed.history["returned_psnr"] == [(mixed.iters - 1, pytest.approx(psnr(mixed.image, truth)))]
    # by convexity the mean squared error of the mix is at most the weighted mean of the two errors
    mse = [float(np.mean((x.image - truth) ** 2)) for x in (mixed, refit, held)]
    assert mse[0] <= (1 - w) * mse[1] + w * mse[2] + 1e-9
    for bad in (-0.1, 1.0):
        with pytest.raises(ValueError, match="held_weight"):
            DIPConfig(TINY, held_weight=bad)


def test_holdout_pixels_are_kept_out_of_the_fit():
    from unsup.restore.dip import _Watch

    y = to_tensor(smooth_image(32))
    mask = torch.ones(1, 1, 32, 32)
    mask[..., :8, :] = 0
    watch = _Watch(DIPConfig(TINY, holdout=0.2), Problem(y * mask, mask), seed=0)
    held, fit_mask = watch.held, watch.fit_problem.mask
    assert (held * (1 - mask)).sum() == 0  # only observed pixels are held out
    assert (held * fit_mask).sum() == 0 and torch.equal(held + fit_mask, mask)  # and the fit never sees them
    assert 0.15 < held.sum() / mask.sum() < 0.25
    # the held-out error is the mean squared error over exactly those pixels
    x = torch.rand(1, 3, 32, 32)
    expected = ((x - y).square() * held).sum() / (held.sum() * 3)
    watch.update(0, x, x)
    assert watch.rule.history[0][1] == pytest.approx(float(expected), rel=1e-5)


def test_denoising_holds_out_enough_values():
    from unsup.restore.dip import _holdout_fraction, _Watch

    grey, colour = Problem(torch.rand(1, 1, 64, 64)), Problem(torch.rand(1, 3, 64, 64))
    assert _holdout_fraction(DIPConfig(), grey) == pytest.approx(800 / 4096)  # 10% would be 410 noisy values
    assert _holdout_fraction(DIPConfig(), colour) == 0.1  # 1,229 values already
    assert _holdout_fraction(DIPConfig(), Problem(torch.rand(1, 1, 16, 16))) == 0.25  # capped
    assert _holdout_fraction(DIPConfig(holdout=0.4), grey) == 0.4
    inpaint = Problem(torch.rand(1, 1, 64, 64), torch.ones(1, 1, 64, 64))
    assert _holdout_fraction(DIPConfig(), inpaint) == 0.1  # noise-free: no noise term to average out
    watch = _Watch(DIPConfig(), grey, seed=0)
    assert abs(float(watch.held.mean()) - 800 / 4096) < 0.02


def test_variance_rule_runs_too():
    truth = smooth_image(16, 1)
    cfg = DIPConfig(TINY, stop="variance", lr=0.05, reg_noise=0.0, max_iters=300, window=5, patience=15)
    res = fit_dip(Problem(to_tensor(truth)), cfg, truth=truth, progress=False)
    assert res.stopped and res.iters == res.stop_iter + 16 and res.history["var"]


def test_inpainting_and_sr_sizes_and_padding():
    truth = smooth_image(20)  # not a multiple of 2**3: the net draws on a padded canvas
    mask = torch.ones(1, 1, 20, 20)
    mask[..., 5:10, 5:10] = 0
    res = fit_dip(Problem(to_tensor(truth) * mask, mask), DIPConfig(TINY), iters=3, progress=False)
    assert res.image.shape == (20, 20, 3)
    low = to_tensor(truth[::2, ::2])
    res = fit_dip(Problem(low, factor=2), DIPConfig(TINY), iters=3, progress=False)
    assert res.image.shape == (20, 20, 3)


def test_inpainting_returns_the_known_pixels_as_observed():
    truth = smooth_image(16)
    mask = torch.from_numpy((np.random.default_rng(0).random((16, 16)) > 0.5).astype(np.float32))[None, None]
    problem = Problem(to_tensor(truth) * mask, mask)
    known = mask[0, 0].numpy().astype(bool)
    pasted = fit_dip(problem, DIPConfig(TINY), iters=5, truth=truth, progress=False)
    np.testing.assert_allclose(pasted.image[known], truth[known], atol=1e-6)
    raw = fit_dip(problem, DIPConfig(TINY, keep_observed=False), iters=5, truth=truth, progress=False)
    assert np.abs(raw.image[known] - truth[known]).max() > 0.01  # a 5-step net does not fit them by itself
    np.testing.assert_allclose(pasted.image[~known], raw.image[~known], atol=1e-6)  # the filled-in pixels agree
    assert pasted.history["psnr"][-1][1] > raw.history["psnr"][-1][1]  # the recorded PSNR is the returned image's


def test_runs_are_seeded():
    y = to_tensor(smooth_image(16))
    a = fit_dip(Problem(y), DIPConfig(TINY), iters=5, progress=False, seed=3)
    b = fit_dip(Problem(y), DIPConfig(TINY), iters=5, progress=False, seed=3)
    np.testing.assert_array_equal(a.image, b.image)


def test_backtracking_restores_the_last_good_weights():
    net = torch.nn.Linear(3, 3)
    opt = torch.optim.Adam(net.parameters())
    bt = _Backtrack(net, opt, db=5.0)
    bt.check(1.0)
    good = net.weight.detach().clone()
    with torch.no_grad():
        net.weight.add_(10.0)
    bt.check(2.0)  # +3 dB: accepted as the new reference
    torch.testing.assert_close(net.weight, good + 10)
    with torch.no_grad():
        net.weight.mul_(0)
    bt.check(100.0)  # +17 dB: rolled back
    torch.testing.assert_close(net.weight, good + 10)
    assert bt.count == 1


def test_inputs_and_config_validation():
    g = torch.Generator().manual_seed(0)
    z = make_input("noise", 32, (8, 8), g)
    assert z.shape == (1, 32, 8, 8) and 0 <= z.min() and z.max() <= 0.1
    grid = make_input("meshgrid", 2, (4, 5), g)
    assert grid.shape == (1, 2, 4, 5) and grid[0, 0, 0, -1] == 1 and grid[0, 1, -1, 0] == 1
    with pytest.raises(ValueError, match="meshgrid"):
        DIPConfig(TINY, input="meshgrid")
    with pytest.raises(ValueError, match="input"):
        DIPConfig(TINY, input="zeros")
    with pytest.raises(ValueError, match="stop"):
        DIPConfig(TINY, stop="never")
    with pytest.raises(ValueError, match="holdout"):
        DIPConfig(TINY, holdout=0.7)


def test_every_preset_builds_a_working_net():
    from unsup.restore.presets import PRESETS, default_preset
    from unsup.restore.skip import Skip

    for name, cfg in PRESETS.items():
        net = Skip(cfg.net)
        z = make_input(cfg.input, cfg.net.in_channels, (64, 64), torch.Generator().manual_seed(0))
        with torch.no_grad():
            assert net(z).shape == (1, 3, 64, 64), name
    for task in ("denoise", "inpaint", "sr"):
        assert default_preset(task) in PRESETS


def test_fixed_stop_runs_the_configured_count_and_sr_presets_use_it():
    from unsup.restore.presets import PRESETS

    truth = smooth_image(16, 1)
    noisy = np.clip(truth + np.random.default_rng(0).normal(0, 0.2, truth.shape), 0, 1).astype(np.float32)
    cfg = DIPConfig(TINY, lr=0.05, reg_noise=0.0, ema=0.5, iters=40, stop="fixed")
    auto = fit_dip(Problem(to_tensor(noisy)), cfg, truth=truth, progress=False)  # iters=None: the config's count
    given = fit_dip(Problem(to_tensor(noisy)), replace(cfg, stop="variance"), iters=40, truth=truth, progress=False)
    assert auto.iters == 40 and auto.refit_iters == 0
    np.testing.assert_array_equal(auto.image, given.image)
    # SR: the held-out low-resolution error rose from step ~200 while the PSNR climbed to 3000 (`rocket`)
    assert {PRESETS[n].stop for n in ("cpu-sr", "sr4", "sr8")} == {"fixed"}
    assert PRESETS["cpu-denoise"].stop == PRESETS["cpu-inpaint"].stop == "holdout"


def test_checkpointed_run_resumes_exactly(tmp_path):
    truth = smooth_image(16)
    noisy = np.clip(truth + np.random.default_rng(0).normal(0, 0.1, truth.shape), 0, 1).astype(np.float32)
    problem, cfg = Problem(to_tensor(noisy)), DIPConfig(TINY, ema=0.9)
    whole = fit_dip(problem, cfg, iters=12, truth=truth, progress=False)
    ckpt = tmp_path / "run.ckpt.pt"
    fit_dip(problem, cfg, iters=6, truth=truth, progress=False, checkpoint=ckpt, checkpoint_every=3)
    assert ckpt.is_file()
    resumed = fit_dip(problem, cfg, iters=12, truth=truth, progress=False, checkpoint=ckpt, checkpoint_every=3)
    np.testing.assert_array_equal(resumed.image, whole.image)
    assert resumed.history["psnr"] == whole.history["psnr"] and resumed.iters == 12

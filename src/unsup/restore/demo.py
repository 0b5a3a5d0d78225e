"""``unsup demo`` step: Deep Image Prior denoising of scikit-image's ``chelsea`` at 64x64, stopped automatically."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from unsup.restore.images import psnr, save_image, to_tensor


def _chelsea(size: int) -> np.ndarray:
    """The cat picture shipped with scikit-image, centre square resized to (size, size, 3) in [0, 1]."""
    from skimage import data, transform

    img = data.chelsea()
    h, w = img.shape[:2]
    c = min(h, w)
    img = img[(h - c) // 2 : (h - c) // 2 + c, (w - c) // 2 : (w - c) // 2 + c] / 255.0
    return transform.resize(img, (size, size), anti_aliasing=True).astype(np.float32)


def step(out: Path, seed: int) -> dict:
    """Noisy chelsea (sigma 25/255) -> DIP (cpu-denoise net, automatic stop) and NL-means; PNGs into ``out``."""
    from unsup.restore.baselines import nl_means
    from unsup.restore.dip import fit_dip
    from unsup.restore.plots import curves, snapshot_strip
    from unsup.restore.presets import PRESETS
    from unsup.restore.problem import Problem

    truth = _chelsea(64)
    noisy = np.clip(truth + np.random.default_rng(seed).normal(0, 25 / 255, truth.shape), 0, 1).astype(np.float32)
    # a 64x64 image needs fewer steps than the preset's budget: shorter patience and cap keep the step short
    config = replace(PRESETS["cpu-denoise"], max_iters=700, patience=50)
    res = fit_dip(Problem(to_tensor(noisy)), config, truth=truth, seed=seed, progress=False)
    save_image(out / "noisy.png", noisy)
    save_image(out / "dip.png", res.image)
    classical = nl_means(noisy, 25 / 255)
    save_image(out / "nl_means.png", classical)
    snapshot_strip(out / "dip_strip.png", res.snapshots, first=noisy)
    curves(out / "dip_curves.png", res.history, res.stop_iter)
    return {
        "psnr_noisy": round(psnr(noisy, truth), 2),
        "psnr_nl_means": round(psnr(classical, truth), 2),
        "psnr_dip": round(psnr(res.image, truth), 2),
        "dip_best_psnr": round(res.best_psnr[1], 2),
        "dip_stop_iter": res.stop_iter,
        "dip_iters": res.iters,
    }

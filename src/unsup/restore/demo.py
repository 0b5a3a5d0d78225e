"""``unsup demo`` step: Deep Image Prior denoising of scikit-image's ``chelsea`` at 64x64, stopped automatically."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from unsup.restore.images import load_image, psnr, save_image


def _chelsea(size: int) -> np.ndarray:
    """The cat picture shipped with scikit-image, centre square resized to (size, size, 3) in [0, 1]."""
    from skimage import data, transform

    img = data.chelsea()
    h, w = img.shape[:2]
    c = min(h, w)
    img = img[(h - c) // 2 : (h - c) // 2 + c, (w - c) // 2 : (w - c) // 2 + c] / 255.0
    return transform.resize(img, (size, size), anti_aliasing=True).astype(np.float32)


def step(out: Path, seed: int) -> dict:
    """Noisy chelsea (sigma 25/255) -> DIP by ``unsup restore denoise`` (preset demo-denoise, automatic stop), and
    NL-means. ``out`` gets ``clean.png``, the command's ``dip.png`` / ``.input.png`` / ``.strip.png`` /
    ``.curves.png`` / ``.json`` and ``nl_means.png``; an interrupted step continues with the same command plus
    ``--resume`` (see ``resume_command`` in the summary)."""
    from unsup.cli import build_parser
    from unsup.restore.baselines import nl_means

    save_image(out / "clean.png", _chelsea(64))
    argv = ["restore", "denoise", str(out / "clean.png"), "--out", str(out / "dip.png"), "--sigma", "25",
            "--preset", "demo-denoise", "--seed", str(seed)]  # fmt: skip
    args = build_parser().parse_args(argv)
    args.func(args)
    record = json.loads((out / "dip.json").read_text())
    truth, noisy = load_image(out / "clean.png"), load_image(out / "dip.input.png")
    classical = nl_means(noisy, 25 / 255)
    save_image(out / "nl_means.png", classical)
    return {
        "psnr_noisy": round(psnr(noisy, truth), 2),
        "psnr_nl_means": round(psnr(classical, truth), 2),
        "psnr_dip": round(record["psnr"], 2),
        "dip_best_psnr": round(record["best_psnr"][1], 2),
        "dip_stop_iter": record["stop_iter"],
        "dip_iters": record["iters_run"],
        "resume_command": "unsup " + " ".join(argv) + " --resume",
    }

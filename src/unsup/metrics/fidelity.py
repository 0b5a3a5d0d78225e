"""Fidelity of a restored or translated image to the truth: PSNR and SSIM of (H, W, C) arrays in [0, 1]
(scikit-image's implementations)."""

from __future__ import annotations

import numpy as np


def _skimage_metrics():
    try:
        from skimage import metrics
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("PSNR/SSIM need scikit-image: pip install 'unsup[images]'") from None
    return metrics


def psnr(img: np.ndarray, truth: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB of (H, W, C) images in [0, 1]: ``10 log10(1 / MSE)``."""
    return float(_skimage_metrics().peak_signal_noise_ratio(truth, np.clip(img, 0, 1), data_range=1.0))


def ssim(img: np.ndarray, truth: np.ndarray) -> float:
    """Structural similarity (Wang et al. 2004, 7x7 window) of (H, W, C) images in [0, 1]."""
    return float(_skimage_metrics().structural_similarity(truth, np.clip(img, 0, 1), data_range=1.0, channel_axis=2))

"""Classical, non-learned restorers from scikit-image, with the same (H, W, C) float conventions as DIP.

Used as the yardsticks of ``benchmarks/restore.py``. The noise level is given (as it is to DIP's comparisons),
so no estimator is needed; wavelet denoising needs PyWavelets.
"""

from __future__ import annotations

import numpy as np


def _skimage():
    try:
        import skimage.restoration as restoration
        import skimage.transform as transform
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("the classical baselines need scikit-image: pip install 'unsup[images]'") from None
    return restoration, transform


def _per_channel(img: np.ndarray, fn) -> np.ndarray:
    # scikit-image drops a length-1 channel axis; keep (H, W, C) on the way out
    if img.shape[2] == 1:
        return np.asarray(fn(img[..., 0], None), np.float32)[..., None]
    return np.asarray(fn(img, 2), np.float32)


def nl_means(noisy: np.ndarray, sigma: float) -> np.ndarray:
    """Non-local means (Buades et al.), 5x5 patches, 13x13 search, filter strength ``h = 0.8 sigma``."""
    restoration, _ = _skimage()
    return _per_channel(
        noisy,
        lambda x, ax: restoration.denoise_nl_means(
            x, h=0.8 * sigma, sigma=sigma, patch_size=5, patch_distance=6, fast_mode=True, channel_axis=ax
        ),
    )


def tv_chambolle(noisy: np.ndarray, sigma: float) -> np.ndarray:
    """Total-variation denoising (Chambolle), weight proportional to the noise level (``sigma`` in [0, 1] units)."""
    restoration, _ = _skimage()
    return _per_channel(noisy, lambda x, ax: restoration.denoise_tv_chambolle(x, weight=0.8 * sigma, channel_axis=ax))


def wavelet(noisy: np.ndarray, sigma: float) -> np.ndarray:
    """BayesShrink wavelet denoising (db1, soft thresholds, YCbCr for colour)."""
    restoration, _ = _skimage()
    return _per_channel(
        noisy,
        lambda x, ax: restoration.denoise_wavelet(
            x,
            sigma=sigma,
            mode="soft",
            method="BayesShrink",
            rescale_sigma=True,
            channel_axis=ax,
            convert2ycbcr=ax is not None,
        ),
    )


def biharmonic(corrupted: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Biharmonic inpainting of the pixels where ``mask`` (H, W) is 0."""
    restoration, _ = _skimage()
    return _per_channel(corrupted, lambda x, ax: restoration.inpaint_biharmonic(x, mask == 0, channel_axis=ax))


def bicubic(low: np.ndarray, factor: int) -> np.ndarray:
    """Bicubic up-sampling by ``factor`` (scikit-image ``resize``, order 3)."""
    _, transform = _skimage()
    h, w, c = low.shape
    return np.clip(transform.resize(low, (h * factor, w * factor, c), order=3), 0, 1).astype(np.float32)

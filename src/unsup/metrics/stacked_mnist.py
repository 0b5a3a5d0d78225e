"""Stacked-MNIST mode coverage (PacGAN paper, Sec. 5.2): classify each of the three channels with the project's
MNIST classifier, read the triple as one of 1,000 modes, then count the modes hit and the KL divergence of the
generated mode histogram ``q`` to the uniform data distribution ``p``: ``KL(q || p) = sum_k q_k log(1000 q_k)``.
"""

from __future__ import annotations

import numpy as np
import torch

N_MODES = 1000


def classify_channels(images: torch.Tensor, classifier: torch.nn.Module, batch_size: int = 1000) -> torch.Tensor:
    """``[N, C, 28, 28]`` images in [-1, 1] -> ``[N, C]`` digit predicted for each channel separately."""
    if images.ndim != 4 or images.shape[-2:] != (28, 28):
        raise ValueError(f"images must have shape [N, C, 28, 28], got {tuple(images.shape)}")
    from unsup.metrics.mnist_classifier import predict

    n, c = images.shape[:2]
    return predict(classifier, images.reshape(n * c, 1, 28, 28), batch_size).reshape(n, c)


def mode_histogram(modes: torch.Tensor | np.ndarray, n_modes: int = N_MODES) -> np.ndarray:
    """Counts ``[n_modes]`` of the integer mode ids ``[N]`` (each in ``0..n_modes-1``)."""
    modes = np.asarray(modes, dtype=np.int64).ravel()
    if modes.size and (modes.min() < 0 or modes.max() >= n_modes):
        raise ValueError(f"mode ids must lie in 0..{n_modes - 1}")
    return np.bincount(modes, minlength=n_modes)


def kl_to_uniform(hist: np.ndarray) -> float:
    """``KL(q || uniform)`` in nats for the histogram ``q`` (0 when every bin is equally full)."""
    hist = np.asarray(hist, dtype=np.float64)
    if hist.sum() <= 0:
        raise ValueError("histogram is empty")
    q = hist / hist.sum()
    nz = q > 0
    return float(np.sum(q[nz] * np.log(q[nz] * len(q))))


def mode_scores(modes: torch.Tensor | np.ndarray, n_modes: int = N_MODES) -> dict:
    """``{"modes": bins hit, "kl": KL to uniform, "n": samples}`` for integer mode ids ``[N]``."""
    hist = mode_histogram(modes, n_modes)
    return {"modes": int((hist > 0).sum()), "kl": kl_to_uniform(hist), "n": int(hist.sum())}


def stacked_mnist_scores(images: torch.Tensor, classifier: torch.nn.Module) -> dict:
    """Modes captured and KL for ``[N, 3, 28, 28]`` Stacked-MNIST samples (the paper uses N = 26,000)."""
    if images.shape[1] != 3:
        raise ValueError(f"Stacked-MNIST images need 3 channels, got {images.shape[1]}")
    from unsup.data.images import encode_triple

    return mode_scores(encode_triple(classify_channels(images, classifier)))

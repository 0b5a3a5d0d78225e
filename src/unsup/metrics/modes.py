"""Mode-collapse metrics for samples of a Gaussian mixture (VEEGAN / PacGAN protocol, 2,500 samples).

A sample is *high quality* when it lies within 3 standard deviations of its nearest mode; a mode is *captured*
when at least one sample lies within 3 standard deviations of it; the *reverse KL* is
``KL(p̂ ‖ w) = Σ_i p̂_i log(p̂_i / w_i)`` where ``p̂`` is the histogram of high-quality samples over the modes and
``w`` the mixture weights (uniform in the paper).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
    from numpy.typing import ArrayLike


def mode_metrics(
    samples: ArrayLike, means: ArrayLike, std: float, weights: ArrayLike | None = None, radius: float = 3.0
) -> dict:
    """``samples``: ``(n, d)``; ``means``: ``(k, d)``; returns ``modes`` (count), ``high_quality`` (percent),
    ``reverse_kl`` (nats) and ``counts`` (high-quality samples per mode)."""
    x = torch.as_tensor(np.asarray(samples), dtype=torch.float64)
    mu = torch.as_tensor(np.asarray(means), dtype=torch.float64)
    if x.dim() != 2 or mu.dim() != 2 or x.shape[1] != mu.shape[1]:
        raise ValueError(f"samples (n, d) and means (k, d) must agree; got {tuple(x.shape)} and {tuple(mu.shape)}")
    if std <= 0:
        raise ValueError(f"std must be > 0; got {std}")
    k = mu.shape[0]
    w = np.full(k, 1.0 / k) if weights is None else np.asarray(weights, dtype=np.float64) / np.sum(weights)
    dist = torch.cdist(x, mu)  # (n, k)
    near, idx = dist.min(1)
    good = near <= radius * std
    counts = np.bincount(idx[good].numpy(), minlength=k)
    p = counts / max(counts.sum(), 1)
    nz = p > 0
    return {
        "modes": int(nz.sum()),
        "high_quality": 100.0 * float(good.double().mean()),
        "reverse_kl": float(np.sum(p[nz] * np.log(p[nz] / w[nz]))) if counts.sum() else float("inf"),
        "counts": counts.tolist(),
    }

"""Sample quality as a distance between feature distributions of real and generated images.

Fréchet distance (FID when the features are Inception-v3 pool features):
``||mu_r - mu_g||^2 + Tr(S_r + S_g - 2 (S_r S_g)^{1/2})``. KID: the unbiased MMD^2 with the cubic polynomial
kernel ``k(x, y) = (x.y / d + 1)^3``, averaged over random subsets. Offline default features: the project's MNIST
classifier (128-d per channel, channels concatenated); ``load_feature_extractor(path)`` loads a user's TorchScript
Inception checkpoint for the standard FID.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F


def frechet_distance(real: np.ndarray, fake: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to feature sets ``[N, d]`` and ``[M, d]`` (N, M > 1)."""
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1] or min(len(real), len(fake)) < 2:
        raise ValueError(f"need feature matrices [N, d] with equal d and N > 1, got {real.shape} and {fake.shape}")
    mu_r, mu_g = real.mean(0), fake.mean(0)
    s_r, s_g = np.atleast_2d(np.cov(real, rowvar=False)), np.atleast_2d(np.cov(fake, rowvar=False))
    # Tr (S_r S_g)^{1/2} = Tr (A S_g A)^{1/2} with A = S_r^{1/2}: symmetric PSD, so eigh is exact and stable even
    # when ReLU features make the covariances singular (where scipy's sqrtm warns and may return complex noise)
    w, v = np.linalg.eigh(s_r)
    a = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    tr_covmean = np.sqrt(np.clip(np.linalg.eigvalsh(a @ s_g @ a), 0, None)).sum()
    return float(max(np.sum((mu_r - mu_g) ** 2) + np.trace(s_r) + np.trace(s_g) - 2 * tr_covmean, 0.0))


def kernel_inception_distance(
    real: np.ndarray, fake: np.ndarray, n_subsets: int = 10, subset_size: int = 1000, seed: int = 0
) -> float:
    """KID: mean over ``n_subsets`` random subsets of the unbiased MMD^2 (cubic polynomial kernel)."""
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(f"need feature matrices [N, d] with equal d, got {real.shape} and {fake.shape}")
    m = min(subset_size, len(real), len(fake))
    if m < 2:
        raise ValueError("KID needs at least 2 samples on each side")
    rng, d, total = np.random.default_rng(seed), real.shape[1], 0.0
    for _ in range(n_subsets):
        x, y = real[rng.choice(len(real), m, replace=False)], fake[rng.choice(len(fake), m, replace=False)]
        kxx, kyy, kxy = (x @ x.T / d + 1) ** 3, (y @ y.T / d + 1) ** 3, (x @ y.T / d + 1) ** 3
        off = m * (m - 1)
        total += (kxx.sum() - np.trace(kxx)) / off + (kyy.sum() - np.trace(kyy)) / off - 2 * kxy.mean()
    return float(total / n_subsets)


@torch.no_grad()
def classifier_features(images: torch.Tensor, classifier: torch.nn.Module, batch_size: int = 1000) -> np.ndarray:
    """``[N, C, H, W]`` in [-1, 1] -> ``[N, 128 C]``: the MNIST classifier's features of each channel (at 28x28)."""
    n, c = images.shape[:2]
    x = images.reshape(n * c, 1, *images.shape[-2:])
    if x.shape[-2:] != (28, 28):
        x = F.interpolate(x, size=(28, 28), mode="bilinear", align_corners=False)
    device = next(classifier.parameters()).device
    feats = torch.cat([classifier.features(b.to(device)).cpu() for b in x.split(batch_size)])
    return feats.reshape(n, -1).numpy()


def load_feature_extractor(path: str | os.PathLike) -> Callable[[torch.Tensor], np.ndarray]:
    """A user's TorchScript (``.pt``) or ``torch.export`` (``.pt2``) Inception as ``[N, C, H, W]`` in [-1, 1] ->
    ``[N, d]`` features.

    The module must map ``[N, 3, 299, 299]`` images in [0, 1] to pool features (e.g. a traced pytorch-fid
    InceptionV3); grey images are repeated to 3 channels and every image is resized to 299x299.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Inception checkpoint {path} does not exist")
    try:
        if path.suffix == ".pt2":
            net = torch.export.load(str(path)).module()
        else:
            with warnings.catch_warnings():  # TorchScript is deprecated in favour of torch.export, still common
                warnings.simplefilter("ignore", DeprecationWarning)
                net = torch.jit.load(str(path), map_location="cpu").eval()
    except (RuntimeError, ValueError) as exc:
        raise ValueError(f"{path} is not a TorchScript (.pt) or torch.export (.pt2) module: {exc}") from exc

    @torch.no_grad()
    def extract(images: torch.Tensor, batch_size: int = 50) -> np.ndarray:
        out = []
        for b in images.split(batch_size):
            b = b.expand(-1, 3, -1, -1) if b.shape[1] == 1 else b
            b = F.interpolate((b + 1) / 2, size=(299, 299), mode="bilinear", align_corners=False)
            out.append(net(b).reshape(len(b), -1).cpu())
        return torch.cat(out).numpy()

    return extract

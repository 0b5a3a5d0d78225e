"""2-D toy data of the PacGAN paper: the ring (8 modes) and the grid (25 modes), or any user Gaussian mixture.

Each dataset is a fixed training set (100,000 points by default, as in the reference code) drawn once from the
mixture with its own seed; :meth:`Mixture.sample` draws minibatches from it with replacement.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import Tensor

if TYPE_CHECKING:
    from numpy.typing import ArrayLike


class Mixture:
    """Isotropic Gaussian mixture with ``means`` ``(k, d)``, common ``std`` and ``weights`` (uniform by default)."""

    def __init__(self, means, std: float, weights=None, n_train: int = 100_000, seed: int = 0) -> None:
        self.means = torch.as_tensor(np.asarray(means, dtype=np.float32))
        if self.means.dim() != 2 or len(self.means) < 1:
            raise ValueError(f"means must be a (k, d) array with k >= 1; got shape {tuple(self.means.shape)}")
        if not std > 0:
            raise ValueError(f"std must be > 0; got {std}")
        if n_train < 1:
            raise ValueError(f"n_train must be >= 1; got {n_train}")
        k = len(self.means)
        w = torch.full((k,), 1.0 / k) if weights is None else torch.as_tensor(np.asarray(weights, dtype=np.float32))
        if w.shape != (k,) or bool((w < 0).any()) or float(w.sum()) <= 0:
            raise ValueError(f"weights must be {k} non-negative numbers with a positive sum")
        self.std, self.weights = float(std), w / w.sum()
        gen = torch.Generator().manual_seed(seed)
        self.train_set = self.draw(n_train, gen)

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    def draw(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """``(n, d)`` fresh points from the mixture itself (not the training set)."""
        idx = torch.multinomial(self.weights, n, replacement=True, generator=generator)
        return self.means[idx] + self.std * torch.randn(n, self.dim, generator=generator)

    def sample(self, n: int) -> Tensor:
        """``(n, d)`` points of the training set, drawn with replacement (torch's global RNG)."""
        return self.train_set[torch.randint(len(self.train_set), (n,))]


def ring(n_train: int = 100_000, seed: int = 0, modes: int = 8, radius: float = 1.0, std: float = 0.01) -> Mixture:
    """The 2D-ring: ``modes`` Gaussians evenly spaced on a circle of ``radius``, std 0.01."""
    t = 2 * math.pi * np.arange(modes) / modes
    return Mixture(radius * np.stack([np.cos(t), np.sin(t)], 1), std, n_train=n_train, seed=seed)


def grid(n_train: int = 100_000, seed: int = 0, side: int = 5, spacing: float = 2.0, std: float = 0.05) -> Mixture:
    """The 2D-grid: ``side²`` Gaussians on ``{-4, -2, 0, 2, 4}²`` (for side 5, spacing 2), std 0.05."""
    axis = spacing * (np.arange(side) - (side - 1) / 2)
    return Mixture(np.stack(np.meshgrid(axis, axis, indexing="ij"), -1).reshape(-1, 2), std, n_train=n_train, seed=seed)


def mixture(
    means: ArrayLike, std: float = 0.05, weights: ArrayLike | None = None, n_train: int = 100_000, seed: int = 0
) -> Mixture:
    """A user mixture, e.g. ``mixture([[0, 0], [3, 0]], std=0.1)``."""
    return Mixture(means, std, weights, n_train, seed)

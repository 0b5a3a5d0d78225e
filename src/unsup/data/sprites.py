"""Images with planted factors of variation, rendered procedurally (no downloads).

* :class:`CircularSprites` — the lecture's angle/radius set: a disc of radius 5 px on a 64×64 canvas at
  ``centre + r·(cos θ, sin θ)``, θ in 40 steps over [0, 2π), r in 0..26 px: 40 × 27 = 1,080 images.
* :class:`DSprites` — a dSprites-like set: {square, ellipse, heart} × 6 scales × 40 orientations × 32 × 32
  positions = 737,280 binary 64×64 images, rendered on demand (never materialised as a whole).

Both expose the same small interface used by :mod:`unsup.metrics.disentangle`: ``factor_sizes`` (number of values
per factor), ``sample_factors(n, rng) -> (n, K) int`` factor indices and ``render(factors) -> (n, 1, 64, 64) float32``
images in {0, 1}.
"""

from __future__ import annotations

import functools

import numpy as np
import torch

SIZE = 64
# Pixel (row i, column j) has its centre at (x, y) = (j + 0.5, i + 0.5); the canvas centre is (32, 32).
_CENTRE = SIZE / 2
_YY, _XX = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) + 0.5


class FactorImages:
    """Common helpers of a finite factor grid (subclasses set ``factor_names``, ``factor_sizes``, ``render``)."""

    factor_names: tuple[str, ...]
    factor_sizes: tuple[int, ...]

    @property
    def num_factors(self) -> int:
        return len(self.factor_sizes)

    def __len__(self) -> int:
        return int(np.prod(self.factor_sizes))

    def index_to_factors(self, index: np.ndarray) -> np.ndarray:
        """Flat indices ``(n,)`` (row-major over the factor grid) -> factor indices ``(n, K)``."""
        index = np.asarray(index, dtype=np.int64)
        if index.size and (index.min() < 0 or index.max() >= len(self)):
            raise ValueError(f"index must lie in [0, {len(self)}), got range [{index.min()}, {index.max()}]")
        return np.stack(np.unravel_index(index, self.factor_sizes), axis=-1)

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` factor-index vectors ``(n, K)`` drawn uniformly from the grid."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        return np.stack([rng.integers(0, s, size=n) for s in self.factor_sizes], axis=-1)

    def sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``n`` uniform draws: images ``(n, 1, 64, 64)`` float32 and their factor indices ``(n, K)``."""
        f = self.sample_factors(n, rng)
        return self.render(f), f

    def render(self, factors: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def render_on(self, factors: np.ndarray, device: str | torch.device) -> torch.Tensor:
        """:meth:`render` as a float32 tensor on ``device`` (sets that can draw on a GPU override this)."""
        return torch.from_numpy(self.render(factors)).to(device)

    def _check(self, factors: np.ndarray) -> np.ndarray:
        factors = np.asarray(factors, dtype=np.int64)
        if factors.ndim != 2 or factors.shape[1] != self.num_factors:
            raise ValueError(f"factors must have shape (n, {self.num_factors}), got {factors.shape}")
        if factors.size and ((factors < 0).any() or (factors >= np.array(self.factor_sizes)).any()):
            raise ValueError(f"factors out of range for sizes {self.factor_sizes}")
        return factors


class CircularSprites(FactorImages):
    """The lecture's two-factor set: angle θ_a = 2π·a/40 (a < 40) and radius r (0 ≤ r ≤ 26 px) of a 5-px disc."""

    factor_names = ("angle", "radius")
    factor_sizes = (40, 27)
    disc_radius = 5.0

    def angles(self) -> np.ndarray:
        """Angle of each angle index, radians ``(40,)``."""
        return 2 * np.pi * np.arange(self.factor_sizes[0]) / self.factor_sizes[0]

    def render(self, factors: np.ndarray) -> np.ndarray:
        """Factor indices ``(n, 2)`` = (angle index, radius px) -> binary images ``(n, 1, 64, 64)`` float32."""
        f = self._check(factors)
        theta = self.angles()[f[:, 0]]
        r = f[:, 1].astype(np.float32)
        cx = (_CENTRE + r * np.cos(theta)).astype(np.float32)[:, None, None]
        cy = (_CENTRE + r * np.sin(theta)).astype(np.float32)[:, None, None]
        inside = (_XX - cx) ** 2 + (_YY - cy) ** 2 <= self.disc_radius**2
        return inside.astype(np.float32)[:, None]

    def all_images(self) -> tuple[np.ndarray, np.ndarray]:
        """The whole grid: images ``(1080, 1, 64, 64)`` and factor indices ``(1080, 2)`` in row-major order."""
        f = self.index_to_factors(np.arange(len(self)))
        return self.render(f), f


class DSprites(FactorImages):
    """dSprites-like: shape (square, ellipse, heart), scale 0.5..1 (6), orientation 0..2π (40), x and y (32 each).

    A sprite of scale s has a half-extent of ``12·s`` px and its centre moves over [16, 48] px in x and y, so
    every pose stays on the canvas. Rendered on demand: ``len(self)`` is 737,280 but nothing is pre-computed.
    """

    factor_names = ("shape", "scale", "orientation", "pos_x", "pos_y")
    factor_sizes = (3, 6, 40, 32, 32)
    shapes = ("square", "ellipse", "heart")

    def render(self, factors: np.ndarray) -> np.ndarray:
        """Factor indices ``(n, 5)`` -> binary images ``(n, 1, 64, 64)`` float32."""
        f = self._check(factors)
        return _draw(np, f[:, 0], *self._pose(f), _XX, _YY).astype(np.float32)[:, None]

    def render_on(self, factors: np.ndarray, device: str | torch.device) -> torch.Tensor:
        """:meth:`render` computed on ``device`` (a GPU draws a batch far faster than NumPy on one core)."""
        device = torch.device(device)
        if device.type == "cpu":
            return torch.from_numpy(self.render(factors))
        f = self._check(factors)
        # The per-image pose (and its cos/sin) comes from NumPy, so both paths threshold the same float32 values.
        args = [torch.from_numpy(np.ascontiguousarray(a)).to(device) for a in (f[:, 0], *self._pose(f))]
        return _draw(torch, *args, *_grid_on(device)).float()[:, None]

    @staticmethod
    def _pose(f: np.ndarray) -> tuple[np.ndarray, ...]:
        """Half-extent (px), cos φ, sin φ and centre x, y of each sprite, float32 ``(n, 1, 1)`` each."""
        scale = (0.5 + 0.1 * f[:, 1]).astype(np.float32)[:, None, None] * 12.0
        phi = (2 * np.pi * f[:, 2] / 40).astype(np.float32)[:, None, None]
        cx = (16.0 + 32.0 * f[:, 3] / 31).astype(np.float32)[:, None, None]
        cy = (16.0 + 32.0 * f[:, 4] / 31).astype(np.float32)[:, None, None]
        return scale, np.cos(phi), np.sin(phi), cx, cy


@functools.cache
def _grid_on(device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """The pixel-centre grids ``_XX, _YY`` on ``device``, copied there once."""
    return torch.from_numpy(_XX).to(device), torch.from_numpy(_YY).to(device)


def _draw(xp, shape, scale, cos, sin, cx, cy, xx, yy):
    """Boolean sprites ``(n, 64, 64)`` from shape indices ``(n,)`` and poses ``(n, 1, 1)``; ``xp`` is numpy or torch."""
    # Pixel offsets rotated into the sprite's own frame, in units of its half-extent.
    dx, dy = (xx - cx) / scale, (yy - cy) / scale
    u = cos * dx + sin * dy
    v = -sin * dx + cos * dy
    out = xp.zeros_like(u, dtype=bool)
    for k, inside in enumerate((_square, _ellipse, _heart)):
        rows = shape == k
        if rows.any():
            out[rows] = inside(u[rows], v[rows])
    return out


def _square(u, v):
    return (abs(u) <= 0.7) & (abs(v) <= 0.7)


def _ellipse(u, v):
    return (u / 1.0) ** 2 + (v / 0.5) ** 2 <= 1.0


def _heart(u, v):
    # The classic heart curve (x² + y² − 1)³ − x² y³ ≤ 0, scaled to a half-extent of about 1 and tip pointing down.
    x, y = u / 0.8, -(v + 0.1) / 0.8
    return (x**2 + y**2 - 1) ** 3 - x**2 * y**3 <= 0


class TrainingImages:
    """A factor-image set as GAN training data: ``sample(n)`` draws ``(n, 1, 64, 64)`` images in [-1, 1].

    Uses torch's global CPU RNG (so a resumed run draws the same items on any device); ``factors`` is the
    underlying set, kept for the disentanglement metrics. Small sets are rendered once and indexed, large ones
    rendered per batch, on the device given to :meth:`to` (the trainer calls it).
    """

    def __init__(self, factors: FactorImages, cache_limit: int = 20_000) -> None:
        self.factors = factors
        self.shape = (1, SIZE, SIZE)
        self.device = torch.device("cpu")
        self._all = None
        if len(factors) <= cache_limit:
            self._all = torch.from_numpy(factors.render(factors.index_to_factors(np.arange(len(factors))))) * 2 - 1

    def to(self, device: str | torch.device) -> TrainingImages:
        """Draw batches on ``device`` from now on; returns ``self``."""
        self.device = torch.device(device)
        if self._all is not None:
            self._all = self._all.to(self.device)
        return self

    def sample(self, n: int) -> torch.Tensor:
        idx = torch.randint(len(self.factors), (n,))
        if self._all is not None:
            return self._all[idx.to(self.device)]
        return self.factors.render_on(self.factors.index_to_factors(idx.numpy()), self.device) * 2 - 1


def sprites(seed: int = 0) -> TrainingImages:
    """The lecture's circular sprites as training data (registered as ``--data sprites``; ``seed`` is unused)."""
    return TrainingImages(CircularSprites())


def dsprites(seed: int = 0) -> TrainingImages:
    """The dSprites-like set as training data, rendered on demand (``--data dsprites``; ``seed`` is unused)."""
    return TrainingImages(DSprites())

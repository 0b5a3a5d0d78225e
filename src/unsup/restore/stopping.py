"""Early stopping without ground truth: windowed moving variance of the outputs (ES-WMV, Wang et al. 2021).

While DIP fits the image the outputs change slowly and their spread shrinks; once it starts fitting the noise they
wander again. With outputs ``x_t`` and window ``W``::

    VAR_t = 1/W sum_{s=t-W+1..t} mean_pixels (x_s - xbar_t)^2,    xbar_t = 1/W sum_s x_s

the rule keeps the iteration with the smallest ``VAR_t`` and stops once it has not improved for ``patience`` steps.
"""

from __future__ import annotations

import math
from collections import deque

import torch


class VarianceStop:
    """ES-WMV detector: feed every output with :meth:`update`; ``best_iter`` is the chosen iteration."""

    def __init__(self, window: int = 100, patience: int = 1000) -> None:
        if window < 2:
            raise ValueError(f"window must be >= 2, got {window}")
        if patience < 1:
            raise ValueError(f"patience must be >= 1, got {patience}")
        self.window, self.patience = window, patience
        self._buf: deque[torch.Tensor] = deque()
        self._sum: torch.Tensor | None = None
        self._sq: torch.Tensor | None = None
        self.best_var = math.inf
        self.best_iter: int | None = None
        self.history: list[tuple[int, float]] = []  # (iteration, VAR_t)

    @torch.no_grad()
    def update(self, t: int, x: torch.Tensor) -> bool:
        """Record output ``x`` of iteration ``t``; returns True once the rule says stop."""
        # float64 running sums: O(pixels) per step instead of re-reading the whole window
        x = x.detach().flatten().double()
        if self._sum is None:
            self._sum, self._sq = torch.zeros_like(x), torch.zeros_like(x)
        self._buf.append(x)
        self._sum += x
        self._sq += x * x
        if len(self._buf) > self.window:
            old = self._buf.popleft()
            self._sum -= old
            self._sq -= old * old
        if len(self._buf) < self.window:
            return False
        mean = self._sum / self.window
        var = float((self._sq / self.window - mean * mean).clamp_min(0).mean())
        self.history.append((t, var))
        if var < self.best_var:
            self.best_var, self.best_iter = var, t
        return t - self.best_iter >= self.patience

    @property
    def improved(self) -> bool:
        """True right after the update that set a new minimum (the moment to keep a copy of the image)."""
        return bool(self.history) and self.history[-1][0] == self.best_iter


class HoldoutStop:
    """Self-validation stop: a few observed pixels are kept out of the fit and scored against the output.

    The fit never sees the held-out pixels' noise, so their error ``E|D(x)_i - y_i|^2 = |D(x)_i - D(x*)_i|^2 +
    sigma^2`` tracks the true error of ``x`` up to a constant (Li et al. 2021, "Self-validation: early stopping
    for single-instance deep generative priors"). Feed it that error every step; same interface as VarianceStop.

    The run stops ``patience`` steps after the minimum (``best_iter``). A few hundred noisy held-out values cannot
    rank iterations whose errors are within ``tolerance`` (relative) of the minimum: where the curve is flat that
    tie band spans hundreds of steps and its minimum falls anywhere in it. ``pick_iter`` is the band's centre: the
    first and the last iteration within ``tolerance`` of the minimum, averaged.
    """

    def __init__(self, patience: int = 300, tolerance: float = 0.0) -> None:
        if patience < 1:
            raise ValueError(f"patience must be >= 1, got {patience}")
        if not 0 <= tolerance < 1:
            raise ValueError(f"tolerance must be in [0, 1), got {tolerance}")
        self.patience, self.tolerance = patience, tolerance
        self.best_var = math.inf  # best held-out error so far (named like VarianceStop's for the caller)
        self.best_iter: int | None = None
        self.band = [0, 0]  # indices into history of the first and the last error within tolerance of the minimum
        self.history: list[tuple[int, float]] = []

    def update(self, t: int, error: float) -> bool:
        """Record the held-out error of iteration ``t``; returns True once it has not improved for ``patience``."""
        self.history.append((t, error))
        if error < self.best_var:
            self.best_var, self.best_iter = error, t
        limit = self.best_var * (1 + self.tolerance)
        if error <= limit:
            self.band[1] = len(self.history) - 1
        # the limit only falls, so the band's first member only moves forward
        while self.history[self.band[0]][1] > limit:
            self.band[0] += 1
        return t - self.best_iter >= self.patience

    @property
    def pick_iter(self) -> int | None:
        """Centre of the tie band around the minimum (the minimum itself with ``tolerance`` 0 on a strict dip)."""
        if self.best_iter is None:
            return None
        return (self.history[self.band[0]][0] + self.history[self.band[1]][0]) // 2

    @property
    def improved(self) -> bool:
        return bool(self.history) and self.history[-1][0] == self.best_iter

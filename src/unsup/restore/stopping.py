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
    """

    def __init__(self, patience: int = 300) -> None:
        if patience < 1:
            raise ValueError(f"patience must be >= 1, got {patience}")
        self.patience = patience
        self.best_var = math.inf  # best held-out error so far (named like VarianceStop's for the caller)
        self.best_iter: int | None = None
        self.history: list[tuple[int, float]] = []

    def update(self, t: int, error: float) -> bool:
        """Record the held-out error of iteration ``t``; returns True once it has not improved for ``patience``."""
        self.history.append((t, error))
        if error < self.best_var:
            self.best_var, self.best_iter = error, t
        return t - self.best_iter >= self.patience

    @property
    def improved(self) -> bool:
        return bool(self.history) and self.history[-1][0] == self.best_iter

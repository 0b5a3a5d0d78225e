"""The reference's learning-rate schedule: constant for ``n_epochs``, then linear decay over ``n_epochs_decay``."""

from __future__ import annotations

from collections.abc import Iterable

import torch


def linear_decay(epoch: int, n_epochs: int, n_epochs_decay: int) -> float:
    """LR multiplier for 0-based ``epoch``: ``1 - max(0, epoch + 1 - n_epochs) / (n_epochs_decay + 1)``.

    1.0 for the first ``n_epochs`` epochs, then falling linearly to ``1 / (n_epochs_decay + 1)`` at the last one.
    """
    if epoch < 0 or n_epochs < 0 or n_epochs_decay < 0:
        raise ValueError(f"epoch, n_epochs, n_epochs_decay must be >= 0; got {epoch}, {n_epochs}, {n_epochs_decay}")
    return 1.0 - max(0, epoch + 1 - n_epochs) / float(n_epochs_decay + 1)


def set_lr(optimizers: Iterable[torch.optim.Optimizer], lr: float) -> None:
    """Set every parameter group's learning rate; the epoch alone determines it, so resume needs no extra state."""
    for opt in optimizers:
        for group in opt.param_groups:
            group["lr"] = lr

"""A collapse check: warn when a generator's outputs stop depending on its input (one image for all inputs)."""

from __future__ import annotations

import warnings

import torch
from torch import Tensor


class CollapseWarning(UserWarning):
    """A translator's outputs vary far less than its inputs do."""


def _mean_pairwise_l1(x: Tensor) -> float:
    flat = x.flatten(1).float()
    return float(torch.cdist(flat, flat, p=1).sum() / (len(x) * (len(x) - 1) * flat.shape[1]))


def input_dependence(inputs: Tensor, outputs: Tensor) -> float:
    """Mean pairwise per-pixel L1 distance between outputs over that between inputs (``[N, ...]``, ``N >= 2``).

    About 1 for a map that keeps images apart as much as they were (e.g. identity); 0 when every input gives the
    same output.
    """
    if len(inputs) < 2 or len(inputs) != len(outputs):
        raise ValueError(f"need the same number (>= 2) of inputs and outputs; got {len(inputs)} and {len(outputs)}")
    spread = _mean_pairwise_l1(inputs)
    return _mean_pairwise_l1(outputs) / spread if spread > 0 else float("nan")


def check_collapse(inputs: Tensor, outputs: Tensor, name: str, threshold: float = 0.1) -> float:
    """Return :func:`input_dependence`; emit a :class:`CollapseWarning` naming ``name`` if it is below ``threshold``."""
    dep = input_dependence(inputs, outputs)
    if dep < threshold:
        warnings.warn(
            f"{name}: outputs barely depend on the input (pairwise spread {dep:.3f} of the inputs'); "
            "the generator may have collapsed to one image",
            CollapseWarning,
            stacklevel=2,
        )
    return dep

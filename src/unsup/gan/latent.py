"""Latent-space tools (lecture: "the learned latent space is important"): interpolation between two codes,
the average of two images taken in z-space versus pixel space, and latent traversals.

G is run in eval mode (BatchNorm running averages) so each image is a function of its own code only, whatever
else is in the batch. Every ``*_grid`` function returns images ``[rows * cols, C, H, W]`` in [-1, 1], row-major.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn


def lerp(z0: Tensor, z1: Tensor, t: Tensor) -> Tensor:
    """Linear interpolation ``(1 - t) z0 + t z1``; ``z0, z1``: ``[d]``, ``t``: ``[T]`` -> ``[T, d]``."""
    return (1 - t)[:, None] * z0 + t[:, None] * z1


def slerp(z0: Tensor, z1: Tensor, t: Tensor) -> Tensor:
    """Spherical interpolation along the great circle from ``z0`` to ``z1`` (norms interpolated linearly).

    Keeps codes at the typical radius ``sqrt(d)`` of ``N(0, I)``, where a straight line would pass near 0.
    ``z0, z1``: ``[d]``, ``t``: ``[T]`` -> ``[T, d]``; falls back to :func:`lerp` for (anti)parallel codes.
    """
    n0, n1 = z0.norm(), z1.norm()
    cos = torch.clamp((z0 / n0) @ (z1 / n1), -1.0, 1.0)
    omega = torch.arccos(cos)
    if torch.sin(omega).abs() < 1e-6:
        return lerp(z0, z1, t)
    w0 = torch.sin((1 - t) * omega) / torch.sin(omega)
    w1 = torch.sin(t * omega) / torch.sin(omega)
    direction = w0[:, None] * (z0 / n0) + w1[:, None] * (z1 / n1)
    return direction * ((1 - t) * n0 + t * n1)[:, None]


INTERPOLATIONS: dict[str, Callable[[Tensor, Tensor, Tensor], Tensor]] = {"lerp": lerp, "slerp": slerp}


@torch.no_grad()
def render(generator: nn.Module, z: Tensor) -> Tensor:
    """``G(z)`` in eval mode (BatchNorm running averages); restores the training flag afterwards."""
    flag = generator.training
    generator.eval()
    try:
        return generator(z)
    finally:
        generator.train(flag)


def interpolation_grid(generator: nn.Module, z0: Tensor, z1: Tensor, steps: int = 8, method: str = "slerp") -> Tensor:
    """Rows of ``steps`` images from ``G(z0[i])`` to ``G(z1[i])``; ``z0, z1``: ``[rows, d]``."""
    if steps < 2:
        raise ValueError(f"steps must be >= 2; got {steps}")
    if method not in INTERPOLATIONS:
        raise ValueError(f"method must be one of {', '.join(INTERPOLATIONS)}; got {method!r}")
    t = torch.linspace(0, 1, steps, device=z0.device)
    z = torch.cat([INTERPOLATIONS[method](a, b, t) for a, b in zip(z0, z1, strict=True)])
    return render(generator, z)


def average_grid(generator: nn.Module, z0: Tensor, z1: Tensor) -> Tensor:
    """Rows ``[G(z0), G(z1), G(slerp midpoint), (G(z0) + G(z1)) / 2]``: z-space vs pixel-space average.

    ``z0, z1``: ``[rows, d]`` -> ``[rows * 4, C, H, W]``.
    """
    half = torch.tensor([0.5], device=z0.device)
    mid = torch.cat([slerp(a, b, half) for a, b in zip(z0, z1, strict=True)])
    x0, x1, xm = render(generator, z0), render(generator, z1), render(generator, mid)
    return torch.stack([x0, x1, xm, (x0 + x1) / 2], 1).flatten(0, 1)


def sweep_codes(z: Tensor, dims: Sequence[int], low: float, high: float, steps: int) -> Tensor:
    """``z`` (``[d]``) repeated ``len(dims) * steps`` times; block ``i`` has coordinate ``dims[i]`` swept over
    ``steps`` values from ``low`` to ``high`` -> ``[len(dims) * steps, d]``."""
    if steps < 2:
        raise ValueError(f"steps must be >= 2; got {steps}")
    if any(not 0 <= d < len(z) for d in dims):
        raise ValueError(f"dims must lie in 0..{len(z) - 1}; got {list(dims)}")
    values = torch.linspace(low, high, steps, device=z.device)
    codes = z.repeat(len(dims) * steps, 1)
    for row, d in enumerate(dims):
        codes[row * steps : (row + 1) * steps, d] = values
    return codes


def latent_traversal_grid(
    generator: nn.Module, z: Tensor, dims: Sequence[int], span: float = 3.0, steps: int = 8
) -> Tensor:
    """One row per latent dimension in ``dims``: ``G(z)`` (``z``: ``[d]``) with that coordinate swept over ``±span``.

    For any ``z -> x`` generator; InfoGAN's code sweep is :func:`unsup.gan.traversal.code_traversal_grid`.
    """
    return render(generator, sweep_codes(z, dims, -span, span, steps))

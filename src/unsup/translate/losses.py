"""CycleGAN's reconstruction terms; the adversarial terms come from :mod:`unsup.gan.losses`."""

from __future__ import annotations

from torch import Tensor


def cycle_loss(real: Tensor, reconstructed: Tensor) -> Tensor:
    """``‖F(G(a)) - a‖₁`` as a per-pixel mean: how far a round trip A -> B -> A lands from where it started."""
    return (reconstructed - real).abs().mean()


def identity_loss(real: Tensor, mapped: Tensor) -> Tensor:
    """``‖G(b) - b‖₁`` as a per-pixel mean for ``G: A -> B`` fed a B image: G should leave its own domain alone."""
    return (mapped - real).abs().mean()

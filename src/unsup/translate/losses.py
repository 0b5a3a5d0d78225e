"""CycleGAN's reconstruction and semantic terms; the adversarial terms come from :mod:`unsup.gan.losses`."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from unsup.metrics.mnist_classifier import augment


def cycle_loss(real: Tensor, reconstructed: Tensor) -> Tensor:
    """``‖F(G(a)) - a‖₁`` as a per-pixel mean: how far a round trip A -> B -> A lands from where it started."""
    return (reconstructed - real).abs().mean()


def identity_loss(real: Tensor, mapped: Tensor) -> Tensor:
    """``‖G(b) - b‖₁`` as a per-pixel mean for ``G: A -> B`` fed a B image: G should leave its own domain alone."""
    return (mapped - real).abs().mean()


def semantic_loss(classifier: nn.Module, source: Tensor, translated: Tensor, jitter: bool = False) -> Tensor:
    """CyCADA's semantic consistency (Hoffman et al. 2018): ``CE(f(G(x)), argmax f(x))`` for a frozen classifier
    ``f``, so a translation keeps the class ``f`` sees in its input. ``source`` and ``translated`` are
    ``[B, C, H, W]`` in [-1, 1]; the pseudo-labels carry no gradient, the loss reaches G through ``f``'s input only.
    With ``jitter`` f sees ``translated`` under a random small affine map (the digit CNN's training augmentation),
    so only a class that survives the jitter lowers the loss."""
    with torch.no_grad():
        labels = classifier(source).argmax(1)
    if jitter:
        translated = augment(translated, None)  # the global RNG: checkpointed with the run
    return F.cross_entropy(classifier(translated), labels)

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


def semantic_loss(reader_src: nn.Module, reader_dst: nn.Module, source: Tensor, translated: Tensor,
                  jitter: bool = False) -> Tensor:  # fmt: skip
    """CyCADA's semantic consistency (Hoffman et al. 2018): ``CE(f_dst(G(x)), argmax f_src(x))`` for frozen
    classifiers of the source and target domains (CyCADA: one ``f`` for both), so a translation keeps the class
    its input shows. ``source`` and ``translated`` are ``[B, C, H, W]`` in [-1, 1]; the pseudo-labels carry no
    gradient, the loss reaches G through ``f_dst``'s input only. With ``jitter`` ``f_dst`` sees ``translated``
    under a random small affine map (the digit CNN's training augmentation), so only a class that survives the
    jitter lowers the loss."""
    with torch.no_grad():
        labels = reader_src(source).argmax(1)
    if jitter:
        translated = augment(translated, None)  # the global RNG: checkpointed with the run
    return F.cross_entropy(reader_dst(translated), labels)

"""The semantic term's classifier, adapted to the domain whose labels it never sees by self-training.

CyCADA's semantic term ``CE(f(G(a)), argmax f(a))`` only helps if ``f`` is right about images of the *target*
domain, where ``G(a)`` lands; a classifier trained on domain A's labels alone is not (on MNIST <-> digits the
project's digit CNN trained on MNIST labels 85% of the held-out sklearn digits). Self-training fixes that without
a single target label: label the other domain's training images with ``f``, keep the most confident fraction of
each predicted class, and retrain ``f`` on the labelled images plus those pseudo-labelled ones; repeat with a
larger fraction.

The translation's class is best checked by a classifier of the domain it lands in: one trained on domain A and
domain B together accepts an A-shaped digit drawn with B's strokes, which a B reader does not (on MNIST -> digits,
97% of the translations satisfied such an f while a CNN trained on the digits' labels read 88%).
:func:`domain_classifiers` therefore gives each domain its own reader: the labelled domain's classifier, and one
trained on the other domain alone with the self-trained classifier's pseudo-labels.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

SELF_TRAIN = 2  # MNIST-trained CNN on held-out sklearn digits: 85% -> 98.7% (1 round) -> 99.0% (2)


@torch.no_grad()
def pseudo_labels(classifier: nn.Module, images: Tensor, keep: float, chunk: int = 1000) -> tuple[Tensor, Tensor]:
    """``(indices, labels)`` of the ``keep`` fraction of ``images [N, C, H, W]`` that ``classifier`` is most sure
    of, taken per predicted class (so no class is crowded out by an easier one); ``indices`` ascend."""
    if not 0 < keep <= 1:
        raise ValueError(f"keep must be in (0, 1]; got {keep}")
    was_training = classifier.training
    classifier.eval()
    probs = torch.cat([torch.softmax(classifier(c), 1) for c in images.split(chunk)])
    classifier.train(was_training)
    confidence, labels = probs.max(1)
    chosen = []
    for c in labels.unique():
        idx = (labels == c).nonzero().flatten()
        chosen.append(idx[confidence[idx].argsort(descending=True)[: max(1, int(len(idx) * keep))]])
    idx = torch.cat(chosen).sort().values
    return idx, labels[idx]


def self_trained_classifier(images: Tensor, labels: Tensor, other: Tensor, rounds: int, seed: int, epochs: int = 15,
                            on_round: Callable[[int, nn.Module], None] | None = None) -> nn.Module:  # fmt: skip
    """The project's digit CNN trained on labelled ``images [N, 1, 28, 28]`` / ``labels [N]``, then ``rounds`` times
    retrained with the confident half (round 1), three quarters (round 2), ... of ``other [M, 1, 28, 28]``
    pseudo-labelled by the previous network. ``rounds = 0`` is the plain source-only classifier. ``on_round(r, f)``
    sees each round's network (``r = 0``: before any pseudo-label), e.g. to score it."""
    from unsup.metrics.mnist_classifier import train_classifier

    if rounds < 0:
        raise ValueError(f"rounds must be >= 0; got {rounds}")
    report = on_round or (lambda r, f: None)
    f = train_classifier(images, labels, epochs=epochs, seed=seed)
    report(0, f)
    for r in range(rounds):
        idx, pseudo = pseudo_labels(f, other, keep=1 - 0.5 ** (r + 1))
        f = train_classifier(torch.cat([images, other[idx]]), torch.cat([labels, pseudo]), epochs=epochs,
                             seed=seed + r + 1)  # fmt: skip
        report(r + 1, f)
    return f


class DomainClassifiers(nn.Module):
    """One frozen classifier per domain: ``a`` reads images of domain A, ``b`` of domain B (``[N, C, H, W]`` ->
    ``[N, n_classes]`` logits). The semantic term labels an input with its own domain's reader and asks the other
    domain's reader to see that label in the translation."""

    def __init__(self, a: nn.Module, b: nn.Module) -> None:
        super().__init__()
        self.a, self.b = a, b


def domain_classifiers(images: Tensor, labels: Tensor, other: Tensor, rounds: int, seed: int, epochs: int = 15,
                       labelled: str = "A") -> DomainClassifiers:  # fmt: skip
    """Readers for both domains without a label of ``other``: the digit CNN trained on the ``labelled`` domain's
    ``images``/``labels`` (round 0 of :func:`self_trained_classifier`), and one trained on ``other`` alone with
    every image pseudo-labelled by the ``rounds``-times self-trained classifier (``rounds >= 1``)."""
    from unsup.metrics.mnist_classifier import train_classifier

    if rounds < 1:
        raise ValueError(f"rounds must be >= 1 for a classifier of the unlabelled domain; got {rounds}")
    if labelled not in ("A", "B"):
        raise ValueError(f"labelled must be 'A' or 'B'; got {labelled!r}")
    first = []
    adapted = self_trained_classifier(images, labels, other, rounds, seed, epochs,
                                      on_round=lambda r, f: first.append(f) if r == 0 else None)  # fmt: skip
    _, pseudo = pseudo_labels(adapted, other, keep=1.0)
    reader = train_classifier(other, pseudo, epochs=epochs, seed=seed + rounds + 1)
    return DomainClassifiers(first[0], reader) if labelled == "A" else DomainClassifiers(reader, first[0])

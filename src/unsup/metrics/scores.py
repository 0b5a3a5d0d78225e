"""The scores of generated samples against the data set they imitate, as ``unsup gan eval`` reports them:
mode coverage for a Gaussian mixture (:mod:`unsup.metrics.modes`), image scores for the digit sets or any set with
an Inception checkpoint (:mod:`unsup.metrics.image_scores`). Data sets carry no metric code: this module reads what
they are (a :class:`~unsup.data.toy.Mixture`, an image set's ``kind``) and scores accordingly."""

from __future__ import annotations

from typing import Any

import torch

from unsup.metrics.image_scores import DIGIT_KINDS


def has_scores(data: Any) -> bool:
    """Whether :func:`sample_scores` can score samples of ``data``."""
    from unsup.data.images import ImageDataset, LabelledSampler
    from unsup.data.toy import Mixture

    ds = data.dataset if isinstance(data, LabelledSampler) else data
    return isinstance(data, Mixture) or (isinstance(ds, ImageDataset) and (ds.kind in DIGIT_KINDS or ds.inception))


def sample_scores(data: Any, samples: torch.Tensor) -> dict:
    """Scores of ``samples`` (``(n, d)`` points, or ``[n, C, H, W]`` images in [-1, 1]) for the data set ``data``.

    A mixture: ``modes``, ``high_quality`` (%), ``reverse_kl`` (nats), ``counts``; images: see
    :func:`~unsup.metrics.image_scores.image_scores` (a labelled view adds the label fidelity of a conditional
    game, which asks for classes 0, 1, ..., K-1, 0, 1, ... in turn). ``ValueError`` if ``data`` has no scores.
    """
    from unsup.data.images import LabelledSampler
    from unsup.data.toy import Mixture

    if isinstance(data, Mixture):
        from unsup.metrics.modes import mode_metrics

        return mode_metrics(samples, data.means, data.std, data.weights.double().numpy())
    if not has_scores(data):
        raise ValueError(f"no metric for samples of {type(data).__name__} data (a mixture, or digit images)")
    from unsup.metrics.image_scores import image_scores, real_reference

    labelled = isinstance(data, LabelledSampler)
    ds = data.dataset if labelled else data
    real = ds.rows(real_reference(torch.arange(len(ds))))
    asked = torch.arange(len(samples)) % ds.num_classes if labelled else None
    return image_scores(samples, real, ds.kind, asked, ds.inception)

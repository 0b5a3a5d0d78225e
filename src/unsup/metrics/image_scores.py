"""Scores of generated images against their training set, as ``unsup gan eval`` reports them.

- ``stacked-mnist``: modes captured and KL to uniform (:mod:`unsup.metrics.stacked_mnist`);
- every digit-like set (``stacked-mnist``, ``mnist``, ``digits``): Fréchet distance and KID on the project MNIST
  classifier's features, and for conditional runs the label fidelity (a classifier's accuracy on the requested
  labels: the MNIST classifier for ``mnist``, an RBF SVM fitted to the 8x8 digits for ``digits``, since the
  MNIST classifier reads upscaled 8x8 digits only 78% right);
- any set with a user Inception checkpoint (``inception=PATH``): the standard FID and KID on its features.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F

if TYPE_CHECKING:
    from sklearn.svm import SVC

DIGIT_KINDS = ("stacked-mnist", "mnist", "digits")


def _as_mnist(x: torch.Tensor) -> torch.Tensor:
    """Digit images of any side -> 28x28 with MNIST's framing (the digit in the central 20x20)."""
    if x.shape[-2:] == (28, 28):
        return x
    x = F.interpolate(x, size=(20, 20), mode="bilinear", align_corners=False, antialias=True)
    return F.pad(x, (4, 4, 4, 4), value=-1.0)


def image_scores(
    samples: torch.Tensor,
    real: torch.Tensor,
    kind: str,
    labels: torch.Tensor | None = None,
    inception: str | os.PathLike | None = None,
) -> dict:
    """Scores of ``samples`` ``[N, C, H, W]`` in [-1, 1] against ``real`` images of the same shape.

    ``labels`` ``[N]``: the classes a conditional generator was asked for (adds ``label_fidelity``).
    """
    from unsup.metrics.frechet import (
        classifier_features,
        frechet_distance,
        kernel_inception_distance,
        load_feature_extractor,
    )

    samples = samples.float().cpu()
    out: dict = {"n": len(samples)}
    if inception is not None:
        extract = load_feature_extractor(inception)
        fr, ff = extract(real), extract(samples)
        return {**out, "fid": frechet_distance(fr, ff), "kid": kernel_inception_distance(fr, ff)}
    if kind not in DIGIT_KINDS:
        raise ValueError(f"no offline metric for {kind!r} images; pass inception=PATH (a TorchScript Inception)")
    from unsup.metrics.mnist_classifier import load_classifier, predict

    clf = load_classifier()
    x, r = _as_mnist(samples), _as_mnist(real.float())
    if kind == "stacked-mnist":
        from unsup.metrics.stacked_mnist import stacked_mnist_scores

        out.update(stacked_mnist_scores(x, clf))
    fr, ff = classifier_features(r, clf), classifier_features(x, clf)
    out["frechet"] = frechet_distance(fr, ff)
    out["kid"] = kernel_inception_distance(fr, ff)
    if labels is not None:
        if x.shape[1] != 1:
            raise ValueError("label fidelity needs one-channel digit images")
        if kind == "digits":
            flat = ((samples[:, 0] + 1) * 8).reshape(len(samples), -1).numpy()  # back to the 0..16 pixel scale
            pred = torch.as_tensor(digits_judge().predict(flat))
        else:
            pred = predict(clf, x)
        out["label_fidelity"] = float((pred == labels.cpu()).float().mean())
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in out.items()}


def real_reference(images: torch.Tensor, n: int = 5000, seed: int = 0) -> torch.Tensor:
    """A fixed random subset of at most ``n`` training images to compare samples with."""
    idx = np.random.default_rng(seed).permutation(len(images))[:n]
    return images[torch.as_tensor(np.sort(idx))]


@lru_cache(maxsize=1)
def digits_judge(train_idx: tuple[int, ...] | None = None) -> SVC:
    """RBF SVM on scikit-learn's 8x8 digits (pixels 0..16): the label judge for ``digits`` samples.

    Fitted on every digit unless ``train_idx`` picks a subset (the tests hold some out to measure it).
    """
    from sklearn.datasets import load_digits
    from sklearn.svm import SVC

    d = load_digits()
    idx = np.arange(len(d.target)) if train_idx is None else np.asarray(train_idx)
    return SVC(gamma=0.001, C=10.0).fit(d.data[idx], d.target[idx])

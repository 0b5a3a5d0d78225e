"""Held-out scores: class preservation and cycle L1 on the MNIST <-> digits pair, PSNR/SSIM against bicubic for
super-resolution, and input dependence (the collapse check) for any model."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from unsup.metrics.fidelity import psnr, ssim
from unsup.translate.collapse import input_dependence
from unsup.translate.trainer import evaluating

if TYPE_CHECKING:
    from sklearn.svm import SVC


def translate_all(model: nn.Module, x: Tensor, direction: str, chunk: int = 256) -> Tensor:
    """``model.translate`` in eval mode over ``x [N, C, H, W]`` in chunks; returns a CPU tensor."""
    device = next(model.parameters()).device
    with evaluating(model):
        parts = [model.translate(x[i : i + chunk].to(device), direction).cpu() for i in range(0, len(x), chunk)]
    return torch.cat(parts)


def digit_classifier(images: Tensor, labels: Tensor) -> SVC:
    """An RBF support-vector classifier on raw pixels of ``[N, 1, 28, 28]`` images: the judge for one domain."""
    from sklearn.svm import SVC

    return SVC(gamma="scale").fit(images.flatten(1).numpy(), labels.numpy())


class _CNNJudge:
    """The project's digit CNN trained on one domain's ``[N, 1, 28, 28]`` images, with the SVM's ``predict``."""

    def __init__(self, images: Tensor, labels: Tensor, seed: int = 0, epochs: int = 15) -> None:
        from unsup.metrics.mnist_classifier import train_classifier

        self.model = train_classifier(images, labels, epochs=epochs, seed=seed)

    def predict(self, flat: np.ndarray) -> np.ndarray:
        from unsup.metrics.mnist_classifier import predict

        return predict(self.model, torch.as_tensor(flat, dtype=torch.float32).view(-1, 1, 28, 28)).numpy()


JUDGES = ("svm", "cnn")


def digit_judge(images: Tensor, labels: Tensor, kind: str = "svm", seed: int = 0) -> SVC | _CNNJudge:
    """A classifier for one domain: ``svm`` (RBF SVM on raw pixels, seconds) or ``cnn`` (the project's digit CNN
    with affine augmentation, ~1 CPU-minute per domain; it generalises across handwriting styles better)."""
    if kind not in JUDGES:
        raise ValueError(f"judge must be one of {', '.join(JUDGES)}; got {kind!r}")
    return digit_classifier(images, labels) if kind == "svm" else _CNNJudge(images, labels, seed)


def accuracy(clf: SVC | _CNNJudge, images: Tensor, labels: Tensor) -> float:
    """Fraction of ``images`` that ``clf`` labels with ``labels``."""
    return float((clf.predict(images.flatten(1).numpy()) == labels.numpy()).mean())


def resample_like_digits(x: Tensor) -> Tensor:
    """MNIST ``[N, 1, 28, 28]`` in [-1, 1] put through domain B's making by hand: the 20×20 box shrunk to 8×8,
    quantised to 17 grey levels, enlarged back and framed. A translation written without learning, for reference."""
    from unsup.translate.data import MNIST_BOX, MNIST_PAD, mnist_frame

    box = x[..., MNIST_PAD : MNIST_PAD + MNIST_BOX, MNIST_PAD : MNIST_PAD + MNIST_BOX]
    low = F.interpolate(box, size=(8, 8), mode="bilinear", antialias=True, align_corners=False)
    low = torch.round((low + 1) * 8) / 8 - 1
    return mnist_frame(F.interpolate(low, size=(MNIST_BOX, MNIST_BOX), mode="bilinear", align_corners=False))


def eval_digits(model: nn.Module, seed: int = 0, judge: str = "svm") -> dict[str, float]:
    """Class preservation both ways (target-domain classifier's accuracy on translated held-out images), the same
    classifier on untranslated images (what translation adds), its accuracy in its own domain, and cycle L1.

    ``judge`` picks the classifiers (see :func:`digit_judge`); each is trained on its domain's training images.
    """
    from unsup.translate.data import digits_pair

    a, ya, b, yb = digits_pair(True, seed)
    ta, tya, tb, tyb = digits_pair(False, seed)
    clf_a, clf_b = digit_judge(a, ya, judge, seed), digit_judge(b, yb, judge, seed)
    fake_b, fake_a = translate_all(model, ta, "AtoB"), translate_all(model, tb, "BtoA")
    rec_a, rec_b = translate_all(model, fake_b, "BtoA"), translate_all(model, fake_a, "AtoB")
    return {
        "class_kept_AtoB": accuracy(clf_b, fake_b, tya),
        "class_kept_BtoA": accuracy(clf_a, fake_a, tyb),
        "untranslated_AtoB": accuracy(clf_b, ta, tya),
        "untranslated_BtoA": accuracy(clf_a, tb, tyb),
        "resampled_AtoB": accuracy(clf_b, resample_like_digits(ta), tya),
        "judge_acc_B": accuracy(clf_b, tb, tyb),
        "judge_acc_A": accuracy(clf_a, ta, tya),
        "cycle_l1_A": float((rec_a - ta).abs().mean() / 2),  # per pixel, on the [0, 1] scale
        "cycle_l1_B": float((rec_b - tb).abs().mean() / 2),
        "dependence_AtoB": input_dependence(ta[:64], fake_b[:64]),
        "dependence_BtoA": input_dependence(tb[:64], fake_a[:64]),
    }


def _unit_hwc(x: Tensor) -> np.ndarray:
    return ((x.clamp(-1, 1) + 1) / 2).permute(0, 2, 3, 1).numpy().astype(np.float64)


def quality(pred: Tensor, truth: Tensor) -> dict[str, float]:
    """Mean PSNR (dB) and SSIM over images ``[N, C, H, W]`` in [-1, 1] (scored on [0, 1])."""
    p, t = _unit_hwc(pred), _unit_hwc(truth)
    return {
        "psnr": float(np.mean([psnr(pi, ti) for pi, ti in zip(p, t, strict=True)])),
        "ssim": float(np.mean([ssim(pi, ti) for pi, ti in zip(p, t, strict=True)])),
    }


def eval_paired(model: nn.Module, x: Tensor, y: Tensor) -> dict[str, float]:
    """PSNR/SSIM of ``G(x)`` and of the input ``x`` itself against ``y`` (for SR, ``x`` is the bicubic image)."""
    pred = translate_all(model, x, "AtoB")
    ours, base = quality(pred, y), quality(x, y)
    return {"psnr": ours["psnr"], "ssim": ours["ssim"], "psnr_input": base["psnr"], "ssim_input": base["ssim"],
            "psnr_gain_db": ours["psnr"] - base["psnr"]}  # fmt: skip


def eval_sr(model: nn.Module, scale: int, n: int = 500, patch: int = 32, seed: int = 1) -> dict[str, float]:
    """:func:`eval_paired` on ``n`` held-out patches (images never seen in training); ``_input`` = bicubic."""
    from unsup.translate.data import sr_patches

    x, y = sr_patches(False, scale, patch, n, seed)
    return eval_paired(model, x, y)

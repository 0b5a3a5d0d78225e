"""A translation run on disk: ``config.json`` (configs + data spec), ``checkpoint.pt``, pictures, ``index.html``.

The data spec names where the images come from, so ``train --resume``, ``apply`` and ``eval`` rebuild the same
data and model: ``{"kind": "digits"}``, ``{"kind": "sr", "scale": 4, "n": 2000}`` or
``{"kind": "folders", "a": DIR, "b": DIR | None, "paired": bool, "grey": bool}``. A digits spec with
``"labels": "A"`` or ``"B"`` trains CycleGAN's semantic classifier on that domain's training labels, and
``"self_train": R`` (default 0) then adapts it to the other domain by ``R`` rounds of pseudo-labelling; with
``"per_domain": true`` (default false) each domain gets its own classifier instead (see
:mod:`unsup.translate.semantic`).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from torch import Tensor, nn

from unsup._run import load_checkpoint, write_json
from unsup.translate.data import Translation, digits_pair, paired_folders, sr_patches, unpaired_folders
from unsup.translate.presets import TranslateTrainConfig, build_model, config_dict, configs_from_dict

if TYPE_CHECKING:
    from unsup.translate.cyclegan import CycleGANConfig
    from unsup.translate.paired import PairedConfig


def load_images(spec: dict, train: TranslateTrainConfig) -> tuple[Tensor, Tensor, bool]:
    """``(a, b, paired)`` training images for a data spec (see the module docstring)."""
    kind = spec["kind"]
    if kind == "digits":
        a, _, b, _ = digits_pair(True, train.seed)
        return a, b, False
    if kind == "sr":
        x, y = sr_patches(True, spec["scale"], train.load, spec["n"], train.seed)
        return x, y, True
    if kind == "folders":
        if spec["paired"]:
            return (*paired_folders(spec["a"], spec["b"], train.load, spec["grey"]), True)
        return (*unpaired_folders(spec["a"], spec["b"], train.load, spec["grey"]), False)
    raise ValueError(f"unknown data kind {kind!r}")


def semantic_classifier(spec: dict, train: TranslateTrainConfig, fresh: bool) -> nn.Module | None:
    """The frozen classifier of a run with a semantic term, ``None`` for one without: the project's digit CNN
    trained (``fresh``) on the training images of the domain ``spec["labels"]`` names, self-trained on the other
    domain's unlabelled training images for ``spec["self_train"]`` rounds, or untrained for a checkpoint to fill.
    Its seeds start at ``train.seed + 1``: never the same network as the evaluation's judge."""
    domain = spec.get("labels")
    if domain is None:
        return None
    from unsup.metrics.mnist_classifier import DigitCNN
    from unsup.translate.semantic import DomainClassifiers, domain_classifiers, self_trained_classifier

    per_domain, rounds = spec.get("per_domain", False), spec.get("self_train", 0)
    if not fresh:
        return DomainClassifiers(DigitCNN(), DigitCNN()) if per_domain else DigitCNN()
    a, ya, b, yb = digits_pair(True, train.seed)
    x, y, other = (a, ya, b) if domain == "A" else (b, yb, a)
    if per_domain:
        return domain_classifiers(x, y, other, rounds, seed=train.seed + 1, labelled=domain)
    return self_trained_classifier(x, y, other, rounds, seed=train.seed + 1)


def probe_images(spec: dict, a: Tensor, b: Tensor, train: TranslateTrainConfig, n: int = 8) -> tuple[Tensor, Tensor]:
    """Fixed inputs for the per-epoch sample grid and collapse check: held-out ones where the data has them."""
    if spec["kind"] == "digits":
        ta, _, tb, _ = digits_pair(False, train.seed)
        return ta[:n], tb[:n]
    if spec["kind"] == "sr":
        return sr_patches(False, spec["scale"], train.load, n, train.seed + 1)
    c = train.crop  # folder images are stored at the load size: show the centre crop
    top = (a.shape[-1] - c) // 2
    return a[:n, :, top : top + c, top : top + c], b[:n, :, top : top + c, top : top + c]


def start_run(
    run: Path, cfg: CycleGANConfig | PairedConfig, train: TranslateTrainConfig, spec: dict, preset: str
) -> None:
    """Write ``run/config.json``; the run folder must be fresh (see :func:`unsup._run.new_run_dir`)."""
    write_json(run / "config.json", {"preset": preset, "data": spec, **config_dict(cfg, train)})


def read_config(run: Path) -> dict:
    """``run/config.json``; ``FileNotFoundError`` if ``run`` is not a translation run."""
    path = Path(run) / "config.json"
    if not path.is_file():
        raise FileNotFoundError(f"{run} is not a translation run (no config.json)")
    try:
        config = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(config, dict) or not {"model_kind", "model", "train", "data"} <= config.keys():
        what = "a GAN run's (unsup gan train)" if isinstance(config, dict) and "spec" in config else "not one"
        raise ValueError(f"{path}: {what}, not a translation run's config (unsup translate train)")
    return config


def open_run(run: Path, device: torch.device, trained: bool = True) -> tuple[nn.Module, dict, TranslateTrainConfig]:
    """``(model, data spec, train config)`` of a run; with ``trained`` its last checkpoint is loaded."""
    config = read_config(run)
    cfg, train = configs_from_dict(config)
    model = build_model(cfg, train.seed, semantic_classifier(config["data"], train, fresh=False)).to(device)
    ckpt = Path(run) / "checkpoint.pt"
    if trained:
        if not ckpt.is_file():
            raise FileNotFoundError(f"{run} has no checkpoint.pt yet (train it first)")
        load_model_state(model, load_checkpoint(ckpt, "translate", device), ckpt)
    return model, config["data"], train


def load_model_state(model: nn.Module, state: dict, path: Path) -> None:
    """Load a translation checkpoint's networks (and optimisers) into ``model``; one-line ``ValueError`` when they
    are another model's (another preset, direction set or size)."""
    try:
        model.load_full_state(state["model"])
    except (KeyError, RuntimeError, ValueError) as exc:
        detail = " ".join(str(exc).split())[:160]
        raise ValueError(f"{path}: its networks do not fit the model config.json describes ({detail})") from None


def translation(a: Tensor, b: Tensor, paired: bool, train: TranslateTrainConfig) -> Translation:
    """The training batches for ``a``/``b`` with ``train``'s crop and flips."""
    return Translation(a, b, paired, train.crop, train.flip)


def with_epochs(train: TranslateTrainConfig, n_epochs: int | None, n_epochs_decay: int | None) -> TranslateTrainConfig:
    """``train`` with the epoch counts replaced where given."""
    kw = {k: v for k, v in (("n_epochs", n_epochs), ("n_epochs_decay", n_epochs_decay)) if v is not None}
    return dataclasses.replace(train, **kw)

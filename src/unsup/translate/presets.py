"""Named settings: the reference's defaults and smaller ones that finish on a CPU."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from unsup.translate.cyclegan import CycleGAN, CycleGANConfig
from unsup.translate.paired import PairedConfig, PairedTranslator


@dataclass
class TranslateTrainConfig:
    """Epochs at the full LR, epochs of linear decay to ~0, batch size, load size -> random crop (pixels), flips."""

    n_epochs: int = 100
    n_epochs_decay: int = 100
    batch_size: int = 1
    load: int = 286
    crop: int = 256
    flip: bool = True
    seed: int = 0

    def __post_init__(self) -> None:
        if self.n_epochs < 0 or self.n_epochs_decay < 0 or self.n_epochs + self.n_epochs_decay < 1:
            raise ValueError(f"n_epochs and n_epochs_decay must be >= 0 with a positive sum; got {self.n_epochs}, "
                             f"{self.n_epochs_decay}")  # fmt: skip
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1; got {self.batch_size}")
        if not 1 <= self.crop <= self.load:
            raise ValueError(f"crop must be in [1, load={self.load}]; got {self.crop}")


PRESETS: dict[str, tuple[type, dict, dict]] = {
    # the reference's defaults: 256 px crops of 286 px images, batch 1, 200 epochs
    "cyclegan": (CycleGANConfig, {}, {}),
    "pix2pix": (PairedConfig, {}, {}),
    "regression": (PairedConfig, {"gan_loss": None}, {}),
    # CPU-sized: 128 px crops, narrower nets
    "cyclegan-small": (CycleGANConfig, {"ngf": 32, "n_blocks": 6, "ndf": 32}, {"load": 143, "crop": 128}),
    # the offline MNIST <-> digits pair: 28 px grey, no crops, no flips (a flipped digit is another symbol)
    "digits": (
        CycleGANConfig,
        {"ch_a": 1, "ch_b": 1, "ngf": 16, "n_blocks": 3, "ndf": 16, "n_layers": 2},
        {"n_epochs": 3, "n_epochs_decay": 3, "batch_size": 8, "load": 28, "crop": 28, "flip": False},
    ),
    # x2/x4 super-resolution from the bicubic up-sampled image: a residual full-resolution ResNet, L1 loss
    "sr": (
        PairedConfig,
        {
            "ch_a": 1,
            "ch_b": 1,
            "generator": "residual-resnet",
            "ngf": 32,
            "n_blocks": 4,
            "n_down": 0,
            "dropout": 0.0,
            "gan_loss": None,
            "lambda_recon": 1.0,
            "lr": 1e-3,
            "beta1": 0.9,
        },
        {"n_epochs": 2, "n_epochs_decay": 2, "batch_size": 16, "load": 32, "crop": 32},
    ),  # fmt: skip
}
PRESETS["sr-pix2pix"] = (PairedConfig, {**PRESETS["sr"][1], "gan_loss": "ns", "lambda_recon": 100.0}, PRESETS["sr"][2])


def preset(name: str) -> tuple[CycleGANConfig | PairedConfig, TranslateTrainConfig]:
    """The model and training configs of preset ``name`` (see :data:`PRESETS`)."""
    if name not in PRESETS:
        raise ValueError(f"preset must be one of {', '.join(PRESETS)}; got {name!r}")
    cls, model_kw, train_kw = PRESETS[name]
    return cls(**model_kw), TranslateTrainConfig(**train_kw)


def build_model(cfg: CycleGANConfig | PairedConfig, seed: int = 0, classifier: nn.Module | None = None) -> nn.Module:
    """A :class:`CycleGAN` or :class:`PairedTranslator` for ``cfg``, its weights drawn with seed ``seed``;
    ``classifier`` is CycleGAN's frozen semantic classifier (``cfg.lambda_semantic > 0`` only)."""
    torch.manual_seed(seed)
    return CycleGAN(cfg, seed, classifier) if isinstance(cfg, CycleGANConfig) else PairedTranslator(cfg, seed)


def config_dict(cfg: CycleGANConfig | PairedConfig, train: TranslateTrainConfig) -> dict:
    """JSON-able record of both configs, read back by :func:`configs_from_dict`."""
    kind = "cyclegan" if isinstance(cfg, CycleGANConfig) else "paired"
    return {"model_kind": kind, "model": asdict(cfg), "train": asdict(train)}


def configs_from_dict(d: dict) -> tuple[CycleGANConfig | PairedConfig, TranslateTrainConfig]:
    """Inverse of :func:`config_dict`."""
    cls = CycleGANConfig if d["model_kind"] == "cyclegan" else PairedConfig
    return cls(**d["model"]), TranslateTrainConfig(**d["train"])

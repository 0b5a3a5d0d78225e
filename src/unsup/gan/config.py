"""Settings of a GAN training run, each defaulted and checked here only (``unsup gan train`` reads its defaults from
:class:`TrainConfig`). No torch at import: the command line builds its parser from this module."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LOSSES = ("minimax", "ns", "hinge", "ls", "wgan-gp")
UPDATES = ("alternating", "simultaneous")


@dataclass
class TrainConfig:
    """Iterations, batch size, Adam settings, update scheme, device and logging/checkpoint cadence of a GAN run."""

    steps: int = 2000  # G updates (iterations) in total, counting those before a resume
    batch: int = 64  # items (packs, for a packed D) per D or G update, per process
    lr_d: float = 2e-4
    lr_g: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    d_steps: int = 1  # D updates per iteration
    g_steps: int = 1  # G updates per iteration
    update: str = "alternating"  # or "simultaneous": both nets stepped from one forward pass
    lr_decay: float = 0.0  # final fraction of the run over which every step size falls linearly towards 0
    seed: int = 0
    out: str | None = None  # run folder; None writes nothing
    ckpt_every: int = 1000
    sample_every: int = 1000  # also when ``evaluate`` runs
    log_every: int = 100
    device: str = "auto"  # "auto" = cuda when present
    bf16: bool = False  # bfloat16 autocast of the losses' forward passes (weights, gradients and Adam stay fp32)
    progress: bool = True

    def __post_init__(self) -> None:
        for name in ("steps", "batch", "d_steps", "g_steps", "ckpt_every", "sample_every", "log_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1; got {getattr(self, name)}")
        if self.update not in UPDATES:
            raise ValueError(f"update must be one of {', '.join(UPDATES)}; got {self.update!r}")
        self.betas = tuple(self.betas)
        check_adam(self.betas, self.lr_decay, lr_d=self.lr_d, lr_g=self.lr_g)


def check_adam(betas: tuple[float, float], lr_decay: float, **lrs: float) -> None:
    """``ValueError`` naming the setting unless every step size is > 0, ``betas`` are two numbers in [0, 1) and the
    decaying fraction ``lr_decay`` is in [0, 1]."""
    for name, lr in lrs.items():
        if not lr > 0:
            raise ValueError(f"{name} must be > 0; got {lr}")
    if len(betas) != 2 or not all(0.0 <= b < 1.0 for b in betas):
        raise ValueError(f"betas must be two numbers in [0, 1); got {tuple(betas)}")
    if not 0.0 <= lr_decay <= 1.0:
        raise ValueError(f"lr_decay must be in [0, 1]; got {lr_decay}")


def tail_decay(step: int, steps: int, fraction: float) -> float:
    """1, then ``(steps - step) / (fraction · steps)``: falling linearly to 0 over the last ``fraction`` of a run."""
    span = fraction * steps
    return 1.0 if span <= 0 else min(1.0, (steps - step) / span)


@dataclass(frozen=True)
class Schedule:
    """A named recipe for the 2-D mixtures, the same in ``unsup gan train --preset`` and ``unsup bench pacgan
    --preset`` (so that "PacGAN2 with the cpu preset" is one thing); :data:`PRESETS` holds the named ones.
    ``ValueError`` naming the setting when one is out of range."""

    steps: int = 400_000
    lr: float = 1e-4
    beta1: float = 0.8
    beta2: float = 0.999
    update: str = "simultaneous"
    loss: str = "ns"  # the reference code's G loss, -log D(G(z)), not the lecture's saturating "minimax"
    lr_decay: float = 0.0  # final fraction of the run with a linearly falling step size (the paper: none)
    bf16: bool = False  # bfloat16 autocast of the forward passes: ~1.35x faster on CPUs with AVX512_BF16
    batch: int = 100  # packs per minibatch (the table's rows set their own: see unsup.repro.pacgan.Variant)

    def __post_init__(self) -> None:
        for name in ("steps", "batch"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1; got {getattr(self, name)}")
        check_adam(self.betas, self.lr_decay, lr=self.lr)
        if self.update not in UPDATES:
            raise ValueError(f"update must be one of {', '.join(UPDATES)}; got {self.update!r}")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {', '.join(LOSSES)}; got {self.loss!r}")

    @property
    def betas(self) -> tuple[float, float]:
        """Adam's ``(β1, β2)``."""
        return self.beta1, self.beta2

    def train_config(self, **settings: Any) -> TrainConfig:
        """The :class:`TrainConfig` of this recipe; ``settings`` (seed, out, cadence, device...) fill the rest."""
        return TrainConfig(**{"steps": self.steps, "batch": self.batch, "lr_d": self.lr, "lr_g": self.lr,
                              "betas": self.betas, "update": self.update, "lr_decay": self.lr_decay,
                              "bf16": self.bf16, **settings})  # fmt: skip


PRESETS = {
    # `unsup gan train`'s default: the lecture's minimax game, alternating updates, the reference's Adam settings
    "lecture": Schedule(steps=2_000, update="alternating", loss="minimax"),
    "paper": Schedule(),
    "quick": Schedule(steps=8_000),
    # the reference's schedule but for Adam's β2: 0.9 lets PacGAN3-4 learn the grid by 20k iterations (0.999: 35-45k)
    # while the GAN still collapses as the paper's does; the grid table in < 2 h on 2 cores (docs/results.md)
    "cpu": Schedule(steps=20_000, beta2=0.9),
}
PRESET_HELP = "; ".join(
    f"{name}: {s.steps:,} iterations, {s.update} updates, {s.loss} loss, lr {s.lr:g}, betas {s.beta1:g}/{s.beta2:g}"
    for name, s in PRESETS.items()
)

"""A GAN run on disk: ``config.json`` (the :class:`RunSpec` and the :class:`~unsup.gan.trainer.TrainConfig`) and
``checkpoint.pt`` (networks, optimisers, RNG states; see :meth:`unsup.gan.trainer.Trainer.state_dict`).

``unsup gan train`` writes one, ``unsup bench pacgan --keep-trials`` writes one per trial, and ``unsup gan
sample|eval|interpolate|traverse|disentangle`` and ``unsup restore invert`` read one through :func:`load_run`::

    spec = RunSpec(data="ring", pack=2)
    data, game = spec.build()
    spec.save(run, TrainConfig(out=str(run)))
    data, game, config = load_run(run)
"""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unsup._run import load_checkpoint, write_json

if TYPE_CHECKING:
    from torch import nn

    from unsup.gan.trainer import TrainConfig

CHECKPOINT_KIND = "gan"


@dataclass
class RunSpec:
    """What a GAN run trains: a registered dataset and model with their options, the pack size, the loss and the
    seed of the data and the initial weights. ``build`` gives the same data and initial networks for the same spec."""

    data: str = "ring"
    data_opts: dict = field(default_factory=dict)
    model: str = "mlp"
    model_opts: dict = field(default_factory=dict)
    pack: int = 1  # samples per discriminator input (PacGAN's m; 1 = a GAN)
    loss: str = "minimax"
    seed: int = 0

    def __post_init__(self) -> None:
        if self.pack < 1:
            raise ValueError(f"pack must be >= 1; got {self.pack}")
        self.data_opts, self.model_opts = dict(self.data_opts), dict(self.model_opts)

    def build(self) -> tuple[Any, nn.Module]:
        """``(data, game)``: the dataset drawn with ``seed``, then the networks initialised from ``seed``."""
        import torch

        from unsup.data.registry import DATASETS
        from unsup.gan.registry import MODELS

        make_data, make_game = DATASETS.get(self.data), MODELS.get(self.model)
        check_options(make_data, self.data_opts, "--data-opt", self.data)
        check_options(make_game, self.model_opts, "--model-opt", self.model)
        data = make_data(seed=self.seed, **self.data_opts)
        torch.manual_seed(self.seed)  # network initialisation
        game = make_game(data, pack=self.pack, loss=self.loss, **self.model_opts)
        return data, game

    def save(self, run: str | os.PathLike, train: TrainConfig) -> None:
        """Write ``run/config.json`` (atomically) from this spec and the run's training settings."""
        write_json(Path(run) / "config.json", {"spec": asdict(self), "train": asdict(train)})

    @classmethod
    def load(cls, run: str | os.PathLike) -> tuple[RunSpec, dict]:
        """``(spec, TrainConfig keywords)`` of a run folder; ``FileNotFoundError`` unless it is one."""
        config = read_config(run)
        return cls(**config["spec"]), dict(config["train"])


def read_config(run: str | os.PathLike) -> dict:
    """``run/config.json`` of a GAN run folder (one with a checkpoint), or a one-line ``FileNotFoundError``."""
    run = Path(run)
    if not (run / "config.json").is_file() or not (run / "checkpoint.pt").is_file():
        raise FileNotFoundError(f"{run} is not a GAN run folder (needs config.json and checkpoint.pt)")
    try:
        config = json.loads((run / "config.json").read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{run / 'config.json'}: not valid JSON ({exc})") from None
    if not isinstance(config, dict) or not isinstance(config.get("spec"), dict) or "train" not in config:
        raise ValueError(f"{run / 'config.json'}: not a GAN run config (expected 'spec' and 'train')")
    return config


def load_run(run: str | os.PathLike, device: str = "cpu") -> tuple[Any, nn.Module, dict]:
    """``(data, game, config)`` of a run folder, the networks from its checkpoint (see the module docstring)."""
    config = read_config(run)
    data, game = RunSpec(**config["spec"]).build()
    from unsup.gan.trainer import load_game_state

    path = Path(run) / "checkpoint.pt"
    load_game_state(game, load_checkpoint(path, CHECKPOINT_KIND, device), path)
    return data, game.to(device), config


def evaluator(data: Any) -> Callable[[nn.Module], dict] | None:
    """The trainer's periodic scoring of 2,500 samples (:func:`unsup.metrics.scores.sample_scores`), or ``None``
    for data without scores."""
    from unsup.metrics.scores import has_scores, sample_scores

    if not has_scores(data):
        return None
    return lambda game: {k: v for k, v in sample_scores(data, game.sample(2500).cpu()).items() if k != "counts"}


def parse_options(pairs: list[str] | None, flag: str) -> dict:
    """``["k=v", ...]`` -> ``{k: json(v) or v}``."""
    out = {}
    for pair in pairs or []:
        key, eq, value = pair.partition("=")
        if not eq or not key:
            raise ValueError(f"{flag} expects KEY=VALUE; got {pair!r}")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def check_options(factory, options: dict, flag: str, name: str) -> None:
    """Unknown KEY in ``--data-opt``/``--model-opt`` is a usage error naming the accepted keys."""
    params = inspect.signature(factory).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    for key in options:
        if key not in params:
            accepted = ", ".join(k for k in params if k not in ("data", "seed", "pack", "loss"))
            raise ValueError(f"{flag} {key!r} is not an option of {name!r}; accepted: {accepted}")

"""The one training loop shared by every GAN in :mod:`unsup.gan`: alternating (or simultaneous) D/G steps.

A model family plugs in as a *game*: an ``nn.Module`` holding all its networks and defining

- ``d_params()`` / ``g_params()``: the parameters stepped by D's and G's Adam optimiser (extra networks go in
  whichever player they help, e.g. InfoGAN's Q with G);
- ``d_loss(batch) -> (loss, logs)`` and ``g_loss(batch) -> (loss, logs)``: scalar losses to minimise and a dict of
  floats for the log; ``batch`` is whatever ``data.sample(n)`` returns (a tensor, or a tuple such as
  ``(images, labels)``), already on the device;
- optionally ``joint_loss(batch) -> (d_loss, g_loss, logs)`` for ``update="simultaneous"``, ``pack`` (the trainer
  draws ``batch · pack`` samples per step; default 1) and ``sample(n) -> Tensor`` for the periodic sample plots;
- optionally a third player (e.g. InfoGAN-CR's contrastive network H): ``aux_params()`` with its own Adam (``lr_d``)
  and ``aux_loss(batch) -> (loss, logs)``, updated first in each iteration (skipped while the loss has no grad);
  ``begin_step(step) -> bool`` called before each iteration (schedules), returning True when the game has
  re-initialised the aux network so its optimiser state is reset too; ``g_steps`` (int) to fix the game's own number
  of G updates per iteration (InfoGAN-CR's 1 H : 1 D : 2 G), overriding ``TrainConfig.g_steps``.

``data`` is any object with ``sample(n) -> Tensor | tuple[Tensor, ...]`` drawing ``n`` training items on the CPU
with torch's global RNG (so a resumed run draws the same items); if it also has ``to(device)``, the trainer calls
it once, so it may draw its batches on the GPU. Example, a conditional GAN::

    class CondGAN(nn.Module):
        def __init__(self, G, D):
            super().__init__(); self.G, self.D = G, D
        def d_params(self): return list(self.D.parameters())
        def g_params(self): return list(self.G.parameters())
        def d_loss(self, batch):
            x, y = batch
            fake = self.G(torch.randn(len(y), 64, device=y.device), y).detach()
            loss = losses.d_loss(self.D(x, y), self.D(fake, y), "ns")
            return loss, {"d_loss": loss.item()}
        def g_loss(self, batch):
            _, y = batch
            loss = losses.g_loss(self.D(self.G(torch.randn(len(y), 64, device=y.device), y), y), "ns")
            return loss, {"g_loss": loss.item()}

    train(CondGAN(G, D), data, TrainConfig(steps=10_000, out="runs/cgan-1"))

Each step does ``d_steps`` D updates then ``g_steps`` G updates, each on a fresh batch (the lecture's alternating
gradient descent). Under ``torchrun`` every process trains on its own batches (seed + rank), gradients are averaged
with ``all_reduce`` (gloo on CPU, nccl on CUDA) so parameters stay identical, and only rank 0 writes files.
``out`` gets ``checkpoint.pt`` (atomic; resume restores step, networks, both optimisers and every rank's RNG),
``metrics.jsonl``, ``samples-<step>.png`` and ``losses.png``.
"""

from __future__ import annotations

import json
import os
import random
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from tqdm.auto import tqdm

from unsup._run import atomic_torch_save, drop_jsonl_after, load_checkpoint, rng_state, set_rng_state
from unsup.gan.config import UPDATES, TrainConfig, check_adam, tail_decay

__all__ = ["UPDATES", "TrainConfig", "Trainer", "check_adam", "tail_decay", "train"]


def setup_distributed(device: str = "auto") -> tuple[int, int, torch.device]:
    """(rank, world size, device); joins the process group when launched by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    cuda = torch.cuda.is_available() if device == "auto" else device.startswith("cuda")
    if cuda and not torch.cuda.is_available():
        raise ValueError(f"device {device!r}: no CUDA device is available (use cpu or auto)")
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if cuda else "gloo")
    rank = dist.get_rank() if world > 1 else 0
    if device == "auto":
        device = f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}" if cuda else "cpu"
    return rank, world, torch.device(device)


def bf16_autocast(device: torch.device, enabled: bool) -> torch.autocast:
    """bfloat16 autocast on ``device`` when ``enabled`` (no weight cache, so it can sit inside a CUDA graph)."""
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=enabled, cache_enabled=False)


def native_bf16() -> bool:
    """Whether this CPU has native bfloat16 kernels (oneDNN: AVX512_BF16 or AMX). Without them bfloat16 is emulated
    and runs several times slower than fp32 (~10x for the 2-D PacGAN nets on an AVX2-only CPU; ~1.35x faster with
    AVX512_BF16)."""
    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def warn_if_slow_bf16(device: torch.device) -> None:
    """Warn when bfloat16 is asked for on a CPU without :func:`native_bf16` kernels."""
    if device.type == "cpu" and not native_bf16():
        warnings.warn(
            "bf16 requested but this CPU has no native bfloat16 kernels: expect it to be slower than fp32", stacklevel=3
        )


def load_game_state(game: nn.Module, ckpt: dict, path: str | os.PathLike) -> None:
    """Load a GAN checkpoint's networks into ``game``; ``ValueError`` with one line when they are another model's
    (an InfoGAN-CR checkpoint for a plain GAN, a DCGAN's for an MLP run, other sizes)."""
    saved = ckpt.get("game_class")  # absent in checkpoints written before it was recorded
    if saved is not None and saved != type(game).__name__:
        raise ValueError(f"{path}: holds a {saved} game; the run's config.json describes a {type(game).__name__}")
    try:
        game.load_state_dict(ckpt["game"])
    except (KeyError, RuntimeError) as exc:
        detail = " ".join(str(exc).split())[:200]
        raise ValueError(f"{path}: its networks do not fit the model config.json describes ({detail})") from None


def _to(batch: Any, device: torch.device) -> Any:
    if isinstance(batch, (tuple, list)):
        return type(batch)(b.to(device, non_blocking=True) for b in batch)
    return batch.to(device, non_blocking=True)


def _grads_into(loss: torch.Tensor, params: list[nn.Parameter], retain_graph: bool = False) -> None:
    """``p.grad`` = ∂loss/∂p for ``params`` only: unlike ``loss.backward()``, autograd then skips the other
    player's weight gradients (G's loss runs through D), which would be computed only to be thrown away."""
    params = [p for p in params if p.requires_grad]
    grads = torch.autograd.grad(loss, params, retain_graph=retain_graph, allow_unused=True)
    for p, g in zip(params, grads, strict=True):
        p.grad = g


def _average_grads(params: list[nn.Parameter], world: int) -> None:
    if world > 1:
        for p in params:
            if p.grad is not None:
                dist.all_reduce(p.grad)
                p.grad /= world


class Trainer:
    """Holds a game, its two Adam optimisers and the run folder; :meth:`fit` runs the loop."""

    def __init__(
        self,
        game: nn.Module,
        data: Any,
        cfg: TrainConfig,
        evaluate: Callable[[nn.Module], dict] | None = None,
        joined: tuple[int, int, torch.device] | None = None,
    ) -> None:
        """``joined``: what :func:`setup_distributed` returned, when the caller has joined the process group."""
        self.cfg, self.evaluate = cfg, evaluate
        self.rank, self.world, self.device = joined or setup_distributed(cfg.device)
        # data that can draw its batches on the device (e.g. sprites rendered on the GPU) is asked to
        self.data = data.to(self.device) if callable(getattr(data, "to", None)) else data
        self.game = game.to(self.device)
        self.d_params, self.g_params = list(game.d_params()), list(game.g_params())
        self.opt_d = self._adam(self.d_params, cfg.lr_d)
        self.opt_g = self._adam(self.g_params, cfg.lr_g)
        self.aux_params = list(game.aux_params()) if hasattr(game, "aux_params") else []
        if cfg.bf16:
            warn_if_slow_bf16(self.device)
        self.opt_aux = self._aux_optimizer()
        self.step = 0
        self.out = Path(cfg.out) if cfg.out else None
        self.writes = self.out is not None and self.rank == 0
        torch.manual_seed(cfg.seed + self.rank)
        np.random.seed(cfg.seed + self.rank)  # noqa: NPY002
        random.seed(cfg.seed + self.rank)
        for t in self.game.state_dict().values():  # every rank starts from rank 0's networks
            if self.world > 1:
                dist.broadcast(t, 0)

    def _adam(self, params: list[nn.Parameter], lr: float) -> torch.optim.Optimizer:
        # one fused kernel per step instead of several small ops per tensor (the 2-D nets are overhead-bound)
        fused = self.device.type in ("cpu", "cuda") and all(p.dtype.is_floating_point for p in params)
        return torch.optim.Adam(params, lr=lr, betas=self.cfg.betas, fused=fused)

    def _aux_optimizer(self) -> torch.optim.Optimizer | None:
        return self._adam(self.aux_params, self.cfg.lr_d) if self.aux_params else None

    # -- one iteration --------------------------------------------------------------------------------------
    def _losses(self, loss_fn: Callable[[Any], tuple]) -> tuple:
        """``loss_fn`` on a fresh minibatch, under bfloat16 autocast when ``cfg.bf16`` (backward stays outside)."""
        with bf16_autocast(self.device, self.cfg.bf16):
            return loss_fn(self._batch())

    def _batch(self) -> Any:
        return _to(self.data.sample(self.cfg.batch * getattr(self.game, "pack", 1)), self.device)

    def _update(self, loss: torch.Tensor, opt: torch.optim.Optimizer, params: list[nn.Parameter]) -> None:
        self.game.zero_grad(set_to_none=True)
        _grads_into(loss, params)
        _average_grads(params, self.world)
        opt.step()

    def _simultaneous(self) -> dict:
        ld, lg, logs = self._losses(self.game.joint_loss)
        self.game.zero_grad(set_to_none=True)
        _grads_into(ld, self.d_params, retain_graph=True)
        _grads_into(lg, self.g_params)
        _average_grads(self.d_params + self.g_params, self.world)
        self.opt_d.step()
        self.opt_g.step()
        return logs

    def lr_factor(self, step: int) -> float:
        """Multiplier of the configured step sizes at ``step``: 1, then ``(steps - step) / (lr_decay * steps)``
        over the last ``lr_decay`` of the run (a pure function of the step, so resumed runs follow it too)."""
        return tail_decay(step, self.cfg.steps, self.cfg.lr_decay)

    def _decay_lr(self) -> None:
        if self.cfg.lr_decay > 0:
            factor = self.lr_factor(self.step)
            for opt, lr in ((self.opt_d, self.cfg.lr_d), (self.opt_g, self.cfg.lr_g), (self.opt_aux, self.cfg.lr_d)):
                for group in opt.param_groups if opt is not None else ():
                    group["lr"] = lr * factor

    def train_step(self) -> dict:
        """One iteration: ``d_steps`` D updates then ``g_steps`` G updates (or one simultaneous update)."""
        self.game.train()
        if hasattr(self.game, "begin_step") and self.game.begin_step(self.step):
            self.opt_aux = self._aux_optimizer()  # the game re-initialised its aux network: start Adam afresh
        self._decay_lr()  # after the rebuild above, so a fresh aux optimiser gets this step's size too
        logs = {}
        if self.opt_aux is not None:
            loss, logs = self._losses(self.game.aux_loss)
            if loss.requires_grad:
                self._update(loss, self.opt_aux, self.aux_params)
        if self.cfg.update == "simultaneous":
            logs.update(self._simultaneous())
        else:
            for _ in range(self.cfg.d_steps):
                loss, part = self._losses(self.game.d_loss)
                self._update(loss, self.opt_d, self.d_params)
                logs.update(part)
            for _ in range(getattr(self.game, "g_steps", self.cfg.g_steps)):
                loss, part = self._losses(self.game.g_loss)
                self._update(loss, self.opt_g, self.g_params)
                logs.update(part)
        self.step += 1
        return logs

    # -- checkpoints ----------------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Everything a resume needs: step, networks, both optimisers, config and every rank's RNG states."""
        rngs = [rng_state()]
        if self.world > 1:
            rngs = [None] * self.world
            dist.all_gather_object(rngs, rng_state())
        return {
            "kind": "gan",
            "game_class": type(self.game).__name__,
            "step": self.step,
            "game": self.game.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_aux": self.opt_aux.state_dict() if self.opt_aux is not None else None,
            "rng": rngs,
            "config": asdict(self.cfg),
        }

    def save(self) -> None:
        state = self.state_dict()  # collective under torchrun: every rank must call it
        if self.writes:
            atomic_torch_save(state, self.out / "checkpoint.pt")

    def load(self, path: str | os.PathLike) -> None:
        """Restore a checkpoint written by :meth:`save` (RNG of this rank included)."""
        ckpt = load_checkpoint(path, "gan", self.device)
        load_game_state(self.game, ckpt, path)
        self.opt_d.load_state_dict(ckpt["opt_d"])
        self.opt_g.load_state_dict(ckpt["opt_g"])
        if self.opt_aux is not None and ckpt.get("opt_aux") is not None:
            self.opt_aux.load_state_dict(ckpt["opt_aux"])
        self.step = int(ckpt["step"])
        if self.rank < len(ckpt["rng"]):
            set_rng_state(ckpt["rng"][self.rank])

    # -- logging --------------------------------------------------------------------------------------------
    def _log(self, record: dict) -> None:
        if self.writes:
            with open(self.out / "metrics.jsonl", "a") as fh:
                fh.write(json.dumps(record) + "\n")

    def _drop_log_after(self, step: int) -> None:
        """On resume, forget log lines written after the checkpoint (they will be written again)."""
        if self.writes:
            drop_jsonl_after(self.out / "metrics.jsonl", step)

    def _sample_and_evaluate(self) -> None:
        cuda = [self.device.index or 0] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=cuda):  # looking at the model must not change its training
            if self.evaluate is not None and self.rank == 0:
                self._log({"step": self.step, "eval": self.evaluate(self.game)})
            if self.writes and hasattr(self.game, "sample"):
                from unsup.gan.plots import save_samples

                x = self.game.sample(self.cfg.batch * 10).cpu()
                save_samples(x, self.out / f"samples-{self.step:07d}.png")

    def restore(self) -> None:
        """Continue from ``out/checkpoint.pt``: its whole state, and the log cut back to its step."""
        ckpt = self.out / "checkpoint.pt" if self.out else None
        if ckpt is None or not ckpt.exists():
            raise FileNotFoundError(f"no checkpoint to resume from in {self.out}")
        self.load(ckpt)
        self._drop_log_after(self.step)

    # -- the loop -------------------------------------------------------------------------------------------
    def fit(self, resume: bool = False) -> dict:
        """Train to ``cfg.steps`` iterations (continuing from ``out/checkpoint.pt`` if ``resume``); last logs."""
        if self.writes:
            self.out.mkdir(parents=True, exist_ok=True)
        if resume:
            self.restore()
        cfg, logs, t0 = self.cfg, {}, time.perf_counter()
        bar = tqdm(total=cfg.steps, initial=self.step, disable=not cfg.progress or self.rank != 0, desc="gan")
        while self.step < cfg.steps:
            logs = self.train_step()
            bar.update(1)
            last = self.step == cfg.steps
            if self.step % cfg.log_every == 0 or last:
                self._log({"step": self.step, "seconds": round(time.perf_counter() - t0, 3), **logs})
                bar.set_postfix({k: f"{v:.3g}" for k, v in logs.items() if k.endswith("loss")})
            if self.step % cfg.sample_every == 0 or last:
                self._sample_and_evaluate()
            if self.step % cfg.ckpt_every == 0 or last:
                self.save()
        bar.close()
        if self.writes and (self.out / "metrics.jsonl").exists():
            from unsup.gan.plots import plot_losses

            plot_losses(self.out / "metrics.jsonl", self.out / "losses.png")
        return logs


def train(
    game: nn.Module,
    data: Any,
    cfg: TrainConfig,
    evaluate: Callable[[nn.Module], dict] | None = None,
    resume: bool = False,
) -> Trainer:
    """Build a :class:`Trainer`, run :meth:`Trainer.fit` and return the trainer (``.game`` holds the networks)."""
    trainer = Trainer(game, data, cfg, evaluate)
    trainer.fit(resume=resume)
    return trainer

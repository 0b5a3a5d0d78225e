"""The translation training loop shared by CycleGAN, pix2pix and regression: epochs with the linear LR decay,
a progress bar with ETA over the whole run, a checkpoint per epoch, exact resume, eval-mode sample grids and
the collapse check.

A model provides ``train_step(a, b) -> dict``, ``optimizers``, ``cfg.lr``, ``directions``, ``translate(x, d)``,
``visuals(a, b)``, ``full_state()`` and ``load_full_state(state)``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from unsup._run import atomic_torch_save, load_checkpoint, rng_state, set_rng_state, write_json
from unsup.translate.collapse import check_collapse
from unsup.translate.data import Translation
from unsup.translate.presets import TranslateTrainConfig
from unsup.translate.report import save_grid, save_loss_curve
from unsup.translate.runs import load_model_state
from unsup.translate.schedule import linear_decay, set_lr


@contextlib.contextmanager
def evaluating(model: nn.Module) -> Iterator[nn.Module]:
    """Eval mode (dropout off) without autograd, restoring the previous mode after: used for every picture and
    every ``apply``, so what training shows is what inference gives."""
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            yield model
    finally:
        model.train(was_training)


def probe(model: nn.Module, a: Tensor, b: Tensor, path: Path | None = None) -> dict[str, float]:
    """Sample grid of fixed inputs (written to ``path``) and each direction's input dependence (collapse check)."""
    out = {}
    with evaluating(model):
        if path is not None:
            save_grid(model.visuals(a, b), path)
        for d in model.directions:
            x = a if d == "AtoB" else b
            out[f"dependence_{d}"] = check_collapse(x, model.translate(x, d), f"{type(model).__name__} {d}")
    return out


def _run_epoch(
    model: nn.Module, data: Translation, train: TranslateTrainConfig, epoch: int, bar: tqdm
) -> dict[str, float]:
    device = next(model.parameters()).device
    sums: dict[str, float] = {}
    n = 0
    for a, b in data.batches(epoch, train.batch_size, train.seed):
        terms = model.train_step(a.to(device), b.to(device))
        for k, v in terms.items():
            sums[k] = sums.get(k, 0.0) + v
        n += 1
        bar.update(1)
        bar.set_postfix(epoch=epoch + 1, **{k: f"{v:.3f}" for k, v in terms.items()})
    return {k: v / n for k, v in sums.items()}


def fit(
    model: nn.Module,
    data: Translation,
    run: Path,
    train: TranslateTrainConfig,
    probe_batch: tuple[Tensor, Tensor],
    progress: bool = True,
) -> list[dict]:
    """Train to ``n_epochs + n_epochs_decay`` epochs, resuming from ``run/checkpoint.pt`` if it exists.

    Each epoch ends with ``run/checkpoint.pt`` (atomic), ``history.json``, ``loss.png`` and
    ``samples/epoch_NNN.png``. Returns the per-epoch history (mean loss terms, LR, input dependence).
    """
    device = next(model.parameters()).device
    ckpt, history, start = run / "checkpoint.pt", [], 0
    if ckpt.exists():
        state = load_checkpoint(ckpt, "translate", device)
        load_model_state(model, state, ckpt)
        history, start = state["history"], state["epoch"]
        set_rng_state(state["rng"])
    else:
        torch.manual_seed(train.seed)
    total, iters = train.n_epochs + train.n_epochs_decay, data.iters_per_epoch(train.batch_size)
    pa, pb = (x.to(device) for x in probe_batch)
    model.train()
    with tqdm(total=total * iters, initial=start * iters, desc="translate", unit="it", disable=not progress) as bar:
        for epoch in range(start, total):
            t0 = time.perf_counter()
            lr = model.cfg.lr * linear_decay(epoch, train.n_epochs, train.n_epochs_decay)
            set_lr(model.optimizers, lr)
            record = {"epoch": epoch + 1, "lr": lr, **_run_epoch(model, data, train, epoch, bar)}
            record["seconds"] = round(time.perf_counter() - t0, 2)
            record.update(probe(model, pa, pb, run / "samples" / f"epoch_{epoch + 1:03d}.png"))
            history.append(record)
            state = {"kind": "translate", "epoch": epoch + 1, "model": model.full_state(), "history": history,
                     "rng": rng_state()}  # fmt: skip
            atomic_torch_save(state, ckpt)
            write_json(run / "history.json", history)
            save_loss_curve(history, run / "loss.png")
    return history

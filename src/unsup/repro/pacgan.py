"""The PacGAN 2-D experiment (Lin et al. 2018, Table 1): GAN vs PacGAN2-4 on the ring and the grid, plus the
lecture's two "is PacGAN cheating?" controls, run as independent trials spread over single-thread processes
(:func:`run_table`, for CPUs) or batched, all trials of a variant as one model (:func:`run_batched`, for GPUs).

Reference setup: G 4 × 400 ReLU+BN with latent dim 2, D 3 × 200 maxout (5 pieces), Adam lr 1e-4 and β1 0.8
(Blocks' ``beta1=0.8``; in Blocks before 2017 that is PyTorch's β1 = 0.2, which gives a GAN that collapses less),
the non-saturating generator loss ``softplus(-f(G(z)))`` (the reference's ``generator_loss``), 100 packs per
minibatch, N(0, 0.02²) init, a fixed training set of 100k points, each pack slot an independent resample and a
separate G call, the reference's simultaneous D/G update, 400k iterations, metrics on 2,500 samples drawn with G in
eval mode (BatchNorm's running averages), as the reference's ``GraphLogger`` draws them.
"""

from __future__ import annotations

import json
import math
import multiprocessing as mp
import os
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from unsup._threads import init_worker
from unsup.gan.config import PRESETS, Schedule

__all__ = ["PAPER", "PRESETS", "Schedule", "Variant", "run_batched", "run_table", "run_trial", "summarize", "variants"]

if TYPE_CHECKING:
    from torch import Tensor

    from unsup.data.toy import Mixture

# mean ± s.e. over 10 trials (Lin et al. 2018, Table 1): modes, high-quality %, reverse KL
PAPER = {
    "ring": {"GAN": (6.3, 0.5, 98.2, 0.45), "PacGAN2": (7.9, 0.1, 95.6, 0.07),
             "PacGAN3": (7.8, None, 97.7, 0.10), "PacGAN4": (7.8, None, 95.9, 0.07)},
    "grid": {"GAN": (17.3, 0.8, 94.8, 0.70), "PacGAN2": (23.8, 0.7, 91.3, 0.13),
             "PacGAN3": (24.6, 0.4, 94.2, 0.06), "PacGAN4": (24.8, 0.2, 93.6, 0.04)},
}  # fmt: skip


@dataclass(frozen=True)
class Variant:
    """One row of the table: ``pack`` slots per D input, D width, and packs per minibatch."""

    name: str
    pack: int = 1
    d_hidden: int = 200
    batch: int = Schedule.batch

    def __post_init__(self) -> None:
        for key in ("pack", "d_hidden", "batch"):
            if getattr(self, key) < 1:
                raise ValueError(f"{key} must be >= 1; got {getattr(self, key)}")


def d_params(in_dim: int, hidden: int, layers: int = 3, pieces: int = 5) -> int:
    """Parameter count of :class:`~unsup.gan.mlp.MaxoutDiscriminator`."""
    return (in_dim + 1) * hidden * pieces + (layers - 1) * (hidden + 1) * hidden * pieces + hidden + 1


def variants(packs: Iterable[int], controls: bool = False, dim: int = 2) -> list[Variant]:
    """GAN (pack 1) and PacGAN-m rows; with ``controls``, for each m > 1 a GAN whose D has at least as many
    parameters as PacGAN-m's (``GAN-D<m>``) and a GAN with m times the minibatch (``GAN-B<m>``)."""
    out = []
    for m in packs:
        out.append(Variant("GAN" if m == 1 else f"PacGAN{m}", pack=m))
    if controls:
        for m in [m for m in packs if m > 1]:
            target = d_params(dim * m, 200)
            width = next(h for h in range(200, 2000) if d_params(dim, h) >= target)
            out += [Variant(f"GAN-D{m}", d_hidden=width), Variant(f"GAN-B{m}", batch=100 * m)]
    return out


def run_trial(
    data: str,
    variant: Variant,
    schedule: Schedule,
    seed: int,
    png: str | None = None,
    evals: Iterable[int] = (),
    keep: str | None = None,
) -> dict:
    """Train one model from scratch and score 2,500 samples; returns the metrics and the wall time. With ``evals``
    the row's ``curve`` holds the rows scored at those iterations too (the training itself unchanged). ``keep``: a
    folder to write the trained trial to as an ``unsup gan train`` run (config.json, checkpoint.pt), which
    ``unsup gan eval|sample`` read and ``unsup gan train --resume`` continues; training and scores unchanged."""
    import torch

    from unsup.gan.runs import RunSpec
    from unsup.gan.trainer import Trainer

    t0 = time.perf_counter()
    # the run spec of `unsup gan train`: one description for building and for `keep`
    spec = RunSpec(data, model="mlp", model_opts={"d_hidden": variant.d_hidden}, pack=variant.pack,
                   loss=schedule.loss, seed=seed)  # fmt: skip
    dataset, game = spec.build()
    cfg = schedule.train_config(
        batch=variant.batch,
        seed=seed,
        device="auto",
        out=keep,
        progress=False,
        log_every=schedule.steps,
        ckpt_every=schedule.steps,
        sample_every=schedule.steps,
    )
    if keep:
        _start_run_folder(Path(keep), spec, cfg)
    trainer, curve = Trainer(game, dataset, cfg), []
    for step in sorted({e for e in evals if 0 < e < schedule.steps}):
        while trainer.step < step:
            trainer.train_step()
        with torch.random.fork_rng():  # scoring must not move the training's random stream
            x = game.sample(2500, running_stats=True).cpu()
        curve.append({"step": step, **score(dataset, x, variant, seed, time.perf_counter() - t0)})
    trainer.fit()
    row = score(dataset, game.sample(2500, running_stats=True).cpu(), variant, seed, time.perf_counter() - t0, png)
    return {**row, "curve": curve} if curve else row


def _start_run_folder(folder: Path, spec: Any, cfg: Any) -> None:
    """``folder/config.json`` as ``unsup gan train`` writes it (:meth:`unsup.gan.runs.RunSpec.save`), from which
    the spec rebuilds this trial's data and networks (same seeds, so the same initial weights); a rerun's stale log
    removed."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metrics.jsonl").unlink(missing_ok=True)  # an interrupted earlier attempt's, if any
    spec.save(folder, replace(cfg, progress=True))


def score(dataset: Mixture, x: Tensor, variant: Variant, seed: int, seconds: float, png: str | None = None) -> dict:
    """One result row for 2,500 samples ``x`` ``(n, d)`` of a trained trial, with its scatter plot if ``png``."""
    from unsup.metrics.scores import sample_scores

    result = sample_scores(dataset, x)
    if png:
        from unsup.gan.plots import save_samples

        title = f"{variant.name} seed {seed}: {result['modes']} modes, {result['high_quality']:.1f}% HQ"
        save_samples(x, png, real=dataset.sample(2500), title=title)
    return {"variant": variant.name, "seed": seed, **asdict(variant), "seconds": seconds,
            **{k: v for k, v in result.items() if k != "counts"}}  # fmt: skip


def _job(args: tuple) -> dict:
    return run_trial(*args)


def _cost(variant: Variant) -> int:
    """Relative cost of a trial: D and G see ``pack * batch`` samples per iteration."""
    return variant.pack * variant.batch


def run_table(
    data: str,
    variants_: list[Variant],
    trials: int,
    schedule: Schedule,
    out: Path,
    workers: int = 0,
    first_seed: int = 0,
    resume: bool = False,
    evals: Iterable[int] = (),
    keep: bool = False,
) -> list[dict]:
    """Run ``trials`` seeds of every variant over ``workers`` single-thread processes (0 = one per core), the
    dearest variants first so that no long trial starts last; each result is appended to ``out/results.jsonl`` as
    soon as it finishes, with its scatter plot, and its rows scored at the ``evals`` iterations to
    ``out/curve.jsonl``. ``resume`` keeps the trials already in ``out/results.jsonl`` and runs only the others.
    ``keep``: each trained trial also written as a run folder ``out/trials/<variant>-seed<k>`` (see
    :func:`run_trial`; ~11 MB each: both networks and Adam's moments)."""
    results = _finished(out / "results.jsonl") if resume else []
    done = {(r["variant"], r["seed"]) for r in results}
    workers = workers or os.cpu_count() or 1
    jobs = [(data, v, schedule, first_seed + s, str(out / f"{v.name}-seed{first_seed + s}.png"), tuple(evals),
             str(out / "trials" / f"{v.name}-seed{first_seed + s}") if keep else None)
            for v in sorted(variants_, key=_cost, reverse=True) for s in range(trials)
            if (v.name, first_seed + s) not in done]  # fmt: skip
    from tqdm.auto import tqdm

    if not jobs:
        return results
    with mp.get_context("spawn").Pool(workers, initializer=init_worker) as pool:
        for r in tqdm(pool.imap_unordered(_job, jobs), total=len(jobs), desc=f"pacgan {data}"):
            if curve := r.pop("curve", None):
                with open(out / "curve.jsonl", "a") as fh:
                    fh.writelines(json.dumps(finite(c)) + "\n" for c in curve)
            results.append(r)
            with open(out / "results.jsonl", "a") as fh:
                fh.write(json.dumps(finite(r)) + "\n")
        pool.close()  # let the workers exit by themselves: the with-block's terminate() leaks a semaphore
        pool.join()
    return in_order(results, variants_)


def in_order(rows: list[dict], variants_: list[Variant]) -> list[dict]:
    """``rows`` by variant in the order of ``variants_`` (not the order the trials finished), then by seed."""
    order = {v.name: i for i, v in enumerate(variants_)}
    return sorted(rows, key=lambda r: (order.get(r["variant"], len(order)), r["seed"]))


def pick_layout(layout: str = "auto") -> str:
    """``processes`` or ``batched``; ``auto`` is batched on a CUDA machine (32-47x the trial-iterations per second
    of one trial per process on an H100) and processes on CPU, where batching trials gained 0.8-1.1x."""
    if layout not in ("auto", "processes", "batched"):
        raise ValueError(f"layout must be auto, processes or batched; got {layout!r}")
    if layout == "auto":
        import torch

        return "batched" if torch.cuda.is_available() else "processes"
    return layout


def _finished(path: Path) -> list[dict]:
    """Result rows already written to ``path`` (none if it does not exist), infinite values restored."""
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text().splitlines() if line]
    return [{k: math.inf if k == "reverse_kl" and v is None else v for k, v in r.items()} for r in rows]


def run_batched(
    data: str,
    variants_: list[Variant],
    trials: int,
    schedule: Schedule,
    out: Path,
    first_seed: int = 0,
    device: str = "auto",
    evals: Iterable[int] = (),
    graph: bool | None = None,
    resume: bool = False,
) -> list[dict]:
    """Run ``trials`` seeds of every variant as one batched model per variant (:mod:`unsup.repro.ensemble`), all
    variants advancing together; results as :func:`run_table`'s. At each step in ``evals`` the trials are scored
    too, the rows appended to ``out/curve.jsonl`` and ``out/checkpoint.pt`` written (atomically), from which
    ``resume`` continues exactly. ``graph``: replay the iterations as one CUDA graph (None: on CUDA; see
    :class:`~unsup.repro.ensemble.Lockstep`)."""
    from tqdm.auto import tqdm

    from unsup.data.registry import DATASETS
    from unsup.repro.ensemble import Ensemble, EnsembleTrainer, Lockstep

    if trials < 1:
        raise ValueError(f"trials must be >= 1; got {trials}")
    seeds = list(range(first_seed, first_seed + trials))
    datasets = [DATASETS.get(data)(seed=s) for s in seeds]
    trainers = {v: EnsembleTrainer(Ensemble(datasets, seeds, v.pack, schedule.loss, v.d_hidden), v.batch,
                                   schedule.lr, schedule.betas, schedule.steps, schedule.lr_decay, device,
                                   schedule.bf16)
                for v in variants_}  # fmt: skip
    start = _load_batched(out, trainers) if resume else 0
    lockstep = Lockstep(list(trainers.values()), graph)
    t0, results = time.perf_counter(), []
    todo = sorted({e for e in evals if start < e < schedule.steps} | {schedule.steps})
    with tqdm(total=schedule.steps, initial=start, desc=f"pacgan {data} batched") as bar:
        while todo:
            lockstep.train_step()  # on CUDA the first call also warms up and captures: several steps long
            step = lockstep.step
            bar.update(step - bar.n)
            if step < todo[0] and step < schedule.steps:
                continue
            last = step >= schedule.steps
            rows = _score_batched(trainers, datasets, seeds, time.perf_counter() - t0, out if last else None)
            with open(out / ("results.jsonl" if last else "curve.jsonl"), "a") as fh:
                fh.writelines(json.dumps(finite({"step": step, **r})) + "\n" for r in rows)
            if not last:
                _save_batched(out, trainers, step)
            results = rows
            todo = [e for e in todo if e > step]
    return results


def _save_batched(out: Path, trainers: dict, step: int) -> None:
    from unsup._run import atomic_torch_save, rng_state

    state = {"kind": "pacgan-batched", "step": step, "rng": rng_state(),
             "trainers": {v.name: tr.state_dict() for v, tr in trainers.items()}}  # fmt: skip
    atomic_torch_save(state, out / "checkpoint.pt")


def _load_batched(out: Path, trainers: dict) -> int:
    """Restore ``out/checkpoint.pt`` into ``trainers``; drops curve rows written after it. Returns its step."""
    from unsup._run import drop_jsonl_after, load_checkpoint, set_rng_state

    path = out / "checkpoint.pt"
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint to resume from in {out}")
    state = load_checkpoint(path, "pacgan-batched")
    for v, tr in trainers.items():
        tr.load_state_dict(state["trainers"][v.name])
    set_rng_state(state["rng"])
    drop_jsonl_after(out / "curve.jsonl", state["step"])
    return int(state["step"])


def _score_batched(trainers: dict, datasets: list, seeds: list[int], seconds: float, out: Path | None) -> list[dict]:
    rows = []
    for v, tr in trainers.items():
        x = tr.ens.sample(2500, running_stats=True).cpu()
        for t, (dataset, seed) in enumerate(zip(datasets, seeds, strict=True)):
            png = str(out / f"{v.name}-seed{seed}.png") if out else None
            rows.append(score(dataset, x[t], v, seed, seconds, png))
    return rows


def summarize(results: list[dict], data: str) -> list[dict]:
    """One row per variant: mean ± standard error of modes, high-quality %, reverse KL; the paper's beside."""
    rows = []
    for name in dict.fromkeys(r["variant"] for r in results):
        rs = [r for r in results if r["variant"] == name]
        row = {"variant": name, "trials": len(rs)}
        for key in ("modes", "high_quality", "reverse_kl"):
            v = np.array([r[key] for r in rs], dtype=float)
            row[key] = float(v.mean())
            with np.errstate(invalid="ignore"):  # an infinite reverse KL (no high-quality sample) has no spread
                row[key + "_se"] = float(v.std(ddof=1) / math.sqrt(len(v))) if len(v) > 1 else None
        row["paper"] = PAPER.get(data, {}).get(name)
        rows.append(row)
    return rows


def curve_tables(path: Path, data: str, variants_: list[Variant]) -> str:
    """One :func:`format_table` per iteration scored in the ``curve.jsonl`` at ``path``, under a heading each,
    the rows in the order of ``variants_``."""
    rows = in_order(_finished(path), variants_)
    return "\n\n".join(f"iteration {step}:\n\n" + format_table(summarize([r for r in rows if r["step"] == step], data))
                       for step in sorted({r["step"] for r in rows}))  # fmt: skip


def _pm(mean: float, se: float | None, digits: int) -> str:
    return f"{mean:.{digits}f}" + ("" if se is None else f" ± {se:.{digits}f}")


def finite(obj: Any) -> Any:
    """``obj`` with non-finite floats (an infinite reverse KL when no sample is high quality) as ``None``."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite(v) for v in obj]
    return obj


def format_table(rows: list[dict]) -> str:
    """Markdown table of :func:`summarize` rows."""
    lines = ["| variant | trials | modes | high-quality % | reverse KL | paper (modes / HQ % / KL) |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for r in rows:
        p = r["paper"]
        paper = "" if p is None else f"{p[0]}" + (f" ± {p[1]}" if p[1] else "") + f" / {p[2]} / {p[3]}"
        cells = [_pm(r[k], r[k + "_se"], d) for k, d in (("modes", 1), ("high_quality", 1), ("reverse_kl", 2))]
        lines.append(f"| {r['variant']} | {r['trials']} | {' | '.join(cells)} | {paper} |")
    return "\n".join(lines)


def with_steps(schedule: Schedule, steps: int | None) -> Schedule:
    """``schedule`` with its iteration count replaced by ``steps`` unless that is ``None``."""
    return schedule if steps is None else replace(schedule, steps=steps)


def demo(out: Path, seed: int) -> dict:
    """``unsup demo`` step: GAN vs PacGAN2 on the 8-mode ring (std 0.05 rather than the paper's 0.01, so that
    small networks get there in 1,500 iterations, about 30 s of one core); writes ``pacgan-ring.png`` (samples
    over the data) and returns both models' mode metrics."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import torch

    from unsup.data.toy import ring
    from unsup.gan.mlp import build_game
    from unsup.gan.trainer import TrainConfig, Trainer
    from unsup.metrics.scores import sample_scores

    data = ring(n_train=20_000, seed=seed, std=0.05)
    fig, axes = plt.subplots(1, 2, figsize=(8, 4), dpi=100)
    summary = {}
    for ax, m in zip(axes, (1, 2), strict=True):
        torch.manual_seed(seed)
        game = build_game(data, pack=m, g_hidden=128, g_layers=3, d_hidden=128, d_layers=2)
        cfg = TrainConfig(steps=1500, batch=64, lr_d=1e-3, lr_g=1e-3, betas=(0.8, 0.999), update="simultaneous",
                          seed=seed, device="cpu", progress=False)  # fmt: skip
        Trainer(game, data, cfg).fit()
        x = game.sample(2500)
        r = {k: v for k, v in sample_scores(data, x).items() if k != "counts"}
        summary["GAN" if m == 1 else f"PacGAN{m}"] = r
        ax.scatter(*data.sample(2500).T.numpy(), s=2, c="0.75")
        ax.scatter(*x.T.numpy(), s=2)
        ax.set_title(f"{'GAN' if m == 1 else f'PacGAN{m}'}: {r['modes']}/8 modes, {r['high_quality']:.0f}% HQ")
        ax.set_aspect("equal")
    fig.tight_layout()
    fig.savefig(out / "pacgan-ring.png")
    plt.close(fig)
    return finite(summary)

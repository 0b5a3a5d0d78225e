"""Command lines of the paper reproductions: ``unsup bench pacgan`` (PacGAN Table 1) and ``unsup bench
stacked-mnist`` (PacGAN Table 3 and the speed-ups' throughput). Heavy modules load inside the handlers."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING

from unsup._run import new_run_dir, write_json
from unsup.gan.config import PRESET_HELP, PRESETS

if TYPE_CHECKING:
    from unsup.cli import CLI


def _bench_pacgan_config(args: argparse.Namespace) -> dict:
    """The run's settings from the command line, checked (one-line errors name the flag)."""
    from unsup.repro import pacgan

    if args.data not in ("ring", "grid"):
        raise ValueError(f"--data must be ring or grid; got {args.data!r}")
    if args.trials < 1:
        raise ValueError(f"--trials must be >= 1; got {args.trials}")
    schedule = pacgan.with_steps(pacgan.PRESETS[args.preset], args.steps)
    overrides = {"lr": args.lr, "lr_decay": args.lr_decay, "beta1": args.beta1, "beta2": args.beta2,
                 "bf16": None if args.bf16 is None else args.bf16 == "on"}  # fmt: skip
    schedule = replace(schedule, **{k: v for k, v in overrides.items() if v is not None})  # Schedule checks them
    layout = pacgan.pick_layout(args.layout)
    if bad := [e for e in args.eval_at if not 0 < e < schedule.steps]:
        raise ValueError(f"--eval-at steps must lie between 1 and {schedule.steps - 1} (--steps); got {bad}")
    if args.keep_trials and layout == "batched":
        raise ValueError("--keep-trials: processes layout only (a batched run keeps checkpoint.pt at each --eval-at)")
    rows = pacgan.variants(args.pack, controls=args.controls)
    return {"data": args.data, "trials": args.trials, "schedule": asdict(schedule),
            "variants": [asdict(v) for v in rows], "first_seed": args.seed, "layout": layout,
            "eval_at": args.eval_at, "keep_trials": args.keep_trials}  # fmt: skip


def _resumed_config(run: str) -> dict:
    config = Path(run) / "config.json"
    if not config.exists() or "schedule" not in (cfg := json.loads(config.read_text())):
        raise ValueError(f"{run} is not a bench pacgan run (no config.json with a schedule)")
    cfg.setdefault("layout", "processes")  # runs from before --layout
    cfg.setdefault("eval_at", [])
    cfg.setdefault("keep_trials", False)
    if cfg["layout"] == "batched" and not (Path(run) / "checkpoint.pt").exists():
        raise ValueError(f"{run} has no checkpoint to resume from (a batched run writes one at each --eval-at step)")
    return cfg


def _bench_pacgan(args: argparse.Namespace) -> int:
    from unsup.repro import pacgan

    if args.resume:
        cfg, out = _resumed_config(args.resume), Path(args.resume)
    else:
        cfg = _bench_pacgan_config(args)
        out = new_run_dir(args.out, f"bench-pacgan-{args.data}")
        write_json(out / "config.json", cfg)
    schedule, rows = pacgan.Schedule(**cfg["schedule"]), [pacgan.Variant(**v) for v in cfg["variants"]]
    data, trials, seed = cfg["data"], cfg["trials"], cfg["first_seed"]
    if cfg["layout"] == "batched":
        results = pacgan.run_batched(data, rows, trials, schedule, out, seed, evals=cfg["eval_at"],
                                     resume=bool(args.resume))  # fmt: skip
    else:
        results = pacgan.run_table(data, rows, trials, schedule, out, args.workers, seed, resume=bool(args.resume),
                                   evals=cfg["eval_at"], keep=cfg["keep_trials"])  # fmt: skip
    if (curve := out / "curve.jsonl").exists():
        (out / "curve.md").write_text(tables := pacgan.curve_tables(curve, data, rows))
        print(tables + "\n\nat the end:")
    summary = pacgan.summarize(results, data)
    table = pacgan.format_table(summary)
    (out / "table.md").write_text(table + "\n")
    write_json(out / "summary.json", pacgan.finite(summary))
    print(table)
    print(json.dumps({"bench": "pacgan", "data": data, "steps": schedule.steps, "rows": pacgan.finite(summary)}))
    print(f"run folder: {out}")
    return 0


def register(cli: CLI) -> None:
    """Add ``unsup bench pacgan`` and ``unsup bench stacked-mnist``."""
    _register_pacgan(cli)
    p = cli.group_command("bench", "stacked-mnist", _stacked_mnist, "DCGAN vs PacDCGAN on Stacked MNIST; --throughput.")
    stacked_mnist_arguments(p)


def _stacked_mnist(args: argparse.Namespace) -> int:
    from unsup.repro.stacked_mnist import run

    return run(args)


def _register_pacgan(cli: CLI) -> None:
    p = cli.group_command("bench", "pacgan", _bench_pacgan, "PacGAN Table 1: GAN vs PacGAN-m on the 2-D ring/grid.")
    p.add_argument("--data", default="grid", help="ring or grid (default grid)")
    p.add_argument("--pack", type=int, nargs="+", default=[1, 2, 3, 4], help="pack sizes (1 = GAN)")
    p.add_argument("--trials", type=int, default=5, help="seeds per variant")
    p.add_argument("--preset", default="quick", choices=PRESETS, help=PRESET_HELP)
    p.add_argument("--steps", type=int, help="override the preset's iterations")
    p.add_argument("--lr", type=float, help="Adam step size of both nets (default: the preset's)")
    p.add_argument("--lr-decay", type=float, help="final fraction of the run with a linearly falling step size")
    p.add_argument("--beta1", type=float, help="Adam's first-moment decay (default: the preset's)")
    p.add_argument("--beta2", type=float, help="Adam's second-moment decay (default: the preset's)")
    p.add_argument("--bf16", choices=["on", "off"], help="bfloat16 autocast of the forward passes (default: the "
                   "preset's)")  # fmt: skip
    p.add_argument("--controls", action="store_true", help="add the D-size and minibatch-size controls")
    p.add_argument("--layout", default="auto", choices=["auto", "processes", "batched"],
                   help="processes: one single-thread process per trial (CPU); batched: all trials of a variant "
                   "as one model, a CUDA graph on GPU; auto (default): batched on CUDA, else processes")  # fmt: skip
    p.add_argument("--eval-at", type=int, nargs="+", default=[], metavar="STEP",
                   help="also score every trial at these iterations (RUN/curve.jsonl)")  # fmt: skip
    p.add_argument("--keep-trials", action="store_true",
                   help="processes layout: also write each trained trial as a run folder, "
                   "RUN/trials/<variant>-seed<k> (for unsup gan eval/sample, or unsup gan train --resume to train "
                   "it further; ~11 MB each)")  # fmt: skip
    p.add_argument("--resume", metavar="RUN", help="continue an interrupted run: processes layout, the trials not yet "
                   "in RUN/results.jsonl; batched, from its last --eval-at checkpoint")  # fmt: skip
    p.add_argument(
        "--workers", type=int, default=0, help="processes layout: single-thread processes (default: one per core)"
    )
    p.add_argument("--seed", type=int, default=0, help="first seed")
    p.add_argument("--out", default="runs", help="parent folder of the fresh run folder (default runs)")


def stacked_mnist_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``unsup bench stacked-mnist`` (and ``benchmarks/stacked_mnist.py``) on parser ``p``."""
    p.add_argument("--throughput", action="store_true", help="time the speed-ups instead of training trials")
    p.add_argument("--iters", type=int, default=10, help="iterations per variant per round (--throughput)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved timing rounds (--throughput)")
    p.add_argument("--steps", type=int, default=2000, help="iterations per trial (paper: 500,000)")
    p.add_argument("--batch", type=int, default=128, help="packs per minibatch (paper: 128)")
    p.add_argument("--lr-d", type=float, default=2e-4, help="D's Adam step size (paper: 2e-4)")
    p.add_argument("--lr-g", type=float, default=1e-4, help="G's Adam step size (paper: 1e-4)")
    p.add_argument("--trials", type=int, default=3)
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--packs", type=int, nargs="+", default=[1, 2], help="pack sizes to compare (1 = DCGAN)")
    p.add_argument("--d-preset", default="quarter", choices=["quarter", "half", "full"])
    p.add_argument("--threads", type=int, default=1, help="torch threads per process")
    p.add_argument("--speedups", default="auto", choices=["auto", "on", "off"], help="channels-last + bfloat16 "
                   "autocast for the trials; auto: on only where bfloat16 is native (--throughput times every "
                   "variant, fp32 included)")  # fmt: skip
    p.add_argument("--workers", type=int, default=0, help="trials trained at once, one process each (0: one per core)")
    p.add_argument("--out", default="runs", help="parent of the fresh benchmark folder")
    p.add_argument("--resume", metavar="DIR", help="continue a benchmark folder (finished trials are kept)")

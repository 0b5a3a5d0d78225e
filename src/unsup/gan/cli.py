"""``unsup gan train|sample|eval``: train any registered GAN on any registered dataset, then sample and score it."""

from __future__ import annotations

import argparse
import inspect
import json
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from unsup._run import new_run_dir, refuse_overwrite, write_json
from unsup.data.registry import DATASETS
from unsup.gan.losses import LOSSES
from unsup.gan.registry import MODELS
from unsup.gan.trainer import UPDATES, TrainConfig, Trainer, setup_distributed

if TYPE_CHECKING:
    from unsup.cli import CLI


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


def _check_options(factory, options: dict, flag: str, name: str) -> None:
    """Unknown KEY in ``--data-opt``/``--model-opt`` is a usage error naming the accepted keys."""
    params = inspect.signature(factory).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    for key in options:
        if key not in params:
            accepted = ", ".join(k for k in params if k not in ("data", "seed", "pack", "loss"))
            raise ValueError(f"{flag} {key!r} is not an option of {name!r}; accepted: {accepted}")


def build(spec: dict) -> tuple[Any, torch.nn.Module]:
    """(data, game) from a run spec ``{data, data_opts, model, model_opts, pack, loss, seed}``."""
    if spec["pack"] < 1:
        raise ValueError(f"--pack must be >= 1; got {spec['pack']}")
    make_data, make_game = DATASETS.get(spec["data"]), MODELS.get(spec["model"])
    _check_options(make_data, spec["data_opts"], "--data-opt", spec["data"])
    _check_options(make_game, spec["model_opts"], "--model-opt", spec["model"])
    data = make_data(seed=spec["seed"], **spec["data_opts"])
    torch.manual_seed(spec["seed"])  # network initialisation
    game = make_game(data, pack=spec["pack"], loss=spec["loss"], **spec["model_opts"])
    return data, game


def load_run(run: str | Path, device: str = "cpu") -> tuple[Any, torch.nn.Module, dict]:
    """(data, game, config) of a run folder written by ``unsup gan train``, networks from its checkpoint."""
    run = Path(run)
    if not (run / "config.json").is_file() or not (run / "checkpoint.pt").is_file():
        raise FileNotFoundError(f"{run} is not a GAN run folder (needs config.json and checkpoint.pt)")
    config = json.loads((run / "config.json").read_text())
    data, game = build(config["spec"])
    ckpt = torch.load(run / "checkpoint.pt", map_location=device, weights_only=False)
    game.load_state_dict(ckpt["game"])
    return data, game.to(device), config


def _evaluator(data):
    if not hasattr(data, "evaluate"):
        return None
    return lambda game: {k: v for k, v in data.evaluate(game.sample(2500).cpu()).items() if k != "counts"}


def _shorthands(spec: dict, conditional: bool) -> None:
    """``--data DIR`` for ``--data folder --data-opt root=DIR``; ``--conditional`` for ``--model cdcgan --data-opt
    labels=true``."""
    if spec["data"] not in DATASETS.names() and Path(spec["data"]).is_dir():
        spec["data_opts"] = {"root": spec["data"], **spec["data_opts"]}
        spec["data"] = "folder"
    if conditional:
        if spec["model"] not in ("dcgan", "cdcgan"):
            raise ValueError(f"--conditional applies to --arch dcgan; got {spec['model']}")
        spec["model"], spec["data_opts"] = "cdcgan", {**spec["data_opts"], "labels": True}


def _check_beta(flag: str, value: float) -> None:
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{flag} must be in [0, 1); got {value}")


def _train_settings(args: argparse.Namespace) -> tuple[dict, dict]:
    """``(spec, TrainConfig keywords)`` from the command line, or from ``--resume RUN``'s config.json."""
    cfg_kw = dict(
        steps=args.steps,
        batch=args.batch,
        lr_d=args.lr_d,
        lr_g=args.lr_g,
        betas=(args.beta1, args.beta2),
        lr_decay=args.lr_decay,
        d_steps=args.d_steps,
        update=args.update,
        seed=args.seed,
        ckpt_every=args.ckpt_every,
        sample_every=args.sample_every,
        log_every=args.log_every,
        device=args.device,
        bf16=args.bf16,
    )
    if args.resume:
        run = Path(args.resume)
        if not (run / "config.json").is_file() or not (run / "checkpoint.pt").is_file():
            raise FileNotFoundError(f"{run} is not a GAN run folder (needs config.json and checkpoint.pt)")
        config = json.loads((run / "config.json").read_text())
        spec = config["spec"]
        cfg_kw = {**config["train"], "steps": args.steps, "out": str(run)}
    else:
        spec = dict(
            data=args.data,
            data_opts=parse_options(args.data_opt, "--data-opt"),
            model=args.model,
            model_opts=parse_options(args.model_opt, "--model-opt"),
            pack=args.pack,
            loss=args.loss,
            seed=args.seed,
        )
        _shorthands(spec, args.conditional)
    return spec, cfg_kw


def _train(args: argparse.Namespace) -> int:
    _check_beta("--beta1", args.beta1)  # TrainConfig checks them too, but by its own name
    _check_beta("--beta2", args.beta2)
    spec, cfg_kw = _train_settings(args)
    data, game = build(spec)  # bad options fail here, before a run folder exists
    cfg = TrainConfig(**cfg_kw)
    if args.resume:
        run = Path(cfg.out)  # _train_settings pointed it at the resumed run folder
    else:
        rank, world, _ = setup_distributed(args.device)
        run = new_run_dir(args.out, f"gan-{spec['data']}-{spec['model']}-pack{args.pack}") if rank == 0 else None
        if world > 1:
            holder = [str(run) if run else None]
            torch.distributed.broadcast_object_list(holder, 0)
            run = Path(holder[0])
        cfg.out = str(run)
    trainer = Trainer(game, data, cfg, evaluate=_evaluator(data))
    if args.resume:
        trainer.load(run / "checkpoint.pt")  # fit loads it again; here only to refuse a resume with nothing to do
        if trainer.step >= cfg.steps:
            raise ValueError(f"{run} is already at step {trainer.step}; pass --steps above {trainer.step} to go on")
    if trainer.rank == 0 and not args.resume:
        write_json(run / "config.json", {"spec": spec, "train": asdict(cfg)})
    logs = trainer.fit(resume=bool(args.resume))
    if trainer.rank == 0:
        summary = {"run": str(run), "step": trainer.step, **{k: float(v) for k, v in logs.items()}}
        print(json.dumps(summary) if args.json else f"run folder: {run}")
    return 0


def _sample(args: argparse.Namespace) -> int:
    if args.n < 1:
        raise ValueError(f"--n must be >= 1; got {args.n}")
    data, game, _ = load_run(args.run)
    torch.manual_seed(args.seed)
    if args.label is not None and not hasattr(game, "num_classes"):
        raise ValueError("--label only applies to conditional models (cdcgan)")
    x = game.sample(args.n) if args.label is None else game.sample(args.n, args.label)
    png = refuse_overwrite(args.png or Path(args.run) / f"sample-seed{args.seed}.png", args.force)
    from unsup.gan.plots import save_samples

    save_samples(x, png, real=data.sample(args.n) if x.dim() == 2 else None)
    if args.pt:
        torch.save(x, refuse_overwrite(args.pt, args.force))
    print(png)
    return 0


def _eval(args: argparse.Namespace) -> int:
    if args.n < 1:
        raise ValueError(f"--n must be >= 1; got {args.n}")
    data, game, _ = load_run(args.run)
    if not hasattr(data, "evaluate"):
        raise ValueError(f"dataset of {args.run} has no evaluation metric")
    torch.manual_seed(args.seed)
    if args.running_stats and "running_stats" not in inspect.signature(game.sample).parameters:
        raise ValueError(f"--running-stats: {type(game).__name__} runs are scored with batch statistics only")
    result = data.evaluate(game.sample(args.n, running_stats=True) if args.running_stats else game.sample(args.n))
    result.pop("counts", None)
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:>14}: {v:.4g}")
    return 0


def register(cli: CLI) -> None:
    """Add ``unsup gan train|sample|eval`` and ``unsup bench pacgan``."""
    register_bench(cli)
    p = cli.group_command("gan", "train", _train, "Train a GAN (PacGAN with --pack m) on a registered dataset.")
    p.add_argument("--data", default="ring", help=f"dataset: {', '.join(DATASETS.names())} or an image folder "
                   "(default ring)")  # fmt: skip
    p.add_argument("--data-opt", action="append", metavar="KEY=VALUE", help="dataset option, e.g. std=0.1")
    p.add_argument("--model", "--arch", default="mlp", help=f"model: {', '.join(MODELS.names())} (default mlp)")
    p.add_argument("--conditional", action="store_true", help="class-conditional dcgan on labelled images")
    p.add_argument("--model-opt", action="append", metavar="KEY=VALUE", help="model option, e.g. d_hidden=300")
    p.add_argument("--pack", type=int, default=1, help="samples per discriminator input (PacGAN m; 1 = GAN)")
    p.add_argument("--loss", default="minimax", choices=LOSSES)
    p.add_argument("--update", default="alternating", choices=UPDATES)
    p.add_argument("--steps", type=int, default=2000, help="iterations (G updates) in total")
    p.add_argument("--batch", type=int, default=100, help="packs per minibatch (default 100)")
    p.add_argument("--lr-d", type=float, default=1e-4)
    p.add_argument("--lr-g", type=float, default=1e-4)
    p.add_argument("--beta1", type=float, default=0.8, help="Adam beta1 (reference 2-D setup: 0.8)")
    p.add_argument("--beta2", type=float, default=0.999, help="Adam beta2 (reference 2-D setup: 0.999)")
    p.add_argument("--lr-decay", type=float, default=0.0,
                   help="final fraction of the run with linearly falling step sizes (default 0)")  # fmt: skip
    p.add_argument("--d-steps", type=int, default=1, help="D updates per G update")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--ckpt-every", type=int, default=1000)
    p.add_argument("--sample-every", type=int, default=1000)
    p.add_argument("--log-every", type=int, default=100)
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, cuda:1 ...")
    p.add_argument("--bf16", action="store_true", help="bfloat16 autocast of the forward passes (fast on GPUs and "
                   "AVX512_BF16 CPUs; slower than fp32 elsewhere)")  # fmt: skip
    p.add_argument("--out", default="runs", help="parent folder of the fresh run folder (default runs)")
    p.add_argument("--resume", metavar="RUN", help="continue RUN (to --steps iterations)")
    p.add_argument("--json", action="store_true", help="print the run folder, step and last losses as one JSON line")

    p = cli.group_command("gan", "sample", _sample, "Draw samples from a trained GAN run; writes a PNG.")
    p.add_argument("run", metavar="RUN")
    p.add_argument("--n", type=int, default=2500)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--png", "--grid", help="picture to write (default RUN/sample-seed<SEED>.png)")
    p.add_argument("--pt", help="also save the samples as a torch tensor file")
    p.add_argument("--label", type=int, help="class to draw (conditional models such as cdcgan)")
    p.add_argument("--force", action="store_true", help="overwrite existing outputs")

    p = cli.group_command("gan", "eval", _eval, "Score a GAN run: modes, high-quality %, reverse KL.")
    p.add_argument("run", metavar="RUN")
    p.add_argument("--n", type=int, default=2500, help="samples scored (paper: 2,500)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print one JSON line")
    p.add_argument(
        "--running-stats",
        action="store_true",
        help="G in eval mode (BatchNorm running averages), as unsup bench pacgan and the paper's code score",
    )


def _bench_pacgan_config(args: argparse.Namespace) -> dict:
    """The run's settings from the command line, checked (one-line errors name the flag)."""
    from unsup.gan import pacgan

    if args.data not in ("ring", "grid"):
        raise ValueError(f"--data must be ring or grid; got {args.data!r}")
    if args.trials < 1:
        raise ValueError(f"--trials must be >= 1; got {args.trials}")
    schedule = pacgan.with_steps(pacgan.PRESETS[args.preset], args.steps)
    if args.lr_decay is not None:
        if not 0.0 <= args.lr_decay <= 1.0:
            raise ValueError(f"--lr-decay must be in [0, 1]; got {args.lr_decay}")
        schedule = replace(schedule, lr_decay=args.lr_decay)
    if args.beta1 is not None:
        _check_beta("--beta1", args.beta1)
        schedule = replace(schedule, beta1=args.beta1)
    if args.beta2 is not None:
        _check_beta("--beta2", args.beta2)
        schedule = replace(schedule, beta2=args.beta2)
    if args.bf16 is not None:
        schedule = replace(schedule, bf16=args.bf16 == "on")
    if args.lr is not None:
        if not args.lr > 0:
            raise ValueError(f"--lr must be > 0; got {args.lr}")
        schedule = replace(schedule, lr=args.lr)
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
    from unsup.gan import pacgan

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


def register_bench(cli: CLI) -> None:
    """Add ``unsup bench pacgan``."""
    p = cli.group_command("bench", "pacgan", _bench_pacgan, "PacGAN Table 1: GAN vs PacGAN-m on the 2-D ring/grid.")
    p.add_argument("--data", default="grid", help="ring or grid (default grid)")
    p.add_argument("--pack", type=int, nargs="+", default=[1, 2, 3, 4], help="pack sizes (1 = GAN)")
    p.add_argument("--trials", type=int, default=5, help="seeds per variant")
    p.add_argument("--preset", default="quick", choices=["quick", "cpu", "paper"],
                   help="quick: 8k iterations; cpu: 20k, beta2 0.9; paper: 400k (the reference protocol)")  # fmt: skip
    p.add_argument("--steps", type=int, help="override the preset's iterations")
    p.add_argument("--lr", type=float, help="Adam step size of both nets (presets: 1e-4, the reference's)")
    p.add_argument("--lr-decay", type=float, help="final fraction of the run with a linearly falling step size")
    p.add_argument("--beta1", type=float, help="Adam's first-moment decay (presets 0.8, the reference's)")
    p.add_argument("--beta2", type=float, help="Adam's second-moment decay (quick, paper: 0.999; cpu: 0.9)")
    p.add_argument("--bf16", choices=["on", "off"], help="bfloat16 autocast of the forward passes (presets: off)")
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

"""``unsup gan train|sample|eval``: train any registered GAN on any registered dataset, then sample and score it.

The run folder format and its spec live in :mod:`unsup.gan.runs`; this module only reads the command line (and
imports torch inside the handlers, so that ``unsup --help`` stays fast).
"""

from __future__ import annotations

import argparse
import inspect
import json
from pathlib import Path
from typing import TYPE_CHECKING

from unsup.data.registry import DATASETS
from unsup.gan.config import LOSSES, PRESET_HELP, PRESETS, UPDATES, TrainConfig
from unsup.gan.registry import MODELS
from unsup.gan.runs import RunSpec

if TYPE_CHECKING:
    from unsup.cli import CLI


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


def _train_settings(args: argparse.Namespace) -> tuple[RunSpec, dict]:
    """``(spec, TrainConfig keywords)`` from the command line, or from ``--resume RUN``'s config.json."""
    from dataclasses import asdict

    from unsup.gan.runs import parse_options

    preset = PRESETS[args.preset]
    given = {"steps": args.steps, "batch": args.batch, "lr_d": args.lr_d, "lr_g": args.lr_g, "lr_decay": args.lr_decay,
             "update": args.update, "bf16": args.bf16}  # fmt: skip
    betas = (preset.beta1 if args.beta1 is None else args.beta1, preset.beta2 if args.beta2 is None else args.beta2)
    cfg_kw = {**asdict(preset.train_config(betas=betas, **{k: v for k, v in given.items() if v is not None})),
              "d_steps": args.d_steps, "seed": args.seed, "ckpt_every": args.ckpt_every,
              "sample_every": args.sample_every, "log_every": args.log_every, "device": args.device}  # fmt: skip
    if args.resume:
        spec, train = RunSpec.load(args.resume)
        return spec, {**train, "steps": cfg_kw["steps"], "out": str(args.resume)}
    spec = dict(
        data=args.data,
        data_opts=parse_options(args.data_opt, "--data-opt"),
        model=args.model,
        model_opts=parse_options(args.model_opt, "--model-opt"),
        pack=args.pack,
        loss=args.loss or preset.loss,
        seed=args.seed,
    )
    _shorthands(spec, args.conditional)
    return RunSpec(**spec), cfg_kw


def _train(args: argparse.Namespace) -> int:
    import torch

    from unsup._run import new_run_dir
    from unsup.gan.runs import evaluator
    from unsup.gan.trainer import TrainConfig, Trainer, setup_distributed

    spec, cfg_kw = _train_settings(args)
    data, game = spec.build()  # bad options fail here, before a run folder exists
    cfg = TrainConfig(**cfg_kw)
    joined = rank, world, _ = setup_distributed(cfg.device)
    if args.resume:
        run = Path(cfg.out)  # _train_settings pointed it at the resumed run folder
    else:
        run = new_run_dir(args.out, f"gan-{spec.data}-{spec.model}-pack{spec.pack}") if rank == 0 else None
        if world > 1:
            holder = [str(run) if run else None]
            torch.distributed.broadcast_object_list(holder, 0)
            run = Path(holder[0])
        cfg.out = str(run)
    trainer = Trainer(game, data, cfg, evaluate=evaluator(data), joined=joined)
    if args.resume:
        trainer.restore()
        if trainer.step >= cfg.steps:
            raise ValueError(f"{run} is already at step {trainer.step}; pass --steps above {trainer.step} to go on")
    elif trainer.rank == 0:
        spec.save(run, cfg)
    logs = trainer.fit()  # from the restored step when resuming
    if trainer.rank == 0:
        summary = {"run": str(run), "step": trainer.step, **{k: float(v) for k, v in logs.items()}}
        print(json.dumps(summary) if args.json else f"run folder: {run}")
    return 0


def _sample(args: argparse.Namespace) -> int:
    import torch

    from unsup._run import prepare_outputs
    from unsup.gan.runs import load_run

    if args.n < 1:
        raise ValueError(f"--n must be >= 1; got {args.n}")
    data, game, _ = load_run(args.run)
    if args.label is not None and not hasattr(game, "num_classes"):
        raise ValueError("--label only applies to conditional models (cdcgan)")
    png, *pt = prepare_outputs(  # both checked before anything is drawn or written
        [args.png or Path(args.run) / f"sample-seed{args.seed}.png", *([args.pt] if args.pt else [])], args.force
    )
    torch.manual_seed(args.seed)
    x = game.sample(args.n) if args.label is None else game.sample(args.n, args.label)
    from unsup.gan.plots import save_samples

    save_samples(x, png, real=data.sample(args.n) if x.dim() == 2 else None)
    if pt:
        torch.save(x, pt[0])
    print(png)
    return 0


def _eval(args: argparse.Namespace) -> int:
    if args.n < 1:
        raise ValueError(f"--n must be >= 1; got {args.n}")
    import torch

    from unsup.gan.runs import load_run
    from unsup.metrics.scores import has_scores, sample_scores

    data, game, _ = load_run(args.run)
    if not has_scores(data):
        raise ValueError(f"dataset of {args.run} has no evaluation metric")
    torch.manual_seed(args.seed)
    if args.running_stats and "running_stats" not in inspect.signature(game.sample).parameters:
        raise ValueError(f"--running-stats: {type(game).__name__} runs are scored with batch statistics only")
    result = sample_scores(data, game.sample(args.n, running_stats=True) if args.running_stats else game.sample(args.n))
    result.pop("counts", None)
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:>14}: {v:.4g}")
    return 0


def register(cli: CLI) -> None:
    """Add ``unsup gan train|sample|eval``."""
    p = cli.group_command("gan", "train", _train, "Train a GAN (PacGAN with --pack m) on a registered dataset.")
    p.add_argument("--data", default="ring", help=f"dataset: {', '.join(DATASETS.names())} or an image folder "
                   "(default ring)")  # fmt: skip
    p.add_argument("--data-opt", action="append", metavar="KEY=VALUE", help="dataset option, e.g. std=0.1")
    p.add_argument("--model", "--arch", default="mlp", help=f"model: {', '.join(MODELS.names())} (default mlp)")
    p.add_argument("--conditional", action="store_true", help="class-conditional dcgan on labelled images")
    p.add_argument("--model-opt", action="append", metavar="KEY=VALUE", help="model option, e.g. d_hidden=300")
    p.add_argument("--pack", type=int, default=RunSpec.pack, help="samples per discriminator input (PacGAN m; 1 = GAN)")
    p.add_argument("--preset", default="lecture", choices=PRESETS, help="training recipe, as in unsup bench pacgan "
                   f"(the flags below override its settings): {PRESET_HELP}")  # fmt: skip
    p.add_argument("--loss", choices=LOSSES, help="default: the preset's")
    p.add_argument("--update", choices=UPDATES, help="default: the preset's")
    p.add_argument("--steps", type=int, help="iterations (G updates) in total (default: the preset's)")
    p.add_argument("--batch", type=int, help="packs per minibatch (default: the preset's)")
    p.add_argument("--lr-d", type=float, help="D's Adam step size (default: the preset's)")
    p.add_argument("--lr-g", type=float, help="G's Adam step size (default: the preset's)")
    p.add_argument("--beta1", type=float, help="Adam beta1 (default: the preset's)")
    p.add_argument("--beta2", type=float, help="Adam beta2 (default: the preset's)")
    p.add_argument("--lr-decay", type=float, help="final fraction of the run with linearly falling step sizes "
                   "(default: the preset's)")  # fmt: skip
    p.add_argument("--d-steps", type=int, default=TrainConfig.d_steps, help="D updates per G update")
    p.add_argument("--seed", type=int, default=TrainConfig.seed)
    p.add_argument("--ckpt-every", type=int, default=TrainConfig.ckpt_every)
    p.add_argument("--sample-every", type=int, default=TrainConfig.sample_every)
    p.add_argument("--log-every", type=int, default=TrainConfig.log_every)
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, cuda:1 ...")
    p.add_argument("--bf16", action="store_true", default=None, help="bfloat16 autocast of the forward passes "
                   "(fast on GPUs and AVX512_BF16 CPUs; slower than fp32 elsewhere)")  # fmt: skip
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

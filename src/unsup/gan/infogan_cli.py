"""``unsup gan traverse RUN`` and ``unsup gan disentangle RUN...`` for InfoGAN / InfoGAN-CR runs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from unsup._run import refuse_overwrite

if TYPE_CHECKING:
    from unsup.cli import CLI


def _load(run: str):
    from unsup.gan.infogan import InfoGAN
    from unsup.gan.runs import load_run

    data, game, config = load_run(run)
    if not isinstance(game, InfoGAN):
        raise ValueError(f"{run} is a {config['spec']['model']} run; traverse/disentangle need infogan or infogan-cr")
    if not hasattr(data, "factors"):
        raise ValueError(f"dataset {config['spec']['data']!r} of {run} has no planted factors")
    return data, game.eval()


def _traverse(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from unsup.gan.traversal import code_traversal_grid, plot_factors_vs_codes, save_grid

    if args.steps < 2:
        raise ValueError(f"--steps must be >= 2; got {args.steps}")
    data, game = _load(args.run)
    run = Path(args.run)
    png = refuse_overwrite(args.png or run / f"traverse-seed{args.seed}.png", args.force)
    factors_png = refuse_overwrite(png.with_name(png.stem + "-factors.png"), args.force)
    torch.manual_seed(args.seed)
    save_grid(code_traversal_grid(game, args.steps), args.steps, png)
    rng = np.random.default_rng(args.seed)
    f = data.factors.sample_factors(min(len(data.factors), 4000), rng)
    codes = game.encode(torch.from_numpy(data.factors.render(f)) * 2 - 1).cpu().numpy()
    plot_factors_vs_codes(codes, f, data.factors.factor_names, factors_png)
    print(png)
    print(factors_png)
    return 0


def _disentangle(args: argparse.Namespace) -> int:
    import numpy as np

    from unsup.gan.infogan import centrality_pair, q_probe
    from unsup.metrics.disentangle import all_metrics, model_centrality

    loaded = [_load(r) for r in args.runs]
    result = {}
    for run, (data, game) in zip(args.runs, loaded, strict=True):
        probe = q_probe(game, data.factors)
        result[run] = all_metrics(probe, seed=args.seed, votes=args.votes, samples=args.samples)
    if len(loaded) > 1:
        games = [g for _, g in loaded]
        codes = {(g.cfg.codes, g.cfg.noise) for g in games}
        if len(codes) > 1:
            raise ValueError(f"ModelCentrality needs runs with the same codes and noise sizes; got {sorted(codes)}")
        models = [centrality_pair(g) for g in games]
        kw = dict(n_train=max(args.votes // 4, 1), n_eval=max(args.votes // 8, 1), n_var=1000)
        mc = model_centrality(models, *codes.pop(), seed=args.seed, **kw)
        for run, v in zip(args.runs, mc, strict=True):
            result[run]["model_centrality"] = float(v)
        result["selected_by_model_centrality"] = args.runs[int(np.argmax(mc))]
    print(json.dumps(result if len(loaded) > 1 else result[args.runs[0]]))
    return 0


def register(cli: CLI) -> None:
    """Add ``unsup gan traverse`` and ``unsup gan disentangle``."""
    p = cli.group_command(
        "gan", "traverse", _traverse, "Latent traversal grid and factor-vs-code plot of an InfoGAN run."
    )
    p.add_argument("run", metavar="RUN")
    p.add_argument("--steps", type=int, default=10, help="values per code row, from -1 to 1 (default 10)")
    p.add_argument("--seed", type=int, default=0, help="seed of the fixed latent and of the plotted images")
    p.add_argument("--png", help="traversal picture (default RUN/traverse-seed<SEED>.png; plot beside it)")
    p.add_argument("--force", action="store_true", help="overwrite existing pictures")

    p = cli.group_command(
        "gan", "disentangle", _disentangle,
        "Disentanglement metrics of InfoGAN runs as JSON (FactorVAE, MIG, SAP, DCI, BetaVAE; ModelCentrality "
        "across several runs).",
    )  # fmt: skip
    p.add_argument("runs", nargs="+", metavar="RUN")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--votes", type=int, default=1000, help="FactorVAE/BetaVAE training votes of 64 images")
    p.add_argument("--samples", type=int, default=10_000, help="images for MIG, SAP and DCI")


def demo(out: Path, seed: int) -> dict:
    """Demo step: a short InfoGAN-CR run on circular sprites; traversal grid, factor-vs-code plot, FactorVAE/MIG.

    Only a few hundred iterations of a narrow model, so it shows the pipeline, not a converged result
    (``benchmarks/infogan_cr.py`` is the real measurement).
    """
    import numpy as np
    import torch

    from unsup.cli import command_run
    from unsup.gan.infogan import q_encoder, q_probe
    from unsup.gan.traversal import code_traversal_grid, plot_factors_vs_codes, save_grid
    from unsup.metrics.disentangle import factor_vae_score, mig

    recipe = [a for k, v in DEMO_RECIPE.items() for a in ("--model-opt", f"{k}={json.dumps(v)}")]
    steps = str(DEMO_STEPS)
    run = command_run(out, ["gan", "train", "--data", "sprites", "--model", "infogan-cr", "--loss", "ns", *recipe,
                            "--steps", steps, "--batch", "16", "--lr-d", "1e-3", "--lr-g", "1e-3", "--beta1", "0.5",
                            "--beta2", "0.999", "--seed", str(seed), "--ckpt-every", steps,
                            "--sample-every", steps])  # fmt: skip
    data, game = _load(str(run))
    torch.manual_seed(seed)
    save_grid(torch.cat([code_traversal_grid(game, 10) for _ in range(3)]), 10, out / "traverse.png")
    images, factors = data.factors.all_images()
    codes = q_encoder(game)(images)
    plot_factors_vs_codes(codes, factors, data.factors.factor_names, out / "factors-vs-codes.png")
    probe = q_probe(game, data.factors)
    rng = np.random.default_rng(seed)
    return {"run": str(run), "steps": DEMO_STEPS, "factor_vae": factor_vae_score(probe, rng), "mig": mig(probe, rng)}


DEMO_STEPS = 250
DEMO_RECIPE = dict(width=8, noise=0, info_weight=5.0, cr_weight=5.0, cr_start=125, gaps=(1.5, 0.0), gap_every=60)

"""InfoGAN vs InfoGAN-CR at the same budget on data with planted factors: FactorVAE, MIG and the rest, per seed.

Both models of a seed start from the same G and D weights and get the same number of iterations; H's loss is only
switched on at ``cr_start``, but its extra data draw shifts the random stream from the first iteration, so the two
runs are not identical before that. Runs go to single-thread worker processes.
FactorVAE is also logged during training (``metrics.jsonl`` of each run); ModelCentrality picks one CR run without
labels, as in the paper.

    python benchmarks/infogan_cr.py --preset sprites --seeds 0 1 2 --workers 2 --out runs
    python benchmarks/infogan_cr.py --preset dsprites-cpu --seeds 0 1 2 --workers 2 --out runs
    python benchmarks/infogan_cr.py --preset dsprites-paper --device cuda   # the reference's full schedule (GPU)
    bash benchmarks/infogan_cr_gpu.sh OUT 135 0 1 2    # dsprites-paper scaled to a GPU lease (--budget-s)

Results, machine and date: docs/results.md, "Disentangling (InfoGAN-CR)".
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

import unsup  # noqa: F401  (passive OpenMP threads)
from unsup._run import new_run_dir, write_json
from unsup._threads import watch_parent
from unsup.gan.runs import parse_options

KEYS = ("factor_vae", "mig", "sap_discrete", "sap_continuous", "dci_disentanglement", "beta_vae", "seconds")
# steps, batch, learning rates and the InfoGAN options of each preset. dsprites-paper is the reference's dSprites
# schedule: 28 epochs of 737,280 images at batch 64, 5 codes + 5 noise, Q weight 0.05 on a unit-variance Gaussian
# log-likelihood (= 0.025 on the squared error), α = 2 from iteration 288,000, no gap.
PRESETS = {
    "sprites": dict(data="sprites", steps=2000, batch=32, lr_d=1e-3, lr_g=1e-3, eval_every=250,
                    model=dict(width=16, noise=0, info_weight=2.0, cr_weight=2.0, cr_start=800,
                               gaps=(1.5, 1.0, 0.0), gap_every=300)),
    "dsprites-cpu": dict(data="dsprites", steps=3000, batch=32, lr_d=2e-3, lr_g=1e-3, eval_every=500,
                         model=dict(codes=5, noise=5, width=16, info_weight=0.5, cr_weight=2.0, cr_start=1500,
                                    gaps=(1.0, 0.0), gap_every=500)),
    "dsprites-paper": dict(data="dsprites", steps=322_560, batch=64, lr_d=2e-3, lr_g=1e-3, eval_every=4000,
                           model=dict(codes=5, noise=5, width=32, info_weight=0.025, cr_weight=2.0,
                                      cr_start=288_000, gaps=(0.0,), gap_every=1)),
}  # fmt: skip


def scaled(preset: dict, steps: int) -> dict:
    """``preset`` run for ``steps`` iterations: α's start and the gap schedule keep their place in the run, and
    the in-training evaluations (and checkpoints) stay at most 20."""
    r = steps / preset["steps"]
    model = dict(preset["model"])
    model["cr_start"] = round(model["cr_start"] * r)
    model["gap_every"] = max(1, round(model["gap_every"] * r))
    eval_every = max(1, round(preset["eval_every"] * r), steps // 20)
    return dict(preset, steps=steps, eval_every=eval_every, model=model)


def _check_preset(preset: dict) -> None:
    """Build the preset's InfoGAN-CR once, so bad model options (names or values) fail before any worker starts."""
    from unsup.data.registry import DATASETS
    from unsup.gan.infogan import build_infogan_cr

    build_infogan_cr(DATASETS.get(preset["data"])(seed=0), loss="ns", **preset["model"])


def _setup(job: dict):
    """(data, game, TrainConfig, model options) of one job; seeds torch first, so both models of a seed start alike."""
    from unsup.data.registry import DATASETS
    from unsup.gan.infogan import build_infogan, build_infogan_cr
    from unsup.gan.trainer import TrainConfig

    torch.set_num_threads(job["threads"])
    p, seed = job["preset"], job["seed"]
    data = DATASETS.get(p["data"])(seed=seed)
    torch.manual_seed(seed)
    opts = dict(p["model"])
    if job["model"] == "infogan":
        opts = {k: v for k, v in opts.items() if not k.startswith(("cr_", "gap"))}
        game = build_infogan(data, loss="ns", **opts)
    else:
        game = build_infogan_cr(data, loss="ns", **opts)
    cfg = TrainConfig(steps=p["steps"], batch=p["batch"], lr_d=p["lr_d"], lr_g=p["lr_g"], betas=(0.5, 0.999),
                      seed=seed, out=job["out"], ckpt_every=p["eval_every"], sample_every=p["eval_every"],
                      log_every=p.get("log_every", 100), lr_decay=p.get("lr_decay", 0.0), device=job["device"],
                      progress=False)  # fmt: skip
    return data, game, cfg, opts


def train_one(job: dict) -> dict:
    """Train one model for one seed; returns its final metrics, wall time and run folder."""
    from unsup.gan.infogan import q_probe
    from unsup.gan.trainer import Trainer
    from unsup.metrics.disentangle import all_metrics, factor_vae_score

    data, game, cfg, opts = _setup(job)
    seed, votes = job["seed"], job["eval_votes"]

    def evaluate(g):
        g.eval()
        score = factor_vae_score(q_probe(g, data.factors), np.random.default_rng(seed), n_train=votes,
                                 n_eval=votes // 2)  # fmt: skip
        g.train()
        return {"factor_vae": score}

    t0 = time.perf_counter()
    trainer = Trainer(game, data, cfg, evaluate=evaluate)
    # the CLI's run-folder format, so `unsup gan traverse|disentangle RUN` work on benchmark runs too
    spec = dict(data=job["preset"]["data"], data_opts={}, model=job["model"], model_opts=opts, pack=1, loss="ns",
                seed=seed)  # fmt: skip
    write_json(Path(job["out"]) / "config.json", {"spec": spec, "train": asdict(cfg)})
    trainer.fit()
    seconds = time.perf_counter() - t0
    game.eval()
    metrics = all_metrics(q_probe(game, data.factors), seed=seed, votes=job["final_votes"], samples=job["samples"])
    return {"model": job["model"], "seed": seed, "steps": cfg.steps, "seconds": round(seconds, 1), "run": job["out"],
            **metrics}  # fmt: skip


def calibrate(job: dict, steps: int = 300) -> tuple[float, float]:
    """Iterations per second of ``job`` before and after α switches on (at step ``steps // 2``), timed from the
    trainer's log after a warm-up of ``steps // 6``; run all jobs at once so the rate includes their contention."""
    from unsup.gan.trainer import Trainer

    with tempfile.TemporaryDirectory() as tmp:
        preset = dict(job["preset"], steps=steps, eval_every=steps, log_every=steps // 6)
        preset["model"] = dict(preset["model"], cr_start=steps // 2, gap_every=steps)
        data, game, cfg, _ = _setup(dict(job, preset=preset, out=tmp))
        Trainer(game, data, cfg).fit()
        log = (Path(tmp) / "metrics.jsonl").read_text().splitlines()
        t = {r["step"]: r["seconds"] for r in map(json.loads, log) if "seconds" in r}
    k = steps // 6
    return (steps // 2 - k) / (t[steps // 2] - t[k]), (steps - steps // 2) / (t[steps] - t[steps // 2])


def steps_for(rates: list[tuple[float, float]], budget_s: float, preset: dict) -> int:
    """Most iterations (a multiple of 100) the slowest job runs in ``budget_s`` seconds with α on for the
    preset's last fraction of the run."""
    frac = 1 - preset["model"]["cr_start"] / preset["steps"]
    per_step = max((1 - frac) / before + frac / after for before, after in rates)
    return max(100, int(budget_s / per_step) // 100 * 100)


def centrality(rows: list[dict], device: str = "cpu") -> dict:
    """ModelCentrality over the InfoGAN-CR runs: the label-free pick and its FactorVAE."""
    from unsup.gan.infogan import centrality_pair
    from unsup.gan.runs import load_run
    from unsup.gan.trainer import setup_distributed
    from unsup.metrics.disentangle import model_centrality

    cr = [r for r in rows if r["model"] == "infogan-cr"]
    if len(cr) < 2:
        return {}
    device = str(setup_distributed(device)[2])  # "auto" -> cuda when present
    games = [load_run(r["run"], device)[1].eval() for r in cr]
    models = [centrality_pair(g) for g in games]
    mc = model_centrality(models, games[0].cfg.codes, games[0].cfg.noise, n_train=200, n_eval=100, n_var=1000)
    best = int(np.argmax(mc))
    return {"model_centrality": [round(float(v), 4) for v in mc], "selected_seed": cr[best]["seed"],
            "selected_factor_vae": cr[best]["factor_vae"]}  # fmt: skip


def summarize(rows: list[dict]) -> dict:
    out = {}
    for m in sorted({r["model"] for r in rows}):
        rs = [r for r in rows if r["model"] == m]
        out[m] = {k: (float(np.mean([r[k] for r in rs])), float(np.std([r[k] for r in rs])))
                  for k in KEYS}  # fmt: skip
    by_seed = {}
    for r in rows:
        by_seed.setdefault(r["seed"], {})[r["model"]] = r["factor_vae"]
    out["cr_wins"] = sum(v["infogan-cr"] > v["infogan"] for v in by_seed.values() if len(v) == 2)
    out["seeds"] = len(by_seed)
    return out


def format_table(rows: list[dict], summary: dict) -> str:
    keys = KEYS
    lines = ["| model | seed | " + " | ".join(keys) + " |", "|---" * (len(keys) + 2) + "|"]
    for r in sorted(rows, key=lambda r: (r["model"], r["seed"])):
        lines.append(f"| {r['model']} | {r['seed']} | " + " | ".join(f"{r[k]:.3f}" if k != "seconds" else f"{r[k]:.0f}"
                                                                    for k in keys) + " |")  # fmt: skip
    for m in sorted({r["model"] for r in rows}):
        s = summary[m]
        lines.append(f"| **{m}** | mean ± sd | " + " | ".join(f"{s[k][0]:.3f} ± {s[k][1]:.3f}" for k in keys) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="sprites", choices=sorted(PRESETS))
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--models", nargs="+", default=["infogan-cr", "infogan"], choices=["infogan-cr", "infogan"])
    ap.add_argument("--steps", type=int, help="override the preset's iterations (both models; schedule scaled)")
    ap.add_argument("--budget-s", type=float,
                    help="instead of --steps: time all jobs at once, then run as many iterations as the slowest "
                         "fits in this many seconds of training (for a GPU lease; the steps are printed)")  # fmt: skip
    ap.add_argument("--lr-decay", type=float, default=0.0,
                    help="final fraction of the run over which both step sizes fall linearly to 0")  # fmt: skip
    ap.add_argument("--workers", type=int, default=2, help="worker processes (with --budget-s: one per job)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads per worker")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--eval-votes", type=int, default=500, help="FactorVAE votes for the in-training log")
    ap.add_argument("--final-votes", type=int, default=1000, help="FactorVAE/BetaVAE votes of the final scores")
    ap.add_argument("--samples", type=int, default=10_000, help="images for the final MIG/SAP/DCI")
    ap.add_argument("--model-opt", action="append", metavar="KEY=VALUE",
                    help="override a model option of the preset, e.g. noise=1 (before --steps scales it)")  # fmt: skip
    ap.add_argument("--out", default="runs")
    args = ap.parse_args()
    if args.steps is not None and args.steps < 1 or args.budget_s is not None and args.budget_s <= 0:
        ap.error("--steps and --budget-s must be positive")
    preset = dict(PRESETS[args.preset])
    try:
        preset["model"] = {**preset["model"], **parse_options(args.model_opt, "--model-opt")}
        _check_preset(preset)
    except ValueError as e:
        ap.error(str(e))
    if args.steps:
        preset = scaled(preset, args.steps)
    if not 0 <= args.lr_decay <= 1:
        ap.error("--lr-decay must lie in [0, 1]")
    preset["lr_decay"] = args.lr_decay
    root = new_run_dir(args.out, f"bench-infogan-cr-{args.preset}")

    def make_jobs(preset: dict) -> list[dict]:
        return [dict(preset=preset, seed=s, model=m, threads=args.threads, device=args.device,
                     out=str(root / f"{m}-seed{s}"), eval_votes=args.eval_votes, final_votes=args.final_votes,
                     samples=args.samples)
                for s in args.seeds for m in args.models]  # fmt: skip

    jobs = make_jobs(preset)
    workers = len(jobs) if args.budget_s else args.workers
    t0 = time.perf_counter()
    rows = []
    with mp.get_context("spawn").Pool(workers, initializer=watch_parent) as pool:
        if args.budget_s:
            rates = pool.map(calibrate, jobs, chunksize=1)
            preset = scaled(preset, steps_for(rates, args.budget_s, preset))
            jobs = make_jobs(preset)
            timed = [(round(a, 1), round(b, 1)) for a, b in rates]
            print(f"[{time.perf_counter() - t0:.0f}s] it/s before/after alpha {timed} -> {preset['steps']} iterations",
                  flush=True)  # fmt: skip
        write_json(root / "config.json", {"preset": args.preset, **preset, "seeds": args.seeds})
        for r in pool.imap_unordered(train_one, jobs):
            rows.append(r)
            print(f"[{time.perf_counter() - t0:.0f}s] {r['model']} seed {r['seed']}: FactorVAE {r['factor_vae']:.3f} "
                  f"MIG {r['mig']:.3f} ({r['seconds']:.0f} s)", flush=True)  # fmt: skip
            write_json(root / "rows.json", rows)
    summary = summarize(rows)
    summary.update(centrality(rows, args.device))
    table = format_table(rows, summary)
    (root / "table.md").write_text(table + "\n")
    write_json(root / "summary.json", {"rows": rows, "summary": summary})
    print(table)
    print(json.dumps({"bench": "infogan_cr", "preset": args.preset, "steps": preset["steps"], "summary": summary}))
    print(f"results: {root}")


if __name__ == "__main__":
    main()

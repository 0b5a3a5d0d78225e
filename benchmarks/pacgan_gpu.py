"""PacGAN 2-D experiment on a GPU: throughput of each layout side by side, then the paper's protocol
(``--preset paper``: 400k iterations, 10 trials) for as many variants as fit in ``--budget`` seconds.

    PYTHONPATH=src python benchmarks/pacgan_gpu.py --out runs/pacgan-gpu --budget 450

Layouts timed (ms per iteration after warm-up, CUDA synchronised): the shared trainer on one trial (what
``unsup bench pacgan --layout processes`` runs in each worker), and the batched trials of
:mod:`unsup.gan.ensemble` eager and replayed as a CUDA graph. Then the variants GAN, PacGAN2, ... are taken in
order while their summed graph time for the full run fits the budget, and trained together by
:func:`unsup.gan.pacgan.run_batched` with learning-curve rows (``curve.jsonl``) at 25k, 50k, 100k, 200k, 300k.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from dataclasses import asdict
from pathlib import Path

import unsup  # noqa: F401  (passive OpenMP waiting before torch loads)


def ms_per_iter(step, iters: int) -> float:
    import torch

    sync = torch.cuda.synchronize if torch.cuda.is_available() else lambda: None
    for _ in range(5):
        step()
    sync()
    t0 = time.perf_counter()
    for _ in range(iters):
        step()
    sync()
    return 1000 * (time.perf_counter() - t0) / iters


def throughput(trials: int, iters: int, beta1: float, device: str) -> list[dict]:
    import torch

    from unsup.data.toy import grid
    from unsup.gan.ensemble import Ensemble, EnsembleTrainer
    from unsup.gan.mlp import build_game
    from unsup.gan.trainer import TrainConfig, Trainer

    rows, seeds = [], list(range(trials))
    for m in (1, 2, 3, 4):
        data = grid(seed=0)
        torch.manual_seed(0)
        cfg = TrainConfig(steps=10**9, batch=100, lr_d=1e-4, lr_g=1e-4, betas=(beta1, 0.999), update="simultaneous",
                          device=device, progress=False)  # fmt: skip
        tr = Trainer(build_game(data, pack=m, loss="ns"), data, cfg)
        rows.append({"pack": m, "layout": "shared trainer, 1 trial", "trials": 1,
                     "ms_per_iter": ms_per_iter(tr.train_step, iters)})  # fmt: skip
        datasets = [grid(seed=s) for s in seeds]
        for graph in (False, True) if device == "cuda" else (False,):
            et = EnsembleTrainer(Ensemble(datasets, seeds, pack=m), betas=(beta1, 0.999), device=device, graph=graph)
            name = f"batched trials, {'CUDA graph' if graph else 'eager'}"
            try:
                rows.append({"pack": m, "layout": name, "trials": trials,
                             "ms_per_iter": ms_per_iter(et.train_step, iters)})  # fmt: skip
            except RuntimeError as err:  # the table then runs eager: a device run must not end here
                print(f"PacGAN{m} {name} failed: {err}", flush=True)
        mine = [r for r in rows if r["pack"] == m]
        for r in mine:
            r["trial_it_per_s"] = 1000 * r["trials"] / r["ms_per_iter"]
            r["vs_shared_trainer"] = r["trial_it_per_s"] / mine[0]["trial_it_per_s"]
            print(f"PacGAN{m} {r['layout']:<28} {r['trials']:>3} trials {r['ms_per_iter']:8.3f} ms/it "
                  f"{r['trial_it_per_s']:10.0f} trial-it/s {r['vs_shared_trainer']:7.1f}x", flush=True)  # fmt: skip
    return rows


def main() -> None:
    import torch

    from unsup.gan import pacgan

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--budget", type=float, default=450, help="seconds for the table run (evaluations included)")
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--iters", type=int, default=200, help="timed iterations per layout")
    ap.add_argument("--preset", default="paper", choices=sorted(pacgan.PRESETS))
    ap.add_argument("--steps", type=int, default=None, help="override the preset's iterations (dry runs)")
    ap.add_argument("--device", default="cuda")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=False)
    schedule = pacgan.with_steps(pacgan.PRESETS[args.preset], args.steps)
    device_name = torch.cuda.get_device_name() if args.device == "cuda" else platform.processor() or "cpu"
    print(torch.__version__, device_name, flush=True)
    rows = throughput(args.trials, args.iters, schedule.beta1, args.device)
    graph = sum(r["layout"].endswith("graph") for r in rows) == 4
    graph_ms = [r["ms_per_iter"] for r in rows if r["layout"].endswith("graph" if graph else "eager")]
    k = max([1] + [i for i in range(1, 5) if 1.1 * sum(graph_ms[:i]) * schedule.steps / 1000 <= args.budget])
    chosen = pacgan.variants(range(1, k + 1))
    need = 1.1 * sum(graph_ms[:k]) * schedule.steps / 1000
    if need > args.budget:  # the first variant runs anyway: its learning curve (curve.jsonl) is still worth having
        print(f"warning: {chosen[0].name} alone needs ~{need:.0f} s, over --budget {args.budget:.0f} s", flush=True)
    info = {"bench": "pacgan-gpu", "device": device_name, "torch": torch.__version__,
            "preset": args.preset, "schedule": asdict(schedule),
            "throughput": rows, "graph": graph, "variants": [v.name for v in chosen]}  # fmt: skip
    (args.out / "throughput.json").write_text(json.dumps(info, indent=1, default=str))
    print(f"table: {[v.name for v in chosen]}, {args.trials} trials, {schedule.steps} iterations", flush=True)
    t0 = time.perf_counter()
    evals = [e for e in (25_000, 50_000, 100_000, 200_000, 300_000) if e < schedule.steps] or [schedule.steps // 2]
    results = pacgan.run_batched("grid", chosen, args.trials, schedule, args.out, device=args.device, evals=evals,
                                 graph=graph)  # fmt: skip
    summary = pacgan.summarize(results, "grid")
    print(pacgan.format_table(summary))
    print(json.dumps({**info, "seconds": time.perf_counter() - t0, "rows": pacgan.finite(summary)}, default=str))


if __name__ == "__main__":
    main()

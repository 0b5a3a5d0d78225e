"""PacGAN 2-D experiment on a GPU: throughput of each layout side by side, then the paper's protocol
(``--preset paper``: 400k iterations, 10 trials) for as many variants as fit in ``--budget`` seconds.

    PYTHONPATH=src timeout 555 python3 benchmarks/pacgan_gpu.py --out /tmp/pg --budget 430
    PYTHONPATH=src timeout 140 python3 benchmarks/pacgan_gpu.py --out /tmp/pg-speed --no-table --trials 10 --iters 200

(results: docs/results.md, "PacGAN").

Layouts timed (ms per iteration after warm-up, CUDA synchronised): the shared trainer on one trial (what
``unsup bench pacgan --layout processes`` runs in each worker), and the batched trials of
:mod:`unsup.repro.ensemble` eager and replayed as a CUDA graph, per variant and for all four variants in one graph
(one branch each); a check that the graph computes what the eager loop does. Then the variants GAN, PacGAN2, ...
are taken in order while their time for the full run fits the budget, and trained together by
:func:`unsup.repro.pacgan.run_batched` with learning-curve rows (``curve.jsonl``) at 25k, 50k, 100k, 200k, 300k.
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


def _trainers(packs, trials: int, betas: tuple[float, float], device: str) -> list:
    import torch

    from unsup.data.toy import grid
    from unsup.repro.ensemble import Ensemble, EnsembleTrainer

    seeds = list(range(trials))
    datasets = [grid(seed=s) for s in seeds]
    out = [EnsembleTrainer(Ensemble(datasets, seeds, pack=m), betas=betas, device=device) for m in packs]
    torch.manual_seed(0)
    return out


def _row(rows: list[dict], variant: str, layout: str, trials: int, step, iters: int) -> None:
    try:
        ms = ms_per_iter(step, iters)
    except RuntimeError as err:  # a device run must not end here: the table then runs eager
        print(f"{variant} {layout} failed: {err}", flush=True)
        return
    base = next((r for r in rows if r["variant"] == variant), None)
    rate = 1000 * trials / ms
    rows.append({"variant": variant, "layout": layout, "trials": trials, "ms_per_iter": ms, "trial_it_per_s": rate,
                 "vs_first_layout": rate / base["trial_it_per_s"] if base else 1.0})  # fmt: skip
    r = rows[-1]
    print(f"{variant:<9} {layout:<30} {trials:>3} trials {ms:8.3f} ms/it {rate:10.0f} trial-it/s "
          f"{r['vs_first_layout']:7.2f}x", flush=True)  # fmt: skip


def throughput(trials: int, iters: int, betas: tuple[float, float], device: str) -> list[dict]:
    """ms per iteration of each layout, per variant and for all four variants together."""
    import torch

    from unsup.data.toy import grid
    from unsup.gan.mlp import build_game
    from unsup.gan.trainer import TrainConfig, Trainer
    from unsup.repro.ensemble import Lockstep

    rows, graphs = [], (False, True) if device == "cuda" else (False,)
    for m in (1, 2, 3, 4):
        name, data = "GAN" if m == 1 else f"PacGAN{m}", grid(seed=0)
        torch.manual_seed(0)
        cfg = TrainConfig(steps=10**9, batch=100, lr_d=1e-4, lr_g=1e-4, betas=betas, update="simultaneous",
                          device=device, progress=False)  # fmt: skip
        shared = Trainer(build_game(data, pack=m, loss="ns"), data, cfg)
        _row(rows, name, "shared trainer, 1 trial", 1, shared.train_step, iters)
        for graph in graphs:
            lock = Lockstep(_trainers([m], trials, betas, device), graph)
            _row(rows, name, f"batched, {'CUDA graph' if graph else 'eager'}", trials, lock.train_step, iters)
    for graph in graphs:
        lock = Lockstep(_trainers([1, 2, 3, 4], trials, betas, device), graph)
        name = f"batched, {'one CUDA graph, 4 branches' if graph else 'eager'}"
        _row(rows, "all four", name, 4 * trials, lock.train_step, iters)
    return rows


def graph_matches_eager(trials: int, steps: int, betas: tuple[float, float]) -> float:
    """Largest parameter difference between the four variants trained ``steps`` iterations eagerly and by
    replaying the captured graph from the same seeds (the same random numbers in the same order)."""
    from unsup.repro.ensemble import Lockstep

    params = []
    for graph in (False, True):
        lock = Lockstep(_trainers([1, 2, 3, 4], trials, betas, "cuda"), graph)
        for _ in range(steps):
            lock.train_step()
        params.append([p.detach() for tr in lock.trainers for p in tr.ens.parameters()])
    return max(float((a - b).abs().max()) for a, b in zip(*params, strict=True))


def spread_baselines(trials: int, steps: int, betas: tuple[float, float], device: str) -> dict:
    """How far apart eager runs of the four variants end after ``steps`` iterations when only the random stream
    differs, or only the initial parameters (by 1e-7 relative): the scale against which to read the graph check."""
    import torch

    from unsup.repro.ensemble import Lockstep

    def run(seed: int, eps: float = 0.0) -> list:
        lock = Lockstep(_trainers([1, 2, 3, 4], trials, betas, device), False)
        with torch.no_grad():
            for p in (p for tr in lock.trainers for p in tr.ens.parameters() if eps):
                p.mul_(1 + eps * torch.randn_like(p))
        torch.manual_seed(seed)
        for _ in range(steps):
            lock.train_step()
        return [p.detach().clone() for tr in lock.trainers for p in tr.ens.parameters()]

    base, out = run(0), {}
    for name, other in (("other random stream", run(1)), ("parameters perturbed by 1e-7", run(0, 1e-7))):
        d = torch.cat([(a - b).abs().flatten() for a, b in zip(base, other, strict=True)])
        out[name] = {
            "max": float(d.max()),
            "median": float(d.median()),
            "share_over_1e-5": float((d > 1e-5).mean(dtype=torch.float)),
        }
        print(f"{name}: {out[name]}", flush=True)
    return out


def choose_variants(rows: list[dict], graph: bool, steps: int, budget: float) -> list:
    """GAN, PacGAN2, ... in order while the measured time of ``steps`` iterations (+10 %) fits ``budget`` s;
    the GAN at least (its learning curve is worth having even if the run is cut short)."""
    from unsup.repro import pacgan

    layout = "batched, CUDA graph" if graph else "batched, eager"
    per_variant = [r["ms_per_iter"] for r in rows if r["layout"] == layout]
    together = [r["ms_per_iter"] for r in rows if r["variant"] == "all four"][-1:]  # graph if any, else eager
    need = [1.1 * sum(per_variant[:k]) * steps / 1000 for k in range(1, 5)]
    if together:
        need[3] = min(need[3], 1.1 * together[0] * steps / 1000)
    k = max([1] + [i + 1 for i in range(4) if need[i] <= budget])
    if need[k - 1] > budget:
        print(f"warning: the GAN alone needs ~{need[0]:.0f} s, over --budget {budget:.0f} s", flush=True)
    return pacgan.variants(range(1, k + 1))


def main() -> None:
    import torch

    from unsup.repro import pacgan

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="folder to create for the results (required unless --baselines)")
    ap.add_argument("--budget", type=float, default=450, help="seconds for the table run (evaluations included)")
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--iters", type=int, default=200, help="timed iterations per layout")
    ap.add_argument("--preset", default="paper", choices=sorted(pacgan.PRESETS))
    ap.add_argument("--steps", type=int, default=None, help="override the preset's iterations (dry runs)")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--no-table", action="store_true", help="throughput and the graph check only")
    ap.add_argument("--baselines", action="store_true", help="only the spread between eager runs (see the check)")
    args = ap.parse_args()
    if args.baselines:
        print(json.dumps(spread_baselines(args.trials, 20, pacgan.PRESETS[args.preset].betas, args.device)))
        return
    if args.out is None:
        ap.error("--out is required")
    args.out.mkdir(parents=True, exist_ok=False)
    schedule = pacgan.with_steps(pacgan.PRESETS[args.preset], args.steps)
    device_name = torch.cuda.get_device_name() if args.device == "cuda" else platform.processor() or "cpu"
    print(torch.__version__, device_name, flush=True)
    rows = throughput(args.trials, args.iters, schedule.betas, args.device)
    graph = any("graph" in r["layout"] for r in rows)
    check = graph_matches_eager(args.trials, 20, schedule.betas) if graph else None
    if check is not None:
        print(f"graph vs eager, 4 variants x 20 iterations: largest parameter difference {check:.2e}", flush=True)
    chosen = choose_variants(rows, graph, schedule.steps, args.budget)
    info = {"bench": "pacgan-gpu", "device": device_name, "torch": torch.__version__,
            "preset": args.preset, "schedule": asdict(schedule),
            "throughput": rows, "graph": graph, "graph_vs_eager_max_diff": check,
            "variants": [v.name for v in chosen]}  # fmt: skip
    (args.out / "throughput.json").write_text(json.dumps(info, indent=1, default=str))
    if args.no_table:
        return
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

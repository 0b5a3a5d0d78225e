"""Throughput of the PacGAN 2-D experiment on this machine: trial-iterations per second for each process layout,
measured side by side in one run, plus per-iteration cost of each variant.

    OMP_NUM_THREADS=1 python benchmarks/pacgan.py --iters 60 --trials 2 --repeats 2   # docs/results.md, PacGAN "Speed"

Layouts (each runs ``--trials`` independent trials of ``--iters`` reference-setup iterations on the grid):
a plain eager loop (one model at a time, torch's default threads, the reference's simultaneous update written out
as in a textbook) and the shared trainer (fused Adam, one D pass over real and fake) as one process with N threads,
one process with 1 thread, and N single-thread processes (what ``unsup bench pacgan`` uses), the last also under
bfloat16 autocast (``--bf16 on``) when this CPU has native bfloat16 kernels. Prints a table and a JSON line. The
``--update`` flag applies to the trainer rows only.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import time

import unsup  # noqa: F401  (passive OpenMP waiting before torch loads)
from unsup._threads import init_worker
from unsup.gan.trainer import native_bf16


def _trial(args: tuple[int, int, int, str, bool]) -> tuple[float, float]:
    """(wall, CPU) seconds for ``iters`` iterations of a fresh reference-setup model, after 3 warm-up iterations."""
    import torch

    from unsup.data.toy import grid
    from unsup.gan.mlp import build_game
    from unsup.gan.trainer import TrainConfig, Trainer

    pack, iters, seed, update, bf16 = args
    data = grid(seed=seed)
    torch.manual_seed(seed)
    cfg = TrainConfig(steps=10**9, batch=100, update=update, device="cpu", bf16=bf16, progress=False)
    trainer = Trainer(build_game(data, pack=pack), data, cfg)
    for _ in range(3):
        trainer.train_step()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(iters):
        trainer.train_step()
    return time.perf_counter() - t0, time.process_time() - c0


def _plain_trial(args: tuple[int, int, int, str, bool]) -> tuple[float, float]:
    """The baseline: a textbook eager loop (simultaneous update, as in the reference code) on the same networks."""
    import torch
    import torch.nn.functional as F

    from unsup.data.toy import grid
    from unsup.gan.mlp import MaxoutDiscriminator, MLPGenerator
    from unsup.gan.pack import pack

    m, iters, seed, *_ = args
    data = grid(seed=seed)
    torch.manual_seed(seed)
    G, D = MLPGenerator(), MaxoutDiscriminator(2 * m)
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-4, betas=(0.8, 0.999))
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-4, betas=(0.8, 0.999))

    def step() -> None:
        real = data.sample(100 * m)
        fake = torch.stack([G(torch.randn(100, 2)) for _ in range(m)], 1).flatten(0, 1)
        r, f = D(pack(real, m)), D(pack(fake, m))
        ld, lg = F.softplus(-r).mean() + F.softplus(f).mean(), -F.softplus(f).mean()
        gd = torch.autograd.grad(ld, list(D.parameters()), retain_graph=True)
        gg = torch.autograd.grad(lg, list(G.parameters()))
        for p, g in zip([*D.parameters(), *G.parameters()], gd + gg, strict=True):
            p.grad = g
        opt_d.step()
        opt_g.step()

    for _ in range(3):
        step()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(iters):
        step()
    return time.perf_counter() - t0, time.process_time() - c0


def run_layout(
    procs: int, threads: int, trials: int, iters: int, pack: int, update: str, plain: bool = False, bf16: bool = False
) -> tuple[float, float]:
    """Trial-iterations per wall second and per CPU second with ``procs`` processes of ``threads`` threads."""
    jobs = [(pack, iters, seed, update, bf16) for seed in range(trials)]
    with mp.get_context("spawn").Pool(procs, initializer=init_worker, initargs=(threads,)) as pool:
        pool.map(abs, range(procs))  # start-up and imports outside the timed region
        pool.map(_trial, [(pack, 1, 0, update, bf16)] * procs)
        times = pool.map(_plain_trial if plain else _trial, jobs, chunksize=1)
    # trials are spread evenly, so ``procs`` of them always run at once; set-up time is left out
    wall = procs * statistics.mean(iters / w for w, _ in times)
    return wall, trials * iters / sum(c for _, c in times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iters", type=int, default=100, help="timed iterations per trial")
    ap.add_argument("--trials", type=int, default=4, help="trials per layout")
    ap.add_argument("--repeats", type=int, default=2, help="rounds over all layouts (median reported)")
    ap.add_argument("--pack", type=int, default=2)
    ap.add_argument("--update", default="simultaneous", choices=["simultaneous", "alternating"])
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    if args.trials % cores:
        ap.error(f"--trials must be a multiple of the {cores} cores (every process equally busy)")
    layouts = {f"plain loop, 1 proc x {cores} threads": (1, cores, True, False),
               f"unsup, 1 proc x {cores} threads": (1, cores, False, False),
               "unsup, 1 proc x 1 thread": (1, 1, False, False),
               f"unsup, {cores} procs x 1 thread": (cores, 1, False, False)}  # fmt: skip
    if native_bf16():  # emulated bfloat16 is ~10x slower than fp32: not worth timing
        layouts[f"unsup bf16, {cores} procs x 1 thread"] = (cores, 1, False, True)
    rates: dict[str, list[tuple[float, float]]] = {name: [] for name in layouts}
    for _ in range(args.repeats):  # interleaved rounds: load from other jobs hits every layout alike
        for name, (procs, threads, plain, bf16) in layouts.items():
            rates[name].append(run_layout(procs, threads, args.trials, args.iters, args.pack, args.update, plain, bf16))
    base = statistics.median(w for w, _ in rates[next(iter(layouts))])
    print(f"PacGAN{args.pack} grid, reference setup, {args.update} update, {args.trials} trials x {args.iters} it")
    print(f"{'layout':<34} {'trial-it/s':>10} {'ms/it/trial':>12} {'vs plain':>9} {'trial-it/CPU-s':>15}")
    rows = []
    for name, rs in rates.items():
        r, c = statistics.median(w for w, _ in rs), statistics.median(c for _, c in rs)
        rows.append({"layout": name, "trial_it_per_s": r, "trial_it_per_cpu_s": c, "runs": rs, "speedup": r / base})
        print(f"{name:<34} {r:>10.2f} {1000 / r:>12.1f} {r / base:>8.2f}x {c:>15.2f}")
    best = max(rows, key=lambda row: row["trial_it_per_s"])
    print(f"best layout here: {best['layout']} ({best['speedup']:.2f}x the plain loop)")
    print(json.dumps({"bench": "pacgan-speed", "cores": cores, **vars(args), "rows": rows, "best": best["layout"]}))


if __name__ == "__main__":
    main()

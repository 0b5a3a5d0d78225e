"""``unsup bench stacked-mnist``: DCGAN vs PacDCGAN-m on Stacked MNIST (PacGAN Table 3 setup) and the training
throughput of the D = 1/4 setup under the speed-ups (channels-last, bfloat16 autocast, threads) side by side.

Table 3's recipe: its generator (:data:`~unsup.gan.dcgan.TABLE3`: latent 256, 4x4x64 -> three 3x3 up-convolutions,
~290k parameters), D preset ``quarter`` (3x3 convs, 2/4/8 channels), Adam D 2e-4 / G 1e-4,
betas (0.5, 0.99), batch 128 packs, data in [-1, 1]; the paper trains 500k iterations and scores 26,000 samples.

Samples are scored by two independently trained judges (:data:`~unsup.metrics.mnist_classifier.JUDGES`: the
shipped CNN and a LeNet of another seed). The mode count's level depends on the judge; the ranking of the models and
the KL are the headline, and the table states how far the judges disagree.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from dataclasses import replace
from pathlib import Path

import torch

from unsup._run import new_run_dir, write_json
from unsup._threads import init_worker
from unsup.data.images import stacked_mnist_dataset
from unsup.gan.dcgan import TABLE3, DCGANConfig, build_dcgan
from unsup.gan.trainer import TrainConfig, Trainer

PAPER_TABLE3 = {  # (modes, KL) over 50 trials, 500k iterations
    ("quarter", 1): (78.5, 5.21), ("quarter", 2): (484.5, 2.61), ("quarter", 3): (601.3, 2.00),
    ("quarter", 4): (667.4, 1.81), ("half", 1): (487.7, 2.24), ("half", 2): (840.7, 1.00), ("half", 3): (866.6, 0.90),
}  # fmt: skip
CORES = os.cpu_count() or 1
SPEEDUPS = {  # name: (DCGANConfig overrides, torch threads); the first is the baseline: plain eager, torch's threads
    f"eager fp32, {CORES} threads": ({}, CORES),
    "eager fp32, 1 thread": ({}, 1),
    "channels-last": ({"channels_last": True}, 1),
    "bf16 autocast": ({"bf16": True}, 1),
    "channels-last + bf16": ({"channels_last": True, "bf16": True}, 1),
    f"channels-last + bf16, {CORES} threads": ({"channels_last": True, "bf16": True}, CORES),
}


def fast_by_default() -> bool:
    """Whether trials use channels-last + bfloat16 autocast: only where bfloat16 is native (a CUDA GPU with bf16, or
    a CPU with AVX512_BF16/AMX). Without native kernels a DCGAN step measured 262-282 ms with them against
    68-69 ms in fp32 (an AVX2-only CPU)."""
    from unsup.gan.trainer import native_bf16

    return torch.cuda.is_bf16_supported() if torch.cuda.is_available() else native_bf16()


def table3_train_config(
    steps: int, seed: int, out: str | None, batch: int = 128, lr_d: float = 2e-4, lr_g: float = 1e-4
) -> TrainConfig:
    """Adam D 2e-4, G 1e-4, betas (0.5, 0.99), batch 128: the Unrolled-GAN / PacGAN Table 3 optimiser."""
    return TrainConfig(steps=steps, batch=batch, lr_d=lr_d, lr_g=lr_g, betas=(0.5, 0.99), seed=seed, out=out,
                       ckpt_every=500, sample_every=steps, log_every=100, progress=False)  # fmt: skip


def _speedup_trainer(name: str, batch: int, data) -> Trainer:
    torch.manual_seed(0)
    game = build_dcgan(DCGANConfig(**TABLE3, **SPEEDUPS[name][0]))
    return Trainer(game, data, replace(table3_train_config(10**9, 0, None), batch=batch))


def _one_per_core(name: str, iters: int, batch: int, barrier, queue) -> None:
    """Child process: time ``iters`` steps of variant ``name`` on one thread, started together with the others."""
    torch.set_num_threads(1)
    trainer = _speedup_trainer(name, batch, stacked_mnist_dataset(10_000))
    for _ in range(2):
        trainer.train_step()
    barrier.wait()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(iters):
        trainer.train_step()
    queue.put(((time.perf_counter() - t0) / iters, (time.process_time() - c0) / iters))


def parallel_throughput(name: str, iters: int, batch: int, procs: int = CORES) -> tuple[float, float]:
    """(images/s summed over ``procs`` single-thread processes training at once, mean CPU s/iter): the layout of
    several trials run side by side, one per core."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    barrier, queue = ctx.Barrier(procs), ctx.Queue()
    workers = [ctx.Process(target=_one_per_core, args=(name, iters, batch, barrier, queue)) for _ in range(procs)]
    for w in workers:
        w.start()
    times = [queue.get() for _ in workers]
    for w in workers:
        w.join()
    return sum(batch / wall for wall, _ in times), statistics.mean(cpu for _, cpu in times)


def throughput(iters: int = 10, rounds: int = 3, batch: int = 128) -> list[dict]:
    """Images/s of each :data:`SPEEDUPS` variant training the D = 1/4 setup, variants interleaved per round, and
    of the fastest single-thread variant measured here as one single-thread process per core (images/s summed).

    On a machine shared with other jobs the wall time only goes up, so each variant reports its fastest round
    (wall) and the process CPU seconds of that round (contention-free for 1-thread variants).
    """
    data = stacked_mnist_dataset(10_000)
    trainers = {name: _speedup_trainer(name, batch, data) for name in SPEEDUPS}
    best: dict[str, tuple[float, float]] = {name: (float("inf"), 0.0) for name in SPEEDUPS}
    threads = torch.get_num_threads()
    for r in range(rounds + 1):  # round 0 warms up (oneDNN primitive caches)
        for name, trainer in trainers.items():
            torch.set_num_threads(SPEEDUPS[name][1])
            t0, c0 = time.perf_counter(), time.process_time()
            for _ in range(iters if r else 2):
                trainer.train_step()
            wall, cpu = (time.perf_counter() - t0) / iters, (time.process_time() - c0) / iters
            if r and wall < best[name][0]:
                best[name] = (wall, cpu)
    torch.set_num_threads(threads)
    base_wall, base_cpu = best[next(iter(SPEEDUPS))]
    rows = [{"variant": n, "threads": SPEEDUPS[n][1], "s_per_iter": w, "cpu_s_per_iter": c, "images_per_s": batch / w,
             "speedup": base_wall / w, "cpu_speedup": base_cpu / c} for n, (w, c) in best.items()]  # fmt: skip
    if CORES > 1:
        fastest = min((n for n in SPEEDUPS if SPEEDUPS[n][1] == 1), key=lambda n: best[n][0])
        images_s, cpu = parallel_throughput(fastest, iters * rounds, batch)
        rows.append({"variant": f"{fastest}, {CORES} procs x 1 thread", "threads": 1, "s_per_iter": batch / images_s,
                     "cpu_s_per_iter": cpu, "images_per_s": images_s, "speedup": images_s * base_wall / batch,
                     "cpu_speedup": base_cpu / cpu})  # fmt: skip
    return rows


def trial(
    pack: int,
    seed: int,
    steps: int,
    out: Path,
    preset: str = "quarter",
    batch: int = 128,
    lr: tuple[float, float] = (2e-4, 1e-4),
    fast: bool | None = None,
) -> dict:
    """Train one (Pac)DCGAN on Stacked MNIST with the shared trainer and score 26,000 samples."""
    from unsup.metrics.frechet import classifier_features, frechet_distance
    from unsup.metrics.mnist_classifier import load_classifier

    fast = fast_by_default() if fast is None else fast
    data = stacked_mnist_dataset(50_000, seed=seed)
    torch.manual_seed(seed)
    game = build_dcgan(DCGANConfig(**TABLE3, pack=pack, d_preset=preset, channels_last=fast, bf16=fast))
    t0 = time.perf_counter()
    trainer = Trainer(game, data, table3_train_config(steps, seed, str(out), batch, *lr))
    resumed = (out / "checkpoint.pt").exists()
    trainer.fit(resume=resumed)
    seconds = None if resumed else round(time.perf_counter() - t0, 1)  # a resumed run's clock starts late
    torch.manual_seed(10_000 + seed)
    fake = game.sample(26_000)
    clf = load_classifier()
    fd = frechet_distance(classifier_features(data.sample(5000), clf), classifier_features(fake[:5000], clf))
    result = {"pack": pack, "seed": seed, "steps": steps, "batch": batch, "lr_d": lr[0], "lr_g": lr[1],
              "d_preset": preset, "speedups": "channels-last + bf16" if fast else "fp32", "train_seconds": seconds,
              **judge_scores(fake), "frechet": round(fd, 2)}  # fmt: skip
    write_json(out / "result.json", result)
    return result


def judge_scores(fake: torch.Tensor) -> dict:
    """Modes and KL of ``[N, 3, 28, 28]`` samples under each judge: ``modes``/``kl`` (the shipped CNN, as before)
    and ``modes_<judge>``/``kl_<judge>`` for the others."""
    from unsup.metrics.mnist_classifier import JUDGES, load_classifier
    from unsup.metrics.stacked_mnist import stacked_mnist_scores

    out = {}
    for name in JUDGES:
        sc = stacked_mnist_scores(fake, load_classifier(arch=name))
        tag = "" if name == "cnn" else f"_{name}"
        out.update({f"modes{tag}": sc["modes"], f"kl{tag}": round(sc["kl"], 3)})
    return out


def _trial_job(job: tuple) -> dict:
    done = job[3] / "result.json"
    return json.loads(done.read_text()) if done.exists() else trial(*job)


def _map_trials(jobs: list[tuple], workers: int, threads: int):
    """Results of :func:`trial` for each job, in order; one process per worker (one thread each by default): on
    this 2-core machine two single-thread processes trained 1.7x the images/s of one process with two threads."""
    if workers <= 1 or len(jobs) <= 1:
        yield from map(_trial_job, jobs)
        return
    import multiprocessing as mp

    with mp.get_context("spawn").Pool(min(workers, len(jobs)), init_worker, (threads,)) as pool:
        yield from pool.imap(_trial_job, jobs)


def summarize(results: list[dict]) -> list[dict]:
    """Mean ± std of modes and KL per (preset, pack) under each judge, beside the paper's Table 3 numbers; trials
    scored before the second judge existed have no ``modes_lenet`` and are left out of its columns."""
    rows = []
    for key in sorted({(r["d_preset"], r["pack"]) for r in results}):
        rs = [r for r in results if (r["d_preset"], r["pack"]) == key]
        paper = PAPER_TABLE3.get(key, (None, None))
        row = {"d_preset": key[0], "pack": key[1], "trials": len(rs), "steps": rs[0]["steps"],
               "paper_modes": paper[0], "paper_kl": paper[1]}  # fmt: skip
        for tag in ("", "_lenet"):
            modes, kls = (
                [r[f"modes{tag}"] for r in rs if f"modes{tag}" in r],
                [r[f"kl{tag}"] for r in rs if f"kl{tag}" in r],
            )
            if modes:
                row.update({f"modes{tag}_mean": statistics.mean(modes), f"modes{tag}_std": statistics.pstdev(modes),
                            f"kl{tag}_mean": statistics.mean(kls), f"kl{tag}_std": statistics.pstdev(kls)})  # fmt: skip
        rows.append(row)
    return rows


def judge_spread(results: list[dict]) -> dict | None:
    """How far the two judges disagree on the same samples: max and mean |difference| in modes and in KL, and
    whether they rank every pair of (preset, pack) groups the same way by mean KL and by mean modes."""
    both = [r for r in results if "modes_lenet" in r]
    if not both:
        return None
    dm = [abs(r["modes"] - r["modes_lenet"]) for r in both]
    dk = [abs(r["kl"] - r["kl_lenet"]) for r in both]
    rows = summarize(both)

    def order(k: str) -> list[tuple]:
        return [(r["d_preset"], r["pack"]) for r in sorted(rows, key=lambda r: r[k])]

    return {"trials": len(both), "modes_max": max(dm), "modes_mean": statistics.mean(dm), "kl_max": max(dk),
            "kl_mean": statistics.mean(dk), "same_kl_ranking": order("kl_mean") == order("kl_lenet_mean"),
            "same_modes_ranking": order("modes_mean") == order("modes_lenet_mean")}  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """CLI / script entry: throughput table, or the DCGAN vs PacDCGAN trials (table + one JSON line)."""
    if args.steps < 1 or args.trials < 1 or any(p < 1 for p in args.packs):
        raise ValueError("--steps, --trials and --packs must be >= 1")
    if args.workers < 0:
        raise ValueError(f"--workers must be >= 0 (0: one per core); got {args.workers}")
    torch.set_num_threads(args.threads)
    if args.throughput:
        rows = throughput(args.iters, args.rounds)
        print(f"{'variant':<44}{'s/iter':>9}{'images/s':>10}{'speedup':>9}{'CPU s/iter':>12}{'CPU speedup':>13}")
        for r in rows:
            print(f"{r['variant']:<44}{r['s_per_iter']:>9.3f}{r['images_per_s']:>10.1f}{r['speedup']:>8.2f}x"
                  f"{r['cpu_s_per_iter']:>12.3f}{r['cpu_speedup']:>12.2f}x")  # fmt: skip
        print(json.dumps({"benchmark": "stacked_mnist_throughput", "batch": 128, "rows": rows}))
        return 0
    root = Path(args.resume) if args.resume else new_run_dir(args.out, "bench-stacked-mnist")
    if not root.is_dir():
        raise FileNotFoundError(f"benchmark folder {root} does not exist")
    fast = {"auto": fast_by_default(), "on": True, "off": False}[args.speedups]
    print(f"speed-ups: {'channels-last + bf16 autocast' if fast else 'none (fp32)'} (--speedups {args.speedups})")
    jobs = [(pack, seed, args.steps, root / f"{args.d_preset}-pack{pack}-seed{seed}", args.d_preset, args.batch,
             (args.lr_d, args.lr_g), fast) for seed in range(args.first_seed, args.first_seed + args.trials)
            for pack in args.packs]  # fmt: skip
    results = []
    for res in _map_trials(jobs, args.workers or CORES, args.threads):
        print(json.dumps(res), flush=True)
        results.append(res)
    rows, spread = summarize(results), judge_spread(results)
    print(f"{'D':<9}{'model':<11}{'trials':>7}{'iters':>8}{'KL, CNN':>14}{'KL, LeNet':>14}{'modes, CNN':>16}"
          f"{'modes, LeNet':>16}{'paper modes / KL':>18}")  # fmt: skip
    for r in rows:
        name = "DCGAN" if r["pack"] == 1 else f"PacDCGAN{r['pack']}"
        cells = [f"{r[k + '_mean']:.2f} ± {r[k + '_std']:.2f}" if k + "_mean" in r else "-" for k in ("kl", "kl_lenet")]
        cells += [f"{r[k + '_mean']:.0f} ± {r[k + '_std']:.0f}" if k + "_mean" in r else "-"
                  for k in ("modes", "modes_lenet")]  # fmt: skip
        paper = f"{r['paper_modes'] or '-'} / {r['paper_kl'] or '-'}"
        print(f"{r['d_preset']:<9}{name:<11}{r['trials']:>7}{r['steps']:>8}{cells[0]:>14}{cells[1]:>14}{cells[2]:>16}"
              f"{cells[3]:>16}{paper:>18}")  # fmt: skip
    if spread:
        print(f"judges disagree by up to {spread['modes_max']} modes (mean {spread['modes_mean']:.0f}) and "
              f"{spread['kl_max']:.2f} nats of KL (mean {spread['kl_mean']:.2f}) on the same samples; same ranking by "
              f"KL: {spread['same_kl_ranking']}, by modes: {spread['same_modes_ranking']}")  # fmt: skip
    print(json.dumps({"benchmark": "stacked_mnist", "run": str(root), "summary": rows, "judge_spread": spread,
                      "trials": results}))  # fmt: skip
    return 0

"""Image-to-image translation benchmarks (``unsup.translate``): prints a table per part and one JSON line.

Parts (``--part``, default all):

- ``digits``: CycleGAN (preset ``digits``) on MNIST <-> scikit-learn digits up-sampled to 28x28; class preservation
  judged by a target-domain RBF-SVM on held-out images, plus cycle L1 (per pixel, [0, 1] scale).
- ``adapt``: the semantic classifier's accuracy on the unlabelled domain after each self-training round.
- ``sr``: x4 super-resolution on grey 32x32 patches; held-out patches come from images never used in training.
  Regression (L1) and pix2pix-style (L1 + conditional PatchGAN) against bicubic, PSNR/SSIM.
- ``speed``: training throughput (images/s) of ``CycleGAN.train_step`` against a plain eager re-implementation of
  the reference's step on the same networks, timed alternately in the same process.
- ``memory``: peak resident memory of 256x256 CycleGAN training with the reference preset (CPU; GPU if present).

The commands behind docs/results.md, "Image-to-image translation"::

    python benchmarks/translate.py --part digits --epochs 6 --decay-epochs 6 --judge cnn svm --semantic A \\
        --lambda-semantic 2 --jitter --per-domain --seed 0
    python benchmarks/translate.py --part digits --epochs 6 --decay-epochs 6      # plain CycleGAN, no labels
    python benchmarks/translate.py --part adapt
    python benchmarks/translate.py --part sr --sr-presets sr --sr-epochs 6 --patches 8000
    python benchmarks/translate.py --part speed --reps 3
    python benchmarks/translate.py --part memory --memory-steps 1
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import functools
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from unsup.translate.data import Translation, digits_pair, sr_patches
from unsup.translate.evaluate import JUDGES, eval_digits, eval_sr
from unsup.translate.presets import build_model, preset
from unsup.translate.runs import semantic_classifier
from unsup.translate.semantic import SELF_TRAIN
from unsup.translate.trainer import fit


def _train(name: str, data: Translation, probe, out: Path, spec: dict | None = None, model_kw: dict | None = None,
           **train_kw) -> tuple[torch.nn.Module, dict]:  # fmt: skip
    """Train preset ``name``; the CPU time includes the semantic classifier's training when ``spec`` has labels."""
    cfg, train = preset(name)
    cfg, train = dataclasses.replace(cfg, **(model_kw or {})), dataclasses.replace(train, **train_kw)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    model = build_model(cfg, train.seed, semantic_classifier(spec, train, fresh=True) if spec else None)
    history = fit(model, data, out, train, probe, progress=sys.stderr.isatty())
    return model, {"epochs": len(history), "cpu_min": (time.process_time() - cpu0) / 60,
                   "wall_min": (time.perf_counter() - wall0) / 60, "last": history[-1]}  # fmt: skip


def part_digits(args: argparse.Namespace, out: Path) -> dict:
    a, _, b, _ = digits_pair(True, args.seed)
    ta, tya, tb, tyb = digits_pair(False, args.seed)
    data = Translation(a, b, paired=False, crop=28, flip=False)
    semantic = args.semantic != "none"
    spec = ({"kind": "digits", "labels": args.semantic, "self_train": args.self_train, "per_domain": args.per_domain}
            if semantic else None)  # fmt: skip
    model_kw = {"lambda_semantic": args.lambda_semantic, "semantic_jitter": args.jitter} if semantic else None
    model, info = _train("digits", data, (ta[:8], tb[:8]), out / "digits", spec, model_kw,
                         n_epochs=args.epochs, n_epochs_decay=args.decay_epochs, seed=args.seed)  # fmt: skip
    scores = eval_digits(model, args.seed, args.judge[0])  # as `unsup translate eval`: split, judges use the seed
    for judge in args.judge[1:]:  # a second kind of judge: do the class-kept scores hold beyond one model family?
        more = eval_digits(model, args.seed, judge)
        scores.update({f"{k}_{judge}": more[k] for k in ("class_kept_AtoB", "class_kept_BtoA")})
    if semantic:  # how often the translator satisfies its own reader, against how often the judge agrees
        scores.update(_reader_scores(model, ta, tya, tb, tyb))
    readers = "one classifier per domain" if args.per_domain else "one shared classifier"
    label = (f"CycleGAN + semantic term (labels of {args.semantic} only, {args.self_train} self-training rounds, "
             f"{readers})" if semantic else "CycleGAN")  # fmt: skip
    print(f"\nMNIST <-> digits {label}, {info['epochs']} epochs, {info['cpu_min']:.1f} CPU min "
          f"({info['wall_min']:.1f} wall min)")  # fmt: skip
    if semantic:
        clean = "AtoB" if args.semantic == "A" else "BtoA"
        print(f"only {clean} is judged by a classifier trained on labels the translator never saw")
    print(f"{'direction':<12}{'class kept':>12}{'untranslated':>14}{'judge in-domain':>17}{'cycle L1':>10}")
    for d, src, dst in (("AtoB", "A", "B"), ("BtoA", "B", "A")):
        print(f"{d:<12}{scores[f'class_kept_{d}']:>12.3f}{scores[f'untranslated_{d}']:>14.3f}"
              f"{scores[f'judge_acc_{dst}']:>17.3f}{scores[f'cycle_l1_{src}']:>10.4f}")  # fmt: skip
    print(f"MNIST resampled by hand to the digits' 8x8 grid, judged in B: {scores['resampled_AtoB']:.3f}")
    if semantic:
        print(f"class kept by the semantic term's own readers: AtoB {scores['reader_AtoB']:.3f}, "
              f"BtoA {scores['reader_BtoA']:.3f}")  # fmt: skip
    for judge in args.judge[1:]:
        print(f"class kept judged by the {judge}: AtoB {scores[f'class_kept_AtoB_{judge}']:.3f}, "
              f"BtoA {scores[f'class_kept_BtoA_{judge}']:.3f}")  # fmt: skip
    used = {"labels_used": spec and spec["labels"], "self_train": spec and spec["self_train"],
            "per_domain": spec and spec["per_domain"], "judges": args.judge}  # fmt: skip
    return {**scores, **used, **{k: v for k, v in info.items() if k != "last"}}


def _reader_scores(model, ta: torch.Tensor, tya: torch.Tensor, tb: torch.Tensor, tyb: torch.Tensor) -> dict:
    """Class kept on the held-out images as the semantic term's target-domain reader sees it."""
    from unsup.metrics.mnist_classifier import predict
    from unsup.translate.evaluate import translate_all

    f_a, f_b = model.readers()
    kept = {}
    for d, x, y, reader in (("AtoB", ta, tya, f_b), ("BtoA", tb, tyb, f_a)):
        kept[f"reader_{d}"] = float((predict(reader, translate_all(model, x, d)) == y).float().mean())
    return kept


def _adapt_rows(name: str, data: tuple, test: torch.Tensor, ytest: torch.Tensor, args: argparse.Namespace) -> list:
    """Self-train a classifier on ``data = (images, labels, other)``; score every round on ``test``."""
    from unsup.metrics.mnist_classifier import predict
    from unsup.translate.semantic import self_trained_classifier

    cpu0, rows = time.process_time(), []

    def score(r: int, f: torch.nn.Module) -> None:
        acc = float((predict(f, test) == ytest).float().mean())
        rows.append({"round": r, "accuracy": acc, "cpu_min": (time.process_time() - cpu0) / 60})
        print(f"{name:<8}{r:>6}{acc:>10.3f}{rows[-1]['cpu_min']:>9.1f}", flush=True)

    self_trained_classifier(*data, args.self_train, seed=args.seed + 1, on_round=score)
    return rows


def part_adapt(args: argparse.Namespace, out: Path) -> dict:
    """The semantic term's classifier, trained on one domain's labels: its accuracy on the other domain's held-out
    images after each self-training round (what ``--self-train ROUNDS`` buys), both ways."""
    a, ya, b, yb = digits_pair(True, args.seed)
    ta, tya, tb, tyb = digits_pair(False, args.seed)
    print(f"\nsemantic classifier, held-out accuracy in the domain whose labels it never saw (seed {args.seed})")
    print(f"{'labels':<8}{'round':>6}{'accuracy':>10}{'CPU min':>9}")
    return {"labels_A": _adapt_rows("A", (a, ya, b), tb, tyb, args),
            "labels_B": _adapt_rows("B", (b, yb, a), ta, tya, args)}  # fmt: skip


def part_sr(args: argparse.Namespace, out: Path) -> dict:
    x, y = sr_patches(True, 4, 32, args.patches, seed=0)
    probe = sr_patches(False, 4, 32, 8, seed=1)
    res = {}
    for name in args.sr_presets:
        model, info = _train(name, Translation(x, y, True, 32, True), probe, out / name,
                             n_epochs=args.sr_epochs, n_epochs_decay=args.sr_epochs)  # fmt: skip
        res[name] = {**eval_sr(model, 4, n=500), "cpu_min": info["cpu_min"], "wall_min": info["wall_min"]}
    print(f"\nx4 super-resolution, 500 held-out 32x32 patches ({', '.join(('coffee', 'coins', 'moon', 'text'))})")
    print(f"{'method':<24}{'PSNR dB':>9}{'SSIM':>8}{'gain dB':>9}{'CPU min':>9}")
    base = res[args.sr_presets[0]]
    print(f"{'bicubic':<24}{base['psnr_input']:>9.2f}{base['ssim_input']:>8.3f}{0:>9.2f}{'-':>9}")
    labels = {"sr": "regression (L1)", "sr-pix2pix": "pix2pix (L1 + cGAN)"}
    for name in args.sr_presets:
        r, label = res[name], labels[name]
        print(f"{label:<24}{r['psnr']:>9.2f}{r['ssim']:>8.3f}{r['psnr_gain_db']:>9.2f}{r['cpu_min']:>9.1f}")
    return res


# ----------------------------------------------------------------------------- plain eager reference step


def plain_step(m, a: torch.Tensor, b: torch.Tensor, lam: float = 10.0, lam_idt: float = 0.5) -> None:
    """The reference's ``optimize_parameters`` written plainly: separate G and D calls, MSE against target tensors."""
    mse = F.mse_loss
    fake_b, fake_a = m.G_AB(a), m.G_BA(b)
    rec_a, rec_b = m.G_BA(fake_b), m.G_AB(fake_a)
    for p in [*m.D_A.parameters(), *m.D_B.parameters()]:
        p.requires_grad_(False)
    idt_a, idt_b = m.G_AB(b), m.G_BA(a)
    pb, pa = m.D_B(fake_b), m.D_A(fake_a)
    loss_g = mse(pb, torch.ones_like(pb)) + mse(pa, torch.ones_like(pa))
    loss_g = loss_g + lam * (F.l1_loss(rec_a, a) + F.l1_loss(rec_b, b))
    loss_g = loss_g + lam * lam_idt * (F.l1_loss(idt_a, b) + F.l1_loss(idt_b, a))
    m.opt_G.zero_grad()
    loss_g.backward()
    m.opt_G.step()
    for p in [*m.D_A.parameters(), *m.D_B.parameters()]:
        p.requires_grad_(True)
    m.opt_D.zero_grad()
    for D, real, fake in ((m.D_A, a, m.pool_a.query(fake_a)), (m.D_B, b, m.pool_b.query(fake_b))):
        pr, pf = D(real), D(fake.detach())
        (0.5 * (mse(pr, torch.ones_like(pr)) + mse(pf, torch.zeros_like(pf)))).backward()
    m.opt_D.step()


def part_speed(args: argparse.Namespace, out: Path) -> dict:
    res = {}
    print(f"\nCycleGAN training throughput, images/s (median of {args.reps} alternating timings)")
    print(f"{'setting':<34}{'plain eager':>12}{'unsup':>10}{'ratio':>8}")
    for name, size, bs, steps in (("digits", 28, 8, 4), ("cyclegan-small", 128, 1, 2)):
        cfg, _ = preset(name)
        ours = build_model(cfg)
        plain = copy.deepcopy(ours)
        a, b = (torch.rand(bs, cfg.ch_a, size, size) * 2 - 1 for _ in range(2))
        steps_of = {
            "plain": functools.partial(plain_step, plain, a, b),
            "unsup": functools.partial(ours.train_step, a, b),
        }
        times = {"plain": [], "unsup": []}
        for _ in range(args.reps):
            for key, step in steps_of.items():
                step()  # warm-up
                t0 = time.perf_counter()
                for _ in range(steps):
                    step()
                times[key].append(bs * steps / (time.perf_counter() - t0))
        p, u = statistics.median(times["plain"]), statistics.median(times["unsup"])
        label = f"{name} {size}px batch {bs}"
        print(f"{label:<34}{p:>12.2f}{u:>10.2f}{u / p:>8.2f}")
        res[label] = {"plain_img_s": p, "unsup_img_s": u, "ratio": u / p}
    return res


_MEMORY_CHILD = """
import json, resource, sys, time, torch
torch.set_num_threads(1)
from unsup.translate.presets import build_model, preset
sys.path.insert(0, {bench!r})
from translate import plain_step
cfg, _ = preset("cyclegan")
m = build_model(cfg)
dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
m = m.to(dev)
a, b = (torch.rand(1, 3, 256, 256, device=dev) * 2 - 1 for _ in range(2))
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
for _ in range({steps}):
    plain_step(m, a, b) if {plain} else m.train_step(a, b)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = {{"device": dev.type, "rss_before_mib": base / 1024, "peak_rss_mib": peak / 1024,
       "s_per_step": (time.perf_counter() - t0) / {steps}}}
if dev.type == "cuda":
    out["gpu_peak_mib"] = torch.cuda.max_memory_allocated() / 2**20
print(json.dumps(out))
"""


def part_memory(args: argparse.Namespace, out: Path) -> dict:
    res = {}
    print("\n256x256 CycleGAN training (reference preset: ResNet-9, ngf 64, batch 1), one process per row")
    print(f"{'step':<10}{'device':>8}{'RSS before MiB':>16}{'peak RSS MiB':>14}{'s/step':>9}")
    for key, plain in (("unsup", False), ("plain", True)):
        code = _MEMORY_CHILD.format(bench=str(Path(__file__).parent), steps=args.memory_steps, plain=plain)
        r = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        print(f"{key:<10}{r['device']:>8}{r['rss_before_mib']:>16.0f}{r['peak_rss_mib']:>14.0f}{r['s_per_step']:>9.1f}")
        res[key] = r
    return res


PARTS = {"digits": part_digits, "adapt": part_adapt, "sr": part_sr, "speed": part_speed, "memory": part_memory}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--part", choices=[*PARTS, "all"], default="all")
    p.add_argument("--epochs", type=int, default=3, help="digits: epochs at full LR")
    p.add_argument("--decay-epochs", type=int, default=3, help="digits: epochs of LR decay")
    p.add_argument("--sr-epochs", type=int, default=6, help="sr: epochs at full LR (and as many decaying)")
    p.add_argument("--sr-presets", nargs="+", choices=["sr", "sr-pix2pix"], default=["sr", "sr-pix2pix"])
    p.add_argument("--patches", type=int, default=8000, help="sr: training patches")
    p.add_argument(
        "--semantic",
        default="none",
        choices=["none", "A", "B"],
        help="digits: add CyCADA's semantic term with a classifier trained on this domain's labels",
    )
    p.add_argument("--lambda-semantic", type=float, default=1.0, help="digits: weight of the semantic term")
    p.add_argument("--jitter", action="store_true", help="digits: the semantic classifier sees jittered translations")
    p.add_argument("--per-domain", action="store_true",
                   help="digits: one semantic classifier per domain (unlabelled one: pseudo-labels)")  # fmt: skip
    p.add_argument(
        "--self-train",
        type=int,
        default=SELF_TRAIN,
        metavar="ROUNDS",
        help=f"digits: pseudo-labelling rounds adapting the semantic classifier (default {SELF_TRAIN})",
    )
    p.add_argument("--seed", type=int, default=0, help="digits: seed of the split, networks, judges")
    p.add_argument("--judge", nargs="+", default=["svm"], choices=JUDGES,
                   help="digits: classifiers judging class kept (the first is the headline; default svm)")  # fmt: skip
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--memory-steps", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    if (args.jitter or args.per_domain) and args.semantic == "none":
        p.error("--jitter and --per-domain apply to the semantic term: give --semantic A|B")
    if args.per_domain and args.self_train < 1:
        p.error(f"--per-domain needs --self-train >= 1 (the unlabelled domain's reader); got {args.self_train}")
    torch.set_num_threads(args.threads)
    out = Path(tempfile.mkdtemp(prefix="bench-translate-"))
    results = {"threads": args.threads}
    for name, func in PARTS.items():
        if args.part in (name, "all"):
            results[name] = func(args, out)
    print(f"\nrun folders under {out}")
    print(json.dumps({"benchmark": "translate", **results}, default=float))


if __name__ == "__main__":
    main()

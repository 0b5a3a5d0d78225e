"""Deep Image Prior vs classical restorers on scikit-image's shipped images, and DIP step speed variants.

    python benchmarks/restore.py --tasks denoise --size 64     # likewise --tasks inpaint, --tasks sr
    python benchmarks/restore.py --tasks denoise --size 128 --images astronaut camera
    python benchmarks/restore.py --tasks denoise --size 64 --images camera astronaut --stop variance
    python benchmarks/restore.py --speed --steps 10 --rounds 5  # the DIP step: eager vs channels-last vs compile ...

Images: scikit-image's ``astronaut``, ``chelsea``, ``coffee`` (colour) and ``camera`` (grey), centre-cropped to a
square and resized (anti-aliased) to ``--size``. Denoising: Gaussian noise sigma = 25/255 (clipped to [0, 1]);
inpainting: 50 % of pixels missing at random; super-resolution: x4 from a Lanczos (PIL) down-sampled image.
DIP uses the ``cpu-*`` preset and its stop rule (``--stop``: held-out pixels for denoising and inpainting, a fixed
3,000 steps for SR; or ES-WMV). After the held-out stop it refits all pixels for the chosen count
(``DIPConfig.refit``; ``--refit 0`` turns it off) and returns a weighted mean of the two fits
(``DIPConfig.held_weight``; ``--held-weight 0`` returns the refit alone). "held" is the held-out run's own output at
its minimum (what DIP returned before the refit), "refit" the refit's own output, "best" the best PSNR of the EMA
output along the held-out run; with ``--full-reference`` a run fitting every pixel for ``max_iters`` steps (same
seed) is added, and "gap" is how far the returned image is below that run's best iteration (else below "best").
``OTHER_IMAGES`` were not used to choose any default (a check for over-fitting).
Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import replace

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from unsup.restore import baselines  # noqa: E402
from unsup.restore.dip import STOPS, fit_dip  # noqa: E402
from unsup.restore.images import psnr, ssim, to_tensor  # noqa: E402
from unsup.restore.presets import PRESETS  # noqa: E402
from unsup.restore.problem import Problem, random_mask  # noqa: E402

IMAGES = ("astronaut", "chelsea", "coffee", "camera")
OTHER_IMAGES = ("rocket", "coins", "immunohistochemistry", "hubble_deep_field")  # kept out of choosing defaults
TASKS = ("denoise", "inpaint", "sr")
SIGMA = 25 / 255


def load(name: str, size: int) -> np.ndarray:
    """A shipped scikit-image picture as (size, size, C) float32 in [0, 1]."""
    from skimage import data, transform

    img = getattr(data, name)().astype(np.float32) / 255
    img = img[..., None] if img.ndim == 2 else img[..., :3]
    h, w = img.shape[:2]
    c = min(h, w)
    img = img[(h - c) // 2 : (h - c) // 2 + c, (w - c) // 2 : (w - c) // 2 + c]
    return transform.resize(img, (size, size), anti_aliasing=True).astype(np.float32)


def corrupt(task: str, truth: np.ndarray, seed: int = 0):
    """(observation, Problem, {baseline name: restore function})."""
    if task == "denoise":
        noisy = np.clip(truth + np.random.default_rng(seed).normal(0, SIGMA, truth.shape), 0, 1).astype(np.float32)
        base = {
            "nl-means": lambda: baselines.nl_means(noisy, SIGMA),
            "tv-chambolle": lambda: baselines.tv_chambolle(noisy, SIGMA),
        }
        try:
            import pywt  # noqa: F401

            base["wavelet"] = lambda: baselines.wavelet(noisy, SIGMA)
        except ImportError:
            pass
        return noisy, Problem(to_tensor(noisy)), base
    if task == "inpaint":
        mask = random_mask(truth.shape[:2], 0.5, seed)
        seen = truth * mask[..., None]
        return (
            seen,
            Problem(to_tensor(seen), torch.from_numpy(mask)[None, None]),
            {"biharmonic": lambda: baselines.biharmonic(seen, mask)},
        )
    from PIL import Image

    h, w, c = truth.shape  # Lanczos down-sampling of each float channel (PIL mode "F": no 8-bit rounding)
    low = np.stack(
        [np.asarray(Image.fromarray(truth[..., k]).resize((w // 4, h // 4), Image.LANCZOS)) for k in range(c)], 2
    )
    low = np.clip(low, 0, 1).astype(np.float32)
    return low, Problem(to_tensor(low), factor=4), {"bicubic": lambda: baselines.bicubic(low, 4)}


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def quality(images, tasks, size: int, seed: int, stop: str | None, settings: dict, reference: bool) -> list[dict]:
    rows = []
    for task in tasks:
        for name in images:
            truth = load(name, size)
            _, problem, base = corrupt(task, truth, seed)
            for method, fn in base.items():
                out, sec = timed(fn)
                rows.append(dict(task=task, image=name, method=method, psnr=psnr(out, truth), ssim=ssim(out, truth),
                                 seconds=sec))  # fmt: skip
            cpu0 = time.process_time()
            config = replace(PRESETS[f"cpu-{task}"], **settings, **({"stop": stop} if stop else {}))
            res = fit_dip(problem, config, truth=truth, seed=seed, progress=False)
            best_t, best = res.best_psnr
            row = dict(task=task, image=name, method=f"dip-{config.stop}", psnr=psnr(res.image, truth),
                       ssim=ssim(res.image, truth), seconds=res.seconds, cpu_seconds=time.process_time() - cpu0,
                       iters=res.iters, stop_iter=res.stop_iter, stopped=res.stopped, refit_iters=res.refit_iters,
                       held_psnr=_held_psnr(res), best_psnr=best, best_iter=best_t,
                       refit_psnr=res.history["refit_psnr"][-1][1] if res.refit_iters else None,
                       gap_db=best - psnr(res.image, truth))  # fmt: skip
            if reference:  # every pixel fitted for max_iters steps: the best iteration a stop rule could pick
                full = fit_dip(problem, replace(config, stop="variance", refit=0.0), iters=config.max_iters,
                               truth=truth, seed=seed, progress=False)  # fmt: skip
                row.update(full_best_iter=full.best_psnr[0], full_best_psnr=full.best_psnr[1],
                           gap_db=full.best_psnr[1] - row["psnr"])  # fmt: skip
            rows.append(row)
            print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in rows[-1].items()}),
                  flush=True)  # fmt: skip
    return rows


def _held_psnr(res) -> float | None:
    """PSNR of the held-out run's own output, kept at its held-out minimum (None without the held-out rule)."""
    trace = res.history.get("holdout")
    return res.psnr_at(min(trace, key=lambda p: p[1])[0]) if trace else None


def _stepper(cfg, size: int, channels_last: bool, compiled: bool, ema_mode: str):
    """One DIP step of ``cfg``'s net at size x size: returns a zero-argument function doing a full update."""
    from unsup.restore.skip import Skip

    torch.manual_seed(0)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    net = Skip(cfg.net).to(memory_format=fmt)
    z = (torch.rand(1, cfg.net.in_channels, size, size) * 0.1).contiguous(memory_format=fmt)
    y = torch.rand(1, 3, size, size)
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    fwd = torch.compile(net) if compiled else net
    state = {"ema": torch.zeros(1, 3, size, size)}

    def step() -> None:
        out = fwd(z + cfg.reg_noise * torch.randn_like(z))
        loss = (out - y).square().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if ema_mode == "inference":
            with torch.inference_mode():
                state["ema"] = 0.99 * state["ema"] + 0.01 * out
        else:  # plain: detach by hand, autograd mode left on
            state["ema"] = 0.99 * state["ema"] + 0.01 * out.detach()

    return step


def speed(size: int, steps: int, rounds: int, preset: str) -> list[dict]:
    """Median seconds per DIP step of each variant, measured round-robin in one process so load hits all alike."""
    cfg = PRESETS[preset]
    variants = {
        "eager NCHW, 1 thread (plain)": (1, False, False, "plain"),
        "eager channels-last, 1 thread": (1, True, False, "plain"),
        "eager channels-last, 1 thread, EMA in inference_mode": (1, True, False, "inference"),
        "torch.compile channels-last, 1 thread": (1, True, True, "plain"),
        "eager NCHW, 2 threads": (2, False, False, "plain"),
        "eager channels-last, 2 threads": (2, True, False, "plain"),
    }
    steppers, warm = {}, {}
    for name, (threads, cl, comp, ema) in variants.items():
        torch.set_num_threads(threads)
        steppers[name] = _stepper(cfg, size, cl, comp, ema)
        _, warm[name] = timed(lambda s=steppers[name]: [s() for _ in range(3)])  # includes compilation
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, (threads, *_rest) in variants.items():
            torch.set_num_threads(threads)
            _, sec = timed(lambda s=steppers[name]: [s() for _ in range(steps)])
            times[name].append(sec / steps)
    base = float(np.median(times["eager NCHW, 1 thread (plain)"]))
    return [
        dict(
            variant=name,
            sec_per_step=float(np.median(t)),
            it_per_s=1 / float(np.median(t)),
            speedup=base / float(np.median(t)),
            warmup_seconds=warm[name],
        )  # fmt: skip
        for name, t in times.items()
    ]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--images", nargs="+", default=list(IMAGES), choices=IMAGES + OTHER_IMAGES)
    p.add_argument("--tasks", nargs="+", default=list(TASKS), choices=TASKS)
    p.add_argument("--size", type=int, default=128, help="side of the (square) test images")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--stop", choices=STOPS, help="DIP's stop rule (default: the preset's; SR runs a fixed count)")
    p.add_argument("--refit", type=float, default=None, help="DIPConfig.refit (default: the preset's)")
    p.add_argument("--held-weight", type=float, default=None, help="DIPConfig.held_weight (default: the preset's)")
    p.add_argument("--full-reference", action="store_true",
                   help="also fit every pixel for max_iters steps; report the gap to its best iteration")  # fmt: skip
    p.add_argument("--speed", action="store_true", help="time DIP step variants instead of restoring")
    p.add_argument("--steps", type=int, default=10, help="--speed: steps per timing")
    p.add_argument("--rounds", type=int, default=5, help="--speed: round-robin repetitions (median taken)")
    p.add_argument("--preset", default="cpu-denoise", help="--speed: network preset")
    args = p.parse_args()
    if args.speed:
        rows = speed(args.size, args.steps, args.rounds, args.preset)
        print(
            f"\nDIP step, preset {args.preset}, {args.size}x{args.size}, median of {args.rounds} x {args.steps} steps"
        )
        print(f"{'variant':<56}{'s/step':>9}{'it/s':>8}{'vs plain':>10}{'warm-up s':>11}")
        for r in rows:
            print(f"{r['variant']:<56}{r['sec_per_step']:>9.4f}{r['it_per_s']:>8.1f}{r['speedup']:>9.2f}x"
                  f"{r['warmup_seconds']:>11.1f}")  # fmt: skip
        print(json.dumps({"benchmark": "restore-speed", "size": args.size, "preset": args.preset, "rows": rows}))
        return
    torch.set_num_threads(args.threads)
    settings = {k: v for k, v in (("refit", args.refit), ("held_weight", args.held_weight)) if v is not None}
    try:
        replace(PRESETS["cpu-denoise"], **settings)
    except ValueError as e:
        p.error(str(e))
    rows = quality(args.images, args.tasks, args.size, args.seed, args.stop, settings, args.full_reference)
    print(f"\n{'task':<8}{'image':<11}{'method':<14}{'PSNR':>7}{'SSIM':>7}{'sec':>8}  notes")
    for r in rows:
        note = ""
        if r["method"].startswith("dip-"):
            ref = "full-pixel best" if "full_best_psnr" in r else "best"
            best, at = r.get("full_best_psnr", r["best_psnr"]), r.get("full_best_iter", r["best_iter"])
            refit = f" ({r['refit_psnr']:.2f} dB)" if r["refit_psnr"] is not None else ""
            held = f"stop@{r['stop_iter']} (held {r['held_psnr']:.2f} dB) + " if r["held_psnr"] is not None else ""
            note = (f"{held}refit {r['refit_iters']}{refit} = {r['iters']} it; {ref} {best:.2f} dB @{at} "
                    f"(gap {r['gap_db']:.2f}); cpu {r['cpu_seconds']:.0f}s")  # fmt: skip
        print(f"{r['task']:<8}{r['image']:<11}{r['method']:<14}{r['psnr']:>7.2f}{r['ssim']:>7.3f}{r['seconds']:>8.1f}  "
              f"{note}")  # fmt: skip
    print(json.dumps({"benchmark": "restore", "size": args.size, "seed": args.seed, "stop": args.stop, "rows": rows}))


if __name__ == "__main__":
    main()

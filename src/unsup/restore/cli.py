"""``unsup restore denoise|inpaint|sr|invert``: restore one image file; pictures and a JSON record go beside it.

``OUT.png`` gets companions ``OUT.strip.png`` (snapshots), ``OUT.curves.png`` (loss / PSNR / stop signal) and
``OUT.json`` (settings, iterations, stop point, PSNR/SSIM when ``--truth`` is known); none is overwritten without
``--force``. DIP runs save their state in ``OUT.ckpt.pt`` every 100 steps; ``--resume`` continues an interrupted
one. ``--sigma`` (denoise) and generated masks (inpaint) corrupt INPUT themselves and score against it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from unsup._run import prepare_outputs, write_json
from unsup.restore.images import load_image, load_mask, psnr, save_image, ssim, to_numpy, to_tensor
from unsup.restore.problem import Problem, block_mask, random_mask, text_mask

if TYPE_CHECKING:
    from unsup.cli import CLI

_MASK_KINDS = "random:FRACTION, block:AREA or text"


def _outputs(out: str, force: bool, extra: tuple[str, ...] = ()) -> dict[str, Path]:
    out_p = Path(out)
    if out_p.suffix.lower() != ".png":
        raise ValueError(f"--out must name a .png file, got {out}")
    stem = out_p.with_suffix("")
    paths = {"image": out_p, **{k: Path(f"{stem}.{k}.png") for k in ("strip", "curves", *extra)}}
    paths["json"] = Path(f"{stem}.json")
    prepare_outputs(paths.values(), force)
    return paths


def _iters(value: str) -> int | None:
    if value == "auto":
        return None
    try:
        n = int(value)
    except ValueError:
        raise ValueError(f"--iters must be a positive integer or 'auto', got {value!r}") from None
    if n < 1:
        raise ValueError(f"--iters must be a positive integer or 'auto', got {value!r}")
    return n


def _parse_mask(spec: str, size: tuple[int, int], seed: int) -> np.ndarray | None:
    """A generated mask for ``random:F``, ``block:A`` or ``text``; None when ``spec`` is a file name."""
    kind, _, arg = spec.partition(":")
    if kind not in ("random", "block", "text") or Path(spec).exists():
        return None
    try:
        if kind == "random":
            return random_mask(size, float(arg or 0.5), seed)
        if kind == "block":
            return block_mask(size, float(arg or 0.25))
    except ValueError as exc:
        raise ValueError(f"--mask {spec}: {exc}") from None
    return text_mask(size, arg or "unsupervised learning", seed)


def _extras(args: argparse.Namespace) -> tuple[str, ...]:
    """Companion pictures of a corruption we make ourselves: the corrupted input (and the generated mask)."""
    if args.task == "denoise" and args.sigma:
        return ("input",)
    if args.task == "inpaint" and _parse_mask(args.mask, (8, 8), 0) is not None:
        return ("input", "mask")
    return ()


def _problem(args: argparse.Namespace, img: np.ndarray, paths: dict) -> tuple[Problem, np.ndarray | None]:
    """The data term for the task, and the ground truth when known (given, or INPUT itself when we corrupt it)."""
    truth = load_image(args.truth, gray=img.shape[2] == 1) if args.truth else None
    if args.task == "denoise":
        if args.sigma:
            rng = np.random.default_rng(args.seed)
            img, truth = np.clip(img + rng.normal(0, args.sigma / 255, img.shape), 0, 1).astype(np.float32), img
            save_image(paths["input"], img)
        return Problem(to_tensor(img)), truth
    if args.task == "inpaint":
        mask = _parse_mask(args.mask, img.shape[:2], args.seed)
        if mask is None:
            mask = load_mask(args.mask, img.shape[:2])
        else:
            img, truth = img * mask[..., None], img
            save_image(paths["input"], img)
            save_image(paths["mask"], mask[..., None])
        return Problem(to_tensor(img), torch.from_numpy(mask)[None, None]), truth
    if truth is not None and truth.shape[:2] != (img.shape[0] * args.factor, img.shape[1] * args.factor):
        h, w = truth.shape[:2]
        if h % args.factor or w % args.factor:
            raise ValueError(f"--factor {args.factor} does not divide the truth size {w}x{h}")
        raise ValueError(
            f"--truth is {w}x{h} but INPUT x{args.factor} is {img.shape[1] * args.factor}x{img.shape[0] * args.factor}"
        )
    return Problem(to_tensor(img), factor=args.factor), truth


def _check_truth(truth: np.ndarray | None, size: tuple[int, int]) -> None:
    if truth is not None and truth.shape[:2] != size:
        raise ValueError(f"--truth is {truth.shape[1]}x{truth.shape[0]} but the restored image is {size[1]}x{size[0]}")


def _dip(args: argparse.Namespace) -> int:
    from unsup.restore.dip import fit_dip
    from unsup.restore.plots import curves, snapshot_strip
    from unsup.restore.presets import PRESETS, default_preset

    preset = args.preset or default_preset(args.task, getattr(args, "factor", 1))
    if preset not in PRESETS:
        raise ValueError(f"--preset must be one of {', '.join(PRESETS)}, got {preset!r}")
    iters = _iters(args.iters)
    if getattr(args, "sigma", None) is not None and args.sigma < 0:
        raise ValueError(f"--sigma is a noise level (std on the 0-255 scale) and must be >= 0; got {args.sigma}")
    if args.task == "sr" and args.factor < 2:
        raise ValueError(f"--factor must be >= 2, got {args.factor}")
    img = load_image(args.input)
    # an unfinished run's own pictures (its corrupted input) are there to be rewritten when it resumes
    paths = _outputs(args.out, args.force or args.resume, _extras(args))
    if args.threads:
        torch.set_num_threads(args.threads)
    ckpt = _checkpoint(paths["image"], args.resume, args.force)
    problem, truth = _problem(args, img, paths)
    _check_truth(truth, problem.out_size)
    res = fit_dip(problem, PRESETS[preset], iters=iters, truth=truth, seed=args.seed, checkpoint=ckpt)
    rule = PRESETS[preset].stop if iters is None else "fixed"
    save_image(paths["image"], res.image)
    snapshot_strip(paths["strip"], res.snapshots, first=to_numpy(problem.y))
    curves(paths["curves"], res.history, res.stop_iter)
    record = {
        "task": args.task,
        "preset": preset,
        "iters_run": res.iters,
        "auto": rule != "fixed",  # a fixed count (--iters, or the preset's own for SR) is not an automatic stop
        "stop_rule": rule,
        "stop_iter": res.stop_iter,
        "stopped_by_rule": res.stopped,
        "seconds": round(res.seconds, 2),
    }
    if truth is not None:
        record.update(psnr=psnr(res.image, truth), ssim=ssim(res.image, truth), best_psnr=res.best_psnr)
    write_json(paths["json"], {**record, "history": res.history})
    ckpt.unlink(missing_ok=True)
    _report(record, paths["image"], args.json)
    return 0


def _report(record: dict, image: Path, as_json: bool) -> None:
    """The run's summary on stdout: ``key=value ... -> IMAGE``, or one JSON line (``--json``)."""
    if as_json:
        print(json.dumps({**record, "image": str(image)}))
    else:
        print(" ".join(f"{k}={v}" for k, v in record.items()) + f" -> {image}")


def _checkpoint(out: Path, resume: bool, force: bool) -> Path:
    """``OUT.ckpt.pt``: the run state saved every 100 steps, removed when the run completes."""
    ckpt = out.with_suffix(".ckpt.pt")
    if resume and not ckpt.exists():
        raise FileNotFoundError(f"nothing to resume: {ckpt} does not exist")
    if ckpt.exists() and not resume:
        if not force:
            raise FileExistsError(f"{ckpt} holds an unfinished run; pass --resume to continue it or --force to restart")
        ckpt.unlink()
    return ckpt


def _generator(run: str):
    """(G, latent_dim, (C, H, W)) of a GAN run folder written by ``unsup gan train`` (its checkpoint format)."""
    from unsup.gan.runs import load_run

    device = "cuda" if torch.cuda.is_available() else "cpu"
    _, game, _ = load_run(run, device)
    with torch.no_grad():
        probe = game.G.eval()(torch.zeros(2, game.latent_dim, device=device))
    if probe.dim() != 4:
        raise ValueError(f"the generator of {run} makes {tuple(probe.shape[1:])} samples, not (C, H, W) images")
    return game.G, game.latent_dim, tuple(probe.shape[1:])


def _invert(args: argparse.Namespace) -> int:
    from unsup.restore.invert import InvertConfig, invert

    config = InvertConfig(restarts=args.restarts, iters=args.iters, lr=args.lr, noise=args.noise)
    if args.task == "sr" and args.factor < 2:
        raise ValueError(f"--factor must be >= 2, got {args.factor}")
    if args.task == "inpaint" and not args.mask:
        raise ValueError("--task inpaint needs --mask")
    gen, latent_dim, (c, h, w) = _generator(args.run)
    img = load_image(args.input, gray=c == 1)
    if img.shape[2] != c:
        raise ValueError(f"the generator makes {c}-channel images but {args.input} has {img.shape[2]}")
    factor = args.factor if args.task == "sr" else 1
    if (img.shape[0] * factor, img.shape[1] * factor) != (h, w):
        raise ValueError(
            f"INPUT is {img.shape[1]}x{img.shape[0]} but the generator makes {w}x{h} images"
            + (f" (x{factor} from INPUT)" if factor > 1 else "")
        )
    args.sigma = None
    paths = _outputs(args.out, args.force, _extras(args))
    problem, truth = _problem(args, img, paths)
    _check_truth(truth, problem.out_size)
    res = invert(gen, problem, (latent_dim,), config, seed=args.seed)
    save_image(paths["image"], res.image)
    from unsup.restore.plots import curves, snapshot_strip

    snapshot_strip(paths["strip"], [(config.iters, res.image)], first=to_numpy(problem.y))
    curves(paths["curves"], {"loss": res.history}, None)
    record = {
        "task": args.task,
        "restarts": config.restarts,
        "iters": config.iters,
        "loss": res.loss,
        "psnr_observed": res.psnr_observed,
        "seconds": round(res.seconds, 2),
    }
    if truth is not None:
        record.update(psnr=psnr(res.image, truth), ssim=ssim(res.image, truth))
    write_json(paths["json"], {**record, "z": res.z.tolist(), "restart_losses": res.restart_losses})
    _report(record, paths["image"], args.json)
    return 0


def register(cli: CLI) -> None:
    """Add ``unsup restore denoise|inpaint|sr`` (Deep Image Prior) and ``unsup restore invert`` (GAN inversion)."""
    help_common = {
        "denoise": "Denoise INPUT with Deep Image Prior (no training; stops automatically).",
        "inpaint": "Fill the masked pixels of INPUT with Deep Image Prior.",
        "sr": "Super-resolve INPUT by --factor with Deep Image Prior (Lanczos-2 data term; the preset's step count).",
    }
    for task, text in help_common.items():
        p = cli.group_command("restore", task, _dip, text)
        p.set_defaults(task=task)
        p.add_argument("input", metavar="INPUT", help="corrupted image (PNG/JPEG/...)")
        p.add_argument("--out", required=True, help="restored image to write (.png)")
        p.add_argument("--truth", help="clean image: PSNR/SSIM are logged and plotted")
        p.add_argument("--preset", help="DIP preset (default: cpu-<task> on CPU, the paper's on CUDA)")
        p.add_argument("--iters", default="auto",
                       help="iterations, or 'auto' (default): the preset's stop rule (held-out pixels; SR: a fixed "
                            "count)")  # fmt: skip
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
        p.add_argument("--force", action="store_true", help="overwrite existing outputs")
        p.add_argument("--resume", action="store_true", help="continue the interrupted run saved in OUT.ckpt.pt")
        p.add_argument("--json", action="store_true", help="print the summary as one JSON line")
        if task == "denoise":
            p.add_argument("--sigma", type=float, help="first add Gaussian noise of this std (0-255 scale)")
        if task == "inpaint":
            p.add_argument("--mask", required=True, help=f"mask image (white = known) or {_MASK_KINDS}")
        if task == "sr":
            p.add_argument("--factor", type=int, default=4, help="up-sampling factor (default 4)")

    p = cli.group_command("restore", "invert", _invert, "Restore INPUT through a trained GAN: search its latent space.")
    p.add_argument("run", metavar="RUN", help="GAN run folder from 'unsup gan train' (an image GAN)")
    p.add_argument("input", metavar="INPUT", help="corrupted image, the generator's size (or 1/factor of it)")
    p.add_argument("--out", required=True, help="restored image to write (.png)")
    p.add_argument("--task", choices=("denoise", "inpaint", "sr"), default="denoise")
    p.add_argument("--mask", help=f"inpaint: mask image (white = known) or {_MASK_KINDS}")
    p.add_argument("--factor", type=int, default=4, help="sr: up-sampling factor (default 4)")
    p.add_argument("--truth", help="clean image: PSNR/SSIM are reported")
    p.add_argument("--restarts", type=int, default=8, help="random starting latents searched side by side")
    p.add_argument("--iters", type=int, default=500)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--noise", type=float, default=0.05, help="initial latent noise std (decays to 0)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--force", action="store_true", help="overwrite existing outputs")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON line")

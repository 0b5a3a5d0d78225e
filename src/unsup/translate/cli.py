"""``unsup translate train|apply|eval``."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from unsup._run import atomic_write_bytes, new_run_dir, prepare_outputs
from unsup.cli import CLI, UsageError
from unsup.data.images import IMAGE_SUFFIXES
from unsup.translate.patchgan import PatchDiscriminator
from unsup.translate.presets import PRESETS, build_model, preset
from unsup.translate.report import png_bytes, to_uint8, write_index
from unsup.translate.runs import (
    load_images,
    open_run,
    probe_images,
    read_config,
    semantic_classifier,
    start_run,
    translation,
    with_epochs,
)
from unsup.translate.semantic import SELF_TRAIN


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda: no CUDA device is available")
    return torch.device(name)


def _data_spec(args: argparse.Namespace) -> tuple[dict, str]:
    """The data spec and default preset for the train command's data arguments."""
    if args.semantic and args.data != "digits":
        raise UsageError("--semantic needs class labels: only --data digits has them")
    if args.semantic and not args.lambda_semantic > 0:
        raise UsageError(f"--lambda-semantic must be > 0; got {args.lambda_semantic}")
    if args.jitter and not args.semantic:
        raise UsageError("--jitter applies to the semantic term: give --semantic A|B")
    if args.self_train < 0:
        raise UsageError(f"--self-train must be >= 0; got {args.self_train}")
    if args.per_domain and not (args.semantic and args.self_train >= 1):
        raise UsageError("--per-domain needs --semantic A|B and --self-train >= 1 (the unlabelled domain's reader)")
    if args.data is not None:
        if args.a or args.b:
            raise UsageError("give either --data or --a/--b, not both")
        if args.data == "digits":
            if not args.semantic:
                return {"kind": "digits"}, "digits"
            return {"kind": "digits", "labels": args.semantic, "self_train": args.self_train,
                    "per_domain": args.per_domain}, "digits"  # fmt: skip
        return {"kind": "sr", "scale": int(args.data[2:]), "n": args.patches}, "sr"
    if args.a is None:
        raise UsageError("give --a DIR_A (and --b DIR_B), or --data digits|sr2|sr4")
    if args.b is None and not args.paired:
        raise UsageError("unpaired training needs --b DIR_B (or --paired for side-by-side images in --a)")
    for d in (args.a, args.b):
        if d is not None and not Path(d).is_dir():
            raise FileNotFoundError(f"image folder {d} does not exist")
    spec = {"kind": "folders", "a": str(Path(args.a).resolve()), "b": args.b and str(Path(args.b).resolve()),
            "paired": args.paired, "grey": args.grey}  # fmt: skip
    return spec, ("pix2pix" if args.paired else "cyclegan")


def _train(args: argparse.Namespace) -> int:
    from unsup.translate.trainer import fit

    device = _device(args.device)
    if args.resume:
        run = Path(args.resume)
        model, spec, train = open_run(run, device, trained=False)
        name = read_config(run)["preset"]
    else:
        spec, name = _data_spec(args)
        name = args.preset or name
        cfg, train = preset(name)
        train = dataclasses.replace(with_epochs(train, args.epochs, args.decay_epochs), seed=args.seed)
        if args.batch_size is not None:
            train = dataclasses.replace(train, batch_size=args.batch_size)
        if args.crop is not None:  # keep the preset's load/crop ratio (286/256 in the reference)
            load = max(args.crop, round(args.crop * train.load / train.crop))
            train = dataclasses.replace(train, crop=args.crop, load=load)
    a, b, paired = load_images(spec, train)
    if not args.resume:
        if paired != (type(cfg).__name__ == "PairedConfig"):
            raise UsageError(f"preset {name!r} needs {'paired' if not paired else 'unpaired'} data")
        cfg = dataclasses.replace(cfg, ch_a=a.shape[1], ch_b=b.shape[1])
        if args.semantic:  # labelled data is unpaired digits here, so cfg is CycleGAN's
            cfg = dataclasses.replace(cfg, lambda_semantic=args.lambda_semantic, semantic_jitter=args.jitter)
        model = build_model(cfg, train.seed, semantic_classifier(spec, train, fresh=True)).to(device)
        if train.crop % model.multiple:
            raise UsageError(f"--crop {train.crop}: this generator needs a multiple of {model.multiple}")
        smallest = max((m.min_size for m in model.modules() if isinstance(m, PatchDiscriminator)), default=1)
        if train.crop < smallest:
            raise UsageError(f"--crop {train.crop}: this preset's discriminator needs at least {smallest} pixels")
        run = new_run_dir(args.out, "translate")
        start_run(run, cfg, train, spec, name)
    print(f"run folder: {run}", flush=True)
    history = fit(model, translation(a, b, paired, train), run, train, probe_images(spec, a, b, train), not args.quiet)
    pictures = ["loss.png", *sorted(str(p.relative_to(run)) for p in (run / "samples").glob("*.png"))[::-1]]
    write_index(run, f"translate run {run.name}", pictures, {"preset": name, "last_epoch": history[-1]})
    print(f"done: {run / 'index.html'}")
    return 0


def _inputs(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(q for q in p.iterdir() if q.suffix.lower() in IMAGE_SUFFIXES)
            if not found:
                raise FileNotFoundError(f"no .png/.jpg/.jpeg images in {p}")
            files += found
        elif p.is_file():
            files.append(p)
        else:
            raise FileNotFoundError(f"input {p} does not exist")
    return files


def _load_input(path: Path, channels: int, spec: dict) -> torch.Tensor:
    """``[1, C, H, W]`` in [-1, 1]; an SR run's input is the low-resolution image, up-sampled by bicubic here."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            arr = np.asarray(im.convert("L" if channels == 1 else "RGB"), dtype=np.float32)
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"cannot read image {path}: {exc}") from exc
    x = torch.as_tensor(arr.reshape(arr.shape[0], arr.shape[1], -1)).permute(2, 0, 1)[None] / 127.5 - 1
    if spec["kind"] == "sr":
        x = F.interpolate(x, scale_factor=spec["scale"], mode="bicubic", align_corners=False).clamp(-1, 1)
    return x


def translate_image(model: torch.nn.Module, x: torch.Tensor, direction: str) -> torch.Tensor:
    """Translate one ``[1, C, H, W]`` image of any size: reflect-pad to the generator's multiple, crop back."""
    from unsup.translate.trainer import evaluating

    h, w = x.shape[-2:]
    m = model.multiple
    ph, pw = (-h) % m, (-w) % m
    x = F.pad(x, (0, pw, 0, ph), mode="reflect" if ph < h and pw < w else "replicate")
    with evaluating(model):
        return model.translate(x.to(next(model.parameters()).device), direction)[..., :h, :w].cpu()


def _apply(args: argparse.Namespace) -> int:
    device = _device(args.device)
    model, spec, _ = open_run(Path(args.run), device)
    if args.direction not in model.directions:
        raise UsageError(f"--direction {args.direction}: this run translates {' and '.join(model.directions)} only")
    files = _inputs(args.inputs)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"--out {out} is a file, not a folder")
    channels = model.cfg.ch_a if args.direction == "AtoB" else model.cfg.ch_b
    *targets, _ = prepare_outputs(
        [out / f"{p.stem}_{args.direction}.png" for p in files] + [out / "index.html"], args.force
    )  # the page lists this call's images: replaced only with --force
    seen: dict[Path, Path] = {}
    for src, dst in zip(files, targets, strict=True):
        if dst in seen:
            raise UsageError(f"{seen[dst]} and {src} would both be written to {dst}; rename one")
        seen[dst] = src
    rows = []
    for src, dst in zip(files, targets, strict=True):
        y = translate_image(model, _load_input(src, channels, spec), args.direction)
        atomic_write_bytes(dst, png_bytes(to_uint8(y)[0]))
        rows.append(dst.name)
    write_index(out, f"{args.run} {args.direction}", rows, {"run": str(args.run), "inputs": [str(p) for p in files]})
    print(f"wrote {len(files)} image(s) and index.html to {out}")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from unsup.translate.evaluate import eval_digits, eval_sr

    device = _device(args.device)
    model, spec, train = open_run(Path(args.run), device)
    if spec["kind"] == "digits":
        scores = eval_digits(model, train.seed, args.judge)
    elif spec["kind"] == "sr":
        scores = eval_sr(model, spec["scale"], patch=train.load)
    else:
        scores = _eval_folders(model, spec, train)
    if args.json:
        print(json.dumps({"run": str(args.run), "data": spec["kind"], "labels_used": spec.get("labels"), **scores}))
    else:
        for k, v in scores.items():
            print(f"{k:>20}  {v:.4f}")
    return 0


def _eval_folders(model, spec: dict, train) -> dict[str, float]:
    """On the training folders (user folders have no held-out split): PSNR/SSIM if paired, else cycle L1."""
    from unsup.translate.collapse import input_dependence
    from unsup.translate.evaluate import eval_paired, translate_all

    a, b, paired = load_images(spec, train)
    a, b = probe_images(spec, a, b, train, n=min(len(a), len(b), 64))
    if paired:
        return eval_paired(model, a, b)
    fb, fa = translate_all(model, a, "AtoB"), translate_all(model, b, "BtoA")
    return {"cycle_l1_A": float((translate_all(model, fb, "BtoA") - a).abs().mean() / 2),
            "cycle_l1_B": float((translate_all(model, fa, "AtoB") - b).abs().mean() / 2),
            "dependence_AtoB": input_dependence(a, fb), "dependence_BtoA": input_dependence(b, fa)}  # fmt: skip


def register(cli: CLI) -> None:
    """Add the ``unsup translate`` commands."""
    p = cli.group_command("translate", "train", _train, "Train CycleGAN / pix2pix / regression / super-resolution.")
    p.add_argument("--a", metavar="DIR_A", help="domain A images (paired: side-by-side A|B images if no --b)")
    p.add_argument("--b", metavar="DIR_B", help="domain B images (paired: same file names as in --a)")
    p.add_argument("--paired", action="store_true", help="--a/--b hold aligned pairs")
    p.add_argument("--grey", action="store_true", help="read folder images as one-channel grey")
    p.add_argument("--data", choices=["digits", "sr2", "sr4"], help="built-in data: MNIST<->digits, SR x2/x4 patches")
    p.add_argument(
        "--semantic",
        choices=["A", "B"],
        help="digits: add CyCADA's semantic term, its classifier trained on this domain's labels",
    )
    p.add_argument("--lambda-semantic", type=float, default=1.0, help="weight of the semantic term (default 1)")
    p.add_argument("--jitter", action="store_true",
                   help="the semantic classifier judges randomly jittered translations")  # fmt: skip
    p.add_argument("--self-train", type=int, default=SELF_TRAIN, metavar="ROUNDS",
                   help=f"rounds of pseudo-labelling the other domain to adapt the semantic classifier "
                        f"(default {SELF_TRAIN}; 0: source labels only)")  # fmt: skip
    p.add_argument("--per-domain", action="store_true",
                   help="one semantic classifier per domain (the unlabelled one's from pseudo-labels)")  # fmt: skip
    p.add_argument("--patches", type=int, default=2000, help="number of SR training patches (default 2000)")
    p.add_argument("--preset", choices=list(PRESETS), help="default: digits, sr, pix2pix (--paired) or cyclegan")
    p.add_argument("--epochs", type=int, help="epochs at the full learning rate (preset's by default)")
    p.add_argument("--decay-epochs", type=int, help="epochs of linear learning-rate decay (preset's by default)")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--crop", type=int, help="training crop size in pixels (images are loaded ~1.12x larger)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="runs", help="parent of the fresh run folder (default: runs)")
    p.add_argument("--resume", metavar="RUN", help="continue RUN from its last checkpoint (ignores the options above)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = cli.group_command("translate", "apply", _apply, "Translate images with a trained run (eval mode).")
    p.add_argument("run", metavar="RUN")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--direction", default="AtoB", choices=["AtoB", "BtoA"])
    p.add_argument("--force", action="store_true", help="overwrite existing output files")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])

    p = cli.group_command("translate", "eval", _eval, "Score a trained run on held-out data.")
    p.add_argument("run", metavar="RUN")
    p.add_argument("--json", action="store_true", help="one JSON line instead of a table")
    p.add_argument("--judge", default="svm", choices=["svm", "cnn"],
                   help="digits: who judges class kept (svm: RBF SVM on pixels; cnn: digit CNN, slower)")  # fmt: skip
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])

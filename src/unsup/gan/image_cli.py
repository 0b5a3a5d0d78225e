"""``unsup gan interpolate RUN`` (latent tools for DCGAN / conditional DCGAN runs) and the image-GAN step of
``unsup demo`` (a conditional DCGAN on scikit-learn's 8x8 digits)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

from unsup._run import refuse_overwrite

if TYPE_CHECKING:
    import torch

    from unsup.cli import CLI


def _generator(game, label: int | None) -> torch.nn.Module:
    """The z -> image network of a DCGAN or conditional DCGAN game (the latter at a fixed ``label``)."""
    from unsup.gan.conditional import ConditionalGAN, FixedLabel
    from unsup.gan.game import GAN

    if isinstance(game, ConditionalGAN):
        if label is None or not 0 <= label < game.num_classes:
            raise ValueError(f"--label must be a class in 0..{game.num_classes - 1} for a conditional run")
        return FixedLabel(game.G, label)
    if label is not None:
        raise ValueError("--label only applies to conditional (cdcgan) runs")
    if not isinstance(game, GAN) or not hasattr(game.G, "start"):
        raise ValueError("interpolate needs a dcgan or cdcgan run")
    return game.G


def latent_pictures(G: torch.nn.Module, latent_dim: int, out: Path, stem: str, rows: int = 6, steps: int = 8,
                    method: str = "slerp", force: bool = False) -> list[Path]:  # fmt: skip
    """Write ``{stem}-interpolate.png`` (rows of ``steps``), ``-average.png`` (z-space vs pixel-space means) and
    ``-traverse.png`` (first ``rows`` latent dimensions swept over ±3) into ``out``; returns the paths."""
    import torch

    from unsup.gan.latent import average_grid, interpolation_grid, latent_traversal_grid
    from unsup.gan.traversal import save_grid

    paths = [refuse_overwrite(out / f"{stem}-{kind}.png", force) for kind in ("interpolate", "average", "traverse")]
    device = next(G.parameters()).device
    z0, z1 = torch.randn(rows, latent_dim, device=device), torch.randn(rows, latent_dim, device=device)
    save_grid(interpolation_grid(G, z0, z1, steps, method).cpu(), steps, paths[0])
    save_grid(average_grid(G, z0, z1).cpu(), 4, paths[1])
    dims = list(range(min(rows, latent_dim)))
    save_grid(
        latent_traversal_grid(G, torch.randn(latent_dim, device=device), dims, steps=steps).cpu(), steps, paths[2]
    )
    return paths


def _interpolate(args: argparse.Namespace) -> int:
    import torch

    from unsup.gan.runs import load_run

    if args.steps < 2 or args.rows < 1:
        raise ValueError("--steps must be >= 2 and --rows >= 1")
    _, game, _ = load_run(args.run)
    G = _generator(game, args.label)
    torch.manual_seed(args.seed)
    stem = f"latent-seed{args.seed}" + ("" if args.label is None else f"-label{args.label}")
    for path in latent_pictures(G, game.latent_dim, Path(args.run), stem, args.rows, args.steps, args.method,
                                args.force):  # fmt: skip
        print(path)
    return 0


def register(cli: CLI) -> None:
    """Add ``unsup gan interpolate``."""

    what = "Latent pictures of a dcgan/cdcgan run: interpolation, z- vs pixel-space average, traversal."
    p = cli.group_command("gan", "interpolate", _interpolate, what)
    p.add_argument("run", metavar="RUN")
    p.add_argument("--rows", type=int, default=6, help="pairs of codes (and traversed dimensions)")
    p.add_argument("--steps", type=int, default=8, help="images per row")
    p.add_argument("--method", default="slerp", help="lerp or slerp (default slerp)")
    p.add_argument("--label", type=int, help="class to draw from (conditional runs)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--force", action="store_true", help="overwrite existing pictures")


def demo(out: Path, seed: int) -> dict:
    """Conditional DCGAN on the 8x8 digits (~20 s of CPU): per-class grid, latent pictures, label fidelity.

    The network is trained by ``unsup gan train`` into a run folder under ``out`` (for ``unsup gan sample RUN``)."""
    import torch

    from unsup.cli import command_run
    from unsup.gan.conditional import FixedLabel
    from unsup.gan.runs import load_run
    from unsup.gan.traversal import save_grid
    from unsup.metrics.scores import sample_scores

    t0 = time.perf_counter()
    run = command_run(out, ["gan", "train", "--data", "digits", "--model", "dcgan", "--conditional", "--loss", "ns",
                            "--model-opt", "latent_dim=16", "--model-opt", "embed_dim=8", "--model-opt", "g_width=16",
                            "--steps", "400", "--batch", "64", "--lr-d", "2e-3", "--lr-g", "2e-3", "--beta1", "0.5",
                            "--beta2", "0.99", "--seed", str(seed), "--ckpt-every", "400", "--sample-every", "400",
                            "--log-every", "50"])  # fmt: skip
    seconds = time.perf_counter() - t0
    data, game, _ = load_run(run)
    torch.manual_seed(seed)
    save_grid(game.sample(100), 10, out / "per-class.png")  # column k: class k
    latent_pictures(FixedLabel(game.G, 3), game.latent_dim, out, "label3", rows=4, steps=8)
    scores = sample_scores(data, game.sample(1000))
    return {"run": str(run), "train_seconds": round(seconds, 1), **scores}

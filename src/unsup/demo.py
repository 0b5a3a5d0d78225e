"""``unsup demo``: every subject's showcase on built-in data, written under a fresh run folder.

Each subject contributes one step, ``module:function`` in ``DEMO_STEPS``, with the signature
``step(out: Path, seed: int) -> dict``: it writes its pictures into ``out`` and returns a JSON-able summary.
"""

from __future__ import annotations

import argparse
import importlib
import time
from pathlib import Path
from typing import TYPE_CHECKING

from unsup._run import heartbeat, new_run_dir, write_json

if TYPE_CHECKING:
    from unsup.cli import CLI

DEMO_STEPS: list[tuple[str, str]] = [
    ("restore", "unsup.restore.demo:step"),
    ("image-gan", "unsup.gan.image_cli:demo"),
    ("spectral", "unsup.spectral.demo:run"),
    ("translate", "unsup.translate.demo:step"),
    ("disentangle", "unsup.gan.infogan_cli:demo"),
    ("pacgan", "unsup.repro.pacgan:demo"),
]


def run_demo(root: str | Path = "runs", seed: int = 0, only: list[str] | None = None) -> Path:
    """Run the demo steps (all, or those named in ``only``) and return the run folder."""
    known = [name for name, _ in DEMO_STEPS]
    for name in only or []:
        if name not in known:
            raise ValueError(f"unknown demo step {name!r}; choose from {', '.join(known)}")
    run = new_run_dir(root, "demo")
    summary: dict = {"seed": seed, "steps": {}}
    for name, target in DEMO_STEPS:
        if only and name not in only:
            continue
        module, func = target.split(":")
        out = run / name
        out.mkdir()
        t0 = time.perf_counter()
        print(f"[demo] {name} ...", flush=True)
        with heartbeat(f"demo {name}"):
            result = getattr(importlib.import_module(module), func)(out, seed)
        result["seconds"] = round(time.perf_counter() - t0, 2)
        summary["steps"][name] = result
        print(f"[demo] {name} done in {result['seconds']} s -> {out}", flush=True)
    write_json(run / "summary.json", summary)
    print(f"[demo] summary: {run / 'summary.json'}")
    return run


def _cmd(args: argparse.Namespace) -> int:
    run_demo(args.out, args.seed, args.only)
    return 0


def register(cli: CLI) -> None:
    """Add ``unsup demo``."""
    p = cli.command("demo", _cmd, "Run every method on built-in data; writes plots + summary.json.")
    p.add_argument("--out", default="runs", help="parent folder of the fresh run folder (default: runs)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--only", nargs="+", metavar="STEP", help="run only these steps")

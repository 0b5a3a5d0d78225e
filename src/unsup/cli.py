"""unsup: spectral clustering, GANs and PacGAN, InfoGAN-CR, Deep Image Prior and CycleGAN from the command line.

A thin dispatcher.

Each subject registers its own commands in a ``cli`` module exposing ``register(cli: CLI) -> None``: a module adding
top-level commands goes in ``COMMAND_MODULES``, one adding commands to a group (``unsup gan ...``) goes under that
group in ``GROUP_MODULES``. A group's modules are imported only when the group is used, so ``unsup --help`` and
``unsup cluster --help`` start without loading torch or scikit-learn; modules in ``COMMAND_MODULES`` must import
heavy libraries inside their handlers. Handlers raise :class:`UsageError` (or ``ValueError`` /
``FileNotFoundError``) for bad input; :func:`main` prints those as one line and exits with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import unsup  # noqa: F401  (sets the passive OpenMP wait policy before numpy/torch load)

COMMAND_MODULES: list[str] = ["unsup.spectral.cli", "unsup.demo"]

GROUP_MODULES: dict[str, tuple[str, list[str]]] = {
    "restore": ("Restore an image: Deep Image Prior or GAN inversion.", ["unsup.restore.cli"]),
    "translate": ("Image-to-image translation: CycleGAN, pix2pix, super-resolution.", ["unsup.translate.cli"]),
    "gan": (
        "Train, sample, score and explore GANs (PacGAN, DCGAN, InfoGAN-CR).",
        ["unsup.gan.cli", "unsup.gan.image_cli", "unsup.gan.infogan_cli"],
    ),
    "bench": ("Paper benchmarks: PacGAN's 2-D table, Stacked MNIST.", ["unsup.repro.cli"]),
}


class UsageError(Exception):
    """Bad input from the user: reported as a one-line error, never a traceback."""


class _Parser(argparse.ArgumentParser):
    pending: Callable[[], None] | None = None  # a group's registration, run when the group is first used

    def _load_pending(self) -> None:
        if self.pending is not None:
            load, self.pending = self.pending, None
            load()

    def parse_known_args(self, args=None, namespace=None):  # noqa: D102
        self._load_pending()
        return super().parse_known_args(args, namespace)

    def format_help(self) -> str:  # noqa: D102
        self._load_pending()
        return super().format_help()

    def error(self, message: str) -> None:  # one line, status 2, like every other bad input
        raise UsageError(message)


class CLI:
    """Registry handed to each subject's ``register``: top-level commands and shared groups."""

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self._sub = parser.add_subparsers(dest="command", metavar="COMMAND")
        self._groups: dict[str, argparse._SubParsersAction] = {}
        self._registered: set[str] = set()

    def command(
        self, name: str, func: Callable[[argparse.Namespace], int | None], help: str
    ) -> argparse.ArgumentParser:
        """Add ``unsup NAME``; ``func(args)`` runs it."""
        p = self._sub.add_parser(name, help=help.replace("%", "%%"), description=help)  # help is %-formatted
        p.set_defaults(func=func)
        return p

    def group_command(
        self, group: str, name: str, func: Callable[[argparse.Namespace], int | None], help: str
    ) -> argparse.ArgumentParser:
        """Add ``unsup GROUP NAME`` (groups such as ``gan`` or ``bench`` are shared between subjects)."""
        p = self._group(group).add_parser(name, help=help.replace("%", "%%"), description=help)
        p.set_defaults(func=func)
        return p

    def register(self, modules: Sequence[str]) -> None:
        """Import each module and call its ``register(self)``, once per module."""
        for name in modules:
            if name not in self._registered:
                self._registered.add(name)
                importlib.import_module(name).register(self)

    def _group(self, group: str) -> argparse._SubParsersAction:
        if group not in self._groups:
            text, modules = GROUP_MODULES.get(group, (f"{group} commands", []))
            gp = self._sub.add_parser(group, help=text, description=text)
            gp.set_defaults(func=lambda a, gp=gp: gp.print_help() or 2)
            self._groups[group] = gp.add_subparsers(dest=f"{group}_command", metavar="COMMAND")
            gp.pending = lambda: self.register(modules)
        return self._groups[group]


def build_parser() -> argparse.ArgumentParser:
    """The ``unsup`` parser: top-level commands registered, each group's commands on first use of the group."""
    parser = _Parser(prog="unsup", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"unsup {unsup.__version__}")
    cli = CLI(parser)
    cli.register(COMMAND_MODULES)
    for group in GROUP_MODULES:
        cli._group(group)
    return parser


def command_run(out: Path, argv: list[str]) -> Path:
    """Run ``unsup ARGV --out OUT``, a command that trains into a fresh run folder under ``out``, and return that
    folder: a demo step's run is then exactly what the command writes (and what its follow-up commands read)."""
    before = set(out.iterdir())
    args = build_parser().parse_args([*argv, "--out", str(out)])
    args.func(args)
    (run,) = set(out.iterdir()) - before
    return run


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``unsup`` console script; returns the exit status."""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if getattr(args, "func", None) is None:
            parser.print_help()
            return 2
        return int(args.func(args) or 0)
    except (UsageError, ValueError, FileNotFoundError, IsADirectoryError, NotADirectoryError, FileExistsError,
            PermissionError) as exc:  # fmt: skip
        print(f"unsup: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("unsup: interrupted", file=sys.stderr)
        return 130

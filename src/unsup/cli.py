"""unsup: spectral clustering, GANs and PacGAN, InfoGAN-CR, Deep Image Prior and CycleGAN from the command line.

A thin dispatcher.

Each subject registers its own commands in a ``cli`` module exposing ``register(cli: CLI) -> None``; add the
module's name to ``COMMAND_MODULES`` below. Handlers raise :class:`UsageError` (or ``ValueError`` /
``FileNotFoundError``) for bad input; :func:`main` prints those as one line and exits with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

import unsup  # noqa: F401  (sets the passive OpenMP wait policy before numpy/torch load)

COMMAND_MODULES: list[str] = [
    "unsup.spectral.cli",
    "unsup.restore.cli",
    "unsup.demo",
    "unsup.translate.cli",
    "unsup.gan.cli",
    "unsup.gan.image_cli",
    "unsup.gan.infogan_cli",
    "unsup.repro.cli",
]


class UsageError(Exception):
    """Bad input from the user: reported as a one-line error, never a traceback."""


class CLI:
    """Registry handed to each subject's ``register``: top-level commands and shared groups."""

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self._sub = parser.add_subparsers(dest="command", metavar="COMMAND")
        self._groups: dict[str, argparse._SubParsersAction] = {}

    def command(
        self, name: str, func: Callable[[argparse.Namespace], int | None], help: str
    ) -> argparse.ArgumentParser:
        """Add ``unsup NAME``; ``func(args)`` runs it."""
        p = self._sub.add_parser(name, help=help, description=help)
        p.set_defaults(func=func)
        return p

    def group_command(
        self, group: str, name: str, func: Callable[[argparse.Namespace], int | None], help: str
    ) -> argparse.ArgumentParser:
        """Add ``unsup GROUP NAME`` (groups such as ``gan`` or ``bench`` are shared between subjects)."""
        if group not in self._groups:
            gp = self._sub.add_parser(group, help=f"{group} commands")
            gp.set_defaults(func=lambda a, gp=gp: gp.print_help() or 2)
            self._groups[group] = gp.add_subparsers(dest=f"{group}_command", metavar="COMMAND")
        p = self._groups[group].add_parser(name, help=help, description=help)
        p.set_defaults(func=func)
        return p


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, status 2, like every other bad input
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    """The ``unsup`` parser with every subject's commands registered (see ``COMMAND_MODULES``)."""
    parser = _Parser(prog="unsup", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"unsup {unsup.__version__}")
    cli = CLI(parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(cli)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``unsup`` console script; returns the exit status."""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if getattr(args, "func", None) is None:
            parser.print_help()
            return 2
        return int(args.func(args) or 0)
    except (UsageError, ValueError, FileNotFoundError, IsADirectoryError, FileExistsError) as exc:
        print(f"unsup: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("unsup: interrupted", file=sys.stderr)
        return 130

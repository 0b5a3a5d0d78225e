"""Lazy public names for a sub-package's ``__init__``: ``import unsup.gan`` stays cheap (no torch) until a name is
used, and ``from unsup.gan import TrainConfig`` still works."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, names: dict[str, str]) -> tuple[list[str], Callable[[str], Any], Callable[[], list]]:
    """``(__all__, __getattr__, __dir__)`` for ``package``, whose public ``names`` map to their modules."""

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(names[name]), name)

    def __dir__() -> list[str]:
        return sorted(names)

    return sorted(names), __getattr__, __dir__

"""A name -> factory table whose entries may be ``"module:function"`` strings, imported on first use."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


class Registry:
    """``register(name, factory)``; ``get(name)(**options)``; unknown names raise ``ValueError`` listing the known."""

    def __init__(self, what: str, entries: dict[str, str | Callable[..., Any]]) -> None:
        self.what, self._entries = what, dict(entries)

    def register(self, name: str, factory: str | Callable[..., Any]) -> None:
        """Add ``name``; ``factory`` is a callable or a lazy ``"module:function"`` string."""
        self._entries[name] = factory

    def names(self) -> list[str]:
        return sorted(self._entries)

    def get(self, name: str) -> Callable[..., Any]:
        if name not in self._entries:
            raise ValueError(f"unknown {self.what} {name!r}; choose from {', '.join(self.names())}")
        factory = self._entries[name]
        if isinstance(factory, str):
            module, func = factory.split(":")
            factory = self._entries[name] = getattr(importlib.import_module(module), func)
        return factory

"""Thread-pool hygiene for small shared machines."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contextlib import AbstractContextManager


def configure_passive_threads() -> dict[str, str]:
    """Ask OpenMP runtimes to sleep rather than spin while idle; returns the settings in force.

    Only fills in variables the user left unset, and only takes effect for runtimes not yet loaded.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("KMP_BLOCKTIME", "0")  # Intel OpenMP's equivalent knob
    return {k: os.environ[k] for k in ("OMP_WAIT_POLICY", "KMP_BLOCKTIME")}


_controller = None


def limit_threads(limits: int | None, user_api: str | None = None) -> AbstractContextManager[object]:
    """Context manager capping BLAS/OpenMP pools (``threadpoolctl``), with the library scan done once per process:
    a fresh ``threadpool_limits`` costs ~30 ms, which dominated fits on small data sets."""
    global _controller
    if _controller is None:
        try:  # share scikit-learn's scan (its k-means makes one anyway): one ~10 ms scan per process, not two
            from sklearn.utils.parallel import _get_threadpool_controller

            _controller = _get_threadpool_controller()
        except ImportError:
            from threadpoolctl import ThreadpoolController

            _controller = ThreadpoolController()
    return _controller.limit(limits=limits, user_api=user_api)

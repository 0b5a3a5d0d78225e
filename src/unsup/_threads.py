"""Thread-pool and worker-process hygiene for small shared machines."""

from __future__ import annotations

import os
import threading
import time
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


def watch_parent(every: float = 1.0) -> None:
    """End this process (a pool worker) within ``every`` seconds of the process that started it going away.

    A pool's workers outlive a killed parent (``kill``, the OOM killer, a closed ssh session) and would go on
    training for the rest of their trial, hours at the paper scale, holding the cores."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(1)

    threading.Thread(target=watch, name="unsup-watch-parent", daemon=True).start()


def init_worker(threads: int = 1) -> None:
    """Pool initializer: ``threads`` torch threads (one process per core beats threads on small, busy machines),
    and :func:`watch_parent`."""
    import torch

    torch.set_num_threads(threads)
    watch_parent()

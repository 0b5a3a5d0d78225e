"""Thread-pool hygiene for small shared machines."""

from __future__ import annotations

import os


def configure_passive_threads() -> dict[str, str]:
    """Ask OpenMP runtimes to sleep rather than spin while idle; returns the settings in force.

    Only fills in variables the user left unset, and only takes effect for runtimes not yet loaded.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("KMP_BLOCKTIME", "0")  # Intel OpenMP's equivalent knob
    return {k: os.environ[k] for k in ("OMP_WAIT_POLICY", "KMP_BLOCKTIME")}

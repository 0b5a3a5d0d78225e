"""unsup: unsupervised learning, correct and fast.

Importing :mod:`unsup` sets ``OMP_WAIT_POLICY=PASSIVE`` (only if unset) before NumPy/SciPy/torch load their
OpenMP pools: on small shared machines busy-waiting pools slowed k-means 3-9x and a 2-thread torch loop 13-25x
whenever another process was running. Import :mod:`unsup` first (or export the variable yourself) for it to apply.
"""

from unsup._threads import configure_passive_threads

configure_passive_threads()

__version__ = "0.1.0"

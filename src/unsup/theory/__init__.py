"""Theory of packing: exact and Monte Carlo total variation of product distributions ``d_TV(P^m, Q^m)``."""

from unsup._lazy import lazy_exports

_NAMES = {
    "optimal_discriminator": "unsup.theory.tv",
    "plot_tv_vs_pack": "unsup.theory.tv",
    "tv_distance": "unsup.theory.tv",
    "tv_distance_mc": "unsup.theory.tv",
}
__all__, __getattr__, __dir__ = lazy_exports(__name__, _NAMES)

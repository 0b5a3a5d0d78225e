"""Image-to-image translation: CycleGAN (unpaired), pix2pix and plain regression (paired), super-resolution.

Lecture 25: with paired data, translation is regression ``G(x, z) = y``; without pairs, CycleGAN trains two
generators ``G: A -> B``, ``F: B -> A`` and two discriminators, tied by the cycle-consistency ``F(G(a)) ≈ a``.

Names load on first use.
"""

from unsup._lazy import lazy_exports

_NAMES = {
    "CycleGAN": "unsup.translate.cyclegan",
    "CycleGANConfig": "unsup.translate.cyclegan",
    "PairedConfig": "unsup.translate.paired",
    "PairedTranslator": "unsup.translate.paired",
    "build_model": "unsup.translate.presets",
    "preset": "unsup.translate.presets",
    "open_run": "unsup.translate.runs",
    "fit": "unsup.translate.trainer",
}
__all__, __getattr__, __dir__ = lazy_exports(__name__, _NAMES)

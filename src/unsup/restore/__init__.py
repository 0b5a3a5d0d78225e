"""unsup.restore: image restoration with Deep Image Prior (no training) and GAN inversion (a trained generator).

- :func:`fit_dip` with a :class:`DIPConfig` (named ones in :data:`PRESETS`) restores a :class:`Problem`
  (denoise / inpaint / sr data terms) and stops by itself (held-out pixels, or ES-WMV output variance);
- :func:`invert` searches a generator's latent space for the same data terms;
- :class:`Skip` / :class:`SkipConfig` is the DIP hourglass network, :class:`Lanczos2Down` the SR downsampler.
"""

from unsup.restore.dip import DIPConfig, DIPResult, fit_dip
from unsup.restore.invert import InvertConfig, InvertResult, invert
from unsup.restore.lanczos import Lanczos2Down
from unsup.restore.presets import PRESETS
from unsup.restore.problem import Problem, block_mask, random_mask, text_mask
from unsup.restore.skip import Skip, SkipConfig
from unsup.restore.stopping import HoldoutStop, VarianceStop

__all__ = [
    "PRESETS",
    "DIPConfig",
    "DIPResult",
    "HoldoutStop",
    "InvertConfig",
    "InvertResult",
    "Lanczos2Down",
    "Problem",
    "Skip",
    "SkipConfig",
    "VarianceStop",
    "block_mask",
    "fit_dip",
    "invert",
    "random_mask",
    "text_mask",
]

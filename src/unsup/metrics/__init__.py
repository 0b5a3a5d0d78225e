"""Scores: mode coverage of mixtures, image scores (Fréchet distance, KID, Stacked-MNIST modes), PSNR/SSIM and
disentanglement metrics. Names load on first use."""

from unsup._lazy import lazy_exports

_NAMES = {
    "has_scores": "unsup.metrics.scores",
    "sample_scores": "unsup.metrics.scores",
    "mode_metrics": "unsup.metrics.modes",
    "psnr": "unsup.metrics.fidelity",
    "ssim": "unsup.metrics.fidelity",
    "frechet_distance": "unsup.metrics.frechet",
    "kernel_inception_distance": "unsup.metrics.frechet",
    "stacked_mnist_scores": "unsup.metrics.stacked_mnist",
    "all_metrics": "unsup.metrics.disentangle",
    "beta_vae_score": "unsup.metrics.disentangle",
    "dci": "unsup.metrics.disentangle",
    "factor_vae_score": "unsup.metrics.disentangle",
    "mig": "unsup.metrics.disentangle",
    "model_centrality": "unsup.metrics.disentangle",
    "sap": "unsup.metrics.disentangle",
}
__all__, __getattr__, __dir__ = lazy_exports(__name__, _NAMES)

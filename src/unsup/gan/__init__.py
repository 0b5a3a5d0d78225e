"""GANs: the shared trainer, losses, packing (PacGAN), MLP / DCGAN / conditional / InfoGAN(-CR) games and GAN run
folders. Names load on first use (``import unsup.gan`` does not import torch)."""

from unsup._lazy import lazy_exports

_NAMES = {
    "RunSpec": "unsup.gan.runs",
    "load_run": "unsup.gan.runs",
    "LOSSES": "unsup.gan.config",
    "UPDATES": "unsup.gan.config",
    "TrainConfig": "unsup.gan.config",
    "Trainer": "unsup.gan.trainer",
    "train": "unsup.gan.trainer",
    "native_bf16": "unsup.gan.trainer",
    "MODELS": "unsup.gan.registry",
    "d_loss": "unsup.gan.losses",
    "g_loss": "unsup.gan.losses",
    "gradient_penalty": "unsup.gan.losses",
    "Packed": "unsup.gan.pack",
    "GAN": "unsup.gan.game",
    "DCGANConfig": "unsup.gan.dcgan",
    "build_dcgan": "unsup.gan.dcgan",
    "ConditionalConfig": "unsup.gan.conditional",
    "ConditionalGAN": "unsup.gan.conditional",
    "InfoGAN": "unsup.gan.infogan",
    "InfoGANConfig": "unsup.gan.infogan",
    "build_infogan": "unsup.gan.infogan",
    "build_infogan_cr": "unsup.gan.infogan",
    "interpolation_grid": "unsup.gan.latent",
    "average_grid": "unsup.gan.latent",
    "latent_traversal_grid": "unsup.gan.latent",
    "code_traversal_grid": "unsup.gan.traversal",
}
__all__, __getattr__, __dir__ = lazy_exports(__name__, _NAMES)

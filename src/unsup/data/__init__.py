"""Data sets: the 2-D Gaussian mixtures (ring, grid), sprites with known factors, MNIST / Stacked MNIST / digits /
faces / your image folder, and the registry ``unsup gan train --data`` reads. Names load on first use."""

from unsup._lazy import lazy_exports

_NAMES = {
    "DATASETS": "unsup.data.registry",
    "Mixture": "unsup.data.toy",
    "grid": "unsup.data.toy",
    "mixture": "unsup.data.toy",
    "ring": "unsup.data.toy",
    "dsprites": "unsup.data.sprites",
    "ImageDataset": "unsup.data.images",
    "digits_dataset": "unsup.data.images",
    "faces_dataset": "unsup.data.images",
    "folder_dataset": "unsup.data.images",
    "load_mnist": "unsup.data.images",
    "mnist_dataset": "unsup.data.images",
    "stacked_mnist_dataset": "unsup.data.images",
}
__all__, __getattr__, __dir__ = lazy_exports(__name__, _NAMES)

"""The project's MNIST digit classifier: the judge behind Stacked-MNIST mode counts, label fidelity and the
offline Fréchet distance / KID (on its 128-d penultimate features).

Trained by :func:`train_classifier` on the bundled 5,000-digit subset (4,000 train / 1,000 held out) with random
affine augmentation; the weights ship as ``mnist_cnn.npz`` next to this file (``benchmarks/mnist_classifier.py``
reproduces them and reports the held-out accuracy). A second, independently trained judge of another architecture
(:class:`LeNet`, seed 1, ``mnist_lenet.npz``) gives Stacked-MNIST mode counts a second opinion: the count of modes
depends on the judge, so both are reported (:data:`JUDGES`).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

WEIGHTS = Path(__file__).with_name("mnist_cnn.npz")


class DigitCNN(nn.Module):
    """Small CNN: ``[N, 1, 28, 28]`` images in [-1, 1] -> ``[N, 10]`` logits (``features``: ``[N, 128]``)."""

    def __init__(self) -> None:
        super().__init__()

        def block(c_in: int, c_out: int) -> nn.Sequential:
            return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU())

        self.body = nn.Sequential(
            block(1, 16), nn.MaxPool2d(2),  # 14x14
            block(16, 32), block(32, 32), nn.MaxPool2d(2),  # 7x7
            block(32, 64), block(64, 128), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )  # fmt: skip
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(128, 10))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """``[N, 1, 28, 28]`` -> ``[N, 128]`` penultimate activations (the space of the Fréchet distance)."""
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


class LeNet(nn.Module):
    """LeNet-style judge, no BatchNorm: ``[N, 1, 28, 28]`` in [-1, 1] -> ``[N, 10]`` logits (5x5 convs, 16/32 ch)."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 16, 5), nn.ReLU(), nn.MaxPool2d(2),  # 12x12
            nn.Conv2d(16, 32, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),  # 4x4
            nn.Linear(512, 128), nn.ReLU(),
        )  # fmt: skip
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(128, 10))

    features, forward = DigitCNN.features, DigitCNN.forward  # same body -> head split


# judge name -> (architecture, shipped weights, training seed)
JUDGES: dict[str, tuple[type[nn.Module], Path, int]] = {
    "cnn": (DigitCNN, WEIGHTS, 0),
    "lenet": (LeNet, Path(__file__).with_name("mnist_lenet.npz"), 1),
}


def augment(x: torch.Tensor, gen: torch.Generator | None) -> torch.Tensor:
    """Random affine jitter of ``[N, 1, H, W]`` in [-1, 1]: rotation ±12°, scale 0.9-1.1, shift ±2.5 px."""
    n = len(x)
    u = torch.rand(n, 4, generator=gen) * 2 - 1
    angle, scale = u[:, 0] * math.radians(12), 1 + 0.1 * u[:, 1]
    shift = u[:, 2:] * (2.5 * 2 / x.shape[-1])  # affine_grid works in [-1, 1] units: 1 px = 2 / W
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    # pad with -1 (background): shift the images to [0, 2] so zero padding means black
    return F.grid_sample(x + 1, grid, padding_mode="zeros", align_corners=False) - 1


def train_classifier(
    images: torch.Tensor,
    labels: torch.Tensor,
    epochs: int = 30,
    batch_size: int = 64,
    lr: float = 3e-3,
    seed: int = 0,
    arch: str = "cnn",
) -> nn.Module:
    """Train a :data:`JUDGES` architecture (default :class:`DigitCNN`) on ``[N, 1, 28, 28]`` images in [-1, 1]
    with AdamW + one-cycle LR and augmentation."""
    if images.ndim != 4 or images.shape[1:] != (1, 28, 28):
        raise ValueError(f"images must have shape [N, 1, 28, 28], got {tuple(images.shape)}")
    if arch not in JUDGES:
        raise ValueError(f"arch must be one of {sorted(JUDGES)}; got {arch!r}")
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = JUDGES[arch][0]()
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=5e-4)
    steps = epochs * math.ceil(len(images) / batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    model.train()
    for _ in tqdm(range(epochs), desc="classifier", unit="epoch", leave=False):
        for idx in torch.randperm(len(images), generator=gen).split(batch_size):
            loss = F.cross_entropy(model(augment(images[idx], gen)), labels[idx], label_smoothing=0.05)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
    return model.eval()


@torch.no_grad()
def predict(model: nn.Module, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """``[N, 1, 28, 28]`` -> ``[N]`` predicted digits (on the model's device, returned on the CPU)."""
    device = next(model.parameters()).device
    return torch.cat([model(b.to(device)).argmax(1).cpu() for b in images.split(batch_size)])


def held_out_split(labels: np.ndarray, n_test_per_class: int = 100, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Stratified split of indices: ``n_test_per_class`` per digit held out, the rest for training."""
    rng = np.random.default_rng(seed)
    test = np.concatenate([rng.permutation(np.flatnonzero(labels == c))[:n_test_per_class] for c in range(10)])
    train = np.setdiff1d(np.arange(len(labels)), test)
    return train, np.sort(test)


def save_weights(model: nn.Module, path: str | os.PathLike = WEIGHTS) -> None:
    """Store the state dict as float16 NumPy arrays (small, and loading it runs no pickle)."""
    import io

    from unsup._run import atomic_write_bytes

    buf = io.BytesIO()
    state = {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}
    np.savez_compressed(buf, **{k: v.astype(np.float16) if v.dtype.kind == "f" else v for k, v in state.items()})
    atomic_write_bytes(path, buf.getvalue())


_CACHE: dict[str, DigitCNN] = {}


def load_classifier(
    path: str | os.PathLike | None = None, device: str | torch.device = "cpu", arch: str = "cnn"
) -> nn.Module:
    """A trained judge in eval mode: ``arch``'s shipped weights unless ``path`` names another ``.npz``."""
    if arch not in JUDGES:
        raise ValueError(f"arch must be one of {sorted(JUDGES)}; got {arch!r}")
    path = Path(path) if path is not None else JUDGES[arch][1]
    key = f"{path.resolve()}:{device}:{arch}"
    if key not in _CACHE:
        if not path.is_file():
            raise FileNotFoundError(f"classifier weights {path} missing; run benchmarks/mnist_classifier.py")
        model = JUDGES[arch][0]()
        with np.load(path) as arrays:
            state = {k: torch.as_tensor(arrays[k]) for k in arrays.files}
        ref = model.state_dict()
        model.load_state_dict({k: v.to(ref[k].dtype) for k, v in state.items()})
        _CACHE[key] = model.to(device).eval().requires_grad_(False)
    return _CACHE[key]

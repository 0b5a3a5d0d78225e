"""The history pool (Shrivastava et al. 2017): D sees a mix of current and past generated images."""

from __future__ import annotations

import torch
from torch import Tensor


class HistoryPool:
    """Holds up to ``size`` past fakes; ``query`` returns a batch of the same shape ``[B, C, H, W]``.

    Until full, each image is stored and returned as is. Once full, each image is, with probability ½, swapped
    with a random stored one (the stored one is returned), else returned as is. ``size = 0`` disables the pool.
    The pool owns its random generator, and ``state_dict`` holds it, so a resumed run draws the same swaps.
    """

    def __init__(self, size: int = 50, seed: int = 0) -> None:
        if size < 0:
            raise ValueError(f"pool size must be >= 0; got {size}")
        self.size = size
        self.images: list[Tensor] = []
        self.rng = torch.Generator().manual_seed(seed)

    def query(self, images: Tensor) -> Tensor:
        """Images ``[B, C, H, W]`` for D: each the input or, once the pool is full, possibly a stored one."""
        if self.size == 0:
            return images
        out = []
        for img in images.detach():
            if len(self.images) < self.size:
                self.images.append(img.clone())
                out.append(img)
            elif torch.rand((), generator=self.rng) < 0.5:
                i = int(torch.randint(self.size, (), generator=self.rng))
                out.append(self.images[i].clone())
                self.images[i] = img.clone()
            else:
                out.append(img)
        return torch.stack(out)

    def state_dict(self) -> dict:
        """Stored images (on the CPU) and the random generator's state."""
        return {"size": self.size, "images": [t.cpu() for t in self.images], "rng": self.rng.get_state()}

    def load_state_dict(self, state: dict, device: torch.device | str = "cpu") -> None:
        """Restore :meth:`state_dict`, moving the images to ``device``."""
        self.size = state["size"]
        self.images = [t.to(device) for t in state["images"]]
        self.rng.set_state(state["rng"])

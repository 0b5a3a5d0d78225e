"""The PatchGAN discriminator: a fully convolutional net scoring every overlapping patch as real or fake."""

from __future__ import annotations

from torch import Tensor, nn

from unsup.translate.generators import init_weights


class PatchDiscriminator(nn.Module):
    """``[B, in_ch, H, W] -> [B, 1, H', W']`` logits, one per receptive-field patch.

    With ``n_layers = 3`` each logit sees a 70×70 patch and a 256×256 input gives a 30×30 map (the reference's
    'basic' D). Pix2pix's conditional D takes input and output concatenated, so ``in_ch = in_A + in_B``.
    """

    def __init__(self, in_ch: int = 3, ndf: int = 64, n_layers: int = 3) -> None:
        super().__init__()
        if n_layers < 1:
            raise ValueError(f"n_layers must be >= 1; got {n_layers}")
        layers: list[nn.Module] = [nn.Conv2d(in_ch, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        ch = ndf
        for n in range(1, n_layers + 1):
            out = ndf * min(2**n, 8)
            stride = 2 if n < n_layers else 1
            layers += [nn.Conv2d(ch, out, 4, stride, 1), nn.InstanceNorm2d(out), nn.LeakyReLU(0.2, True)]
            ch = out
        layers.append(nn.Conv2d(ch, 1, 4, 1, 1))
        self.net = nn.Sequential(*layers)
        init_weights(self)

    @property
    def min_size(self) -> int:
        """The smallest square input (pixels) it takes: every instance norm needs more than one spatial element
        (24 with ``n_layers = 3``)."""
        for size in range(1, 4097):
            s, ok = size, True
            for layer in self.net:
                if isinstance(layer, nn.Conv2d):
                    s = (s + 2 * layer.padding[0] - layer.kernel_size[0]) // layer.stride[0] + 1
                ok &= s >= (2 if isinstance(layer, nn.InstanceNorm2d) else 1)
            if ok:
                return size
        raise ValueError("no input size up to 4096 fits this discriminator")

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)

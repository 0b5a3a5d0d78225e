"""The DIP hourglass builder: every option builds, runs, and keeps the advertised shapes and range."""

import itertools

import pytest
import torch

from unsup.restore.skip import DOWNSAMPLE, PADDING, UPSAMPLE, Skip, SkipConfig


def small(**kw) -> SkipConfig:
    base = dict(in_channels=4, out_channels=3, down=(4, 8, 8), up=(4, 8, 8), skip=(2, 0, 2), kernel_down=(3, 3, 3),
                kernel_up=(3, 3, 3))  # fmt: skip
    return SkipConfig(**{**base, **kw})


@pytest.mark.parametrize("up,down,pad", list(itertools.product(UPSAMPLE, DOWNSAMPLE, PADDING)))
def test_every_option_builds_and_maps_shapes(up, down, pad):
    net = Skip(small(upsample=up, downsample=down, pad=pad))
    x = net(torch.rand(2, 4, 16, 24))
    assert x.shape == (2, 3, 16, 24)
    assert x.min() >= 0 and x.max() <= 1  # sigmoid output


def test_skip_channels_are_used_and_zero_means_no_branch():
    with_skip = Skip(small(skip=(2, 2, 2)))
    without = Skip(small(skip=(0, 0, 0)))
    assert sum(isinstance(m, torch.nn.Identity) for m in without.skips) == 3
    assert sum(p.numel() for p in with_skip.parameters()) > sum(p.numel() for p in without.parameters())
    # first up-conv sees skip + deeper channels
    assert with_skip.ups[0][1][0][-1].in_channels == 2 + 8


def test_paper_layout_parameter_count():
    # 5 scales x 128 channels, 4 skip channels, 32 input channels: the reference 'skip' network (2.2M weights)
    n = sum(p.numel() for p in Skip(SkipConfig()).parameters())
    assert 2_200_000 < n < 2_240_000


def test_bad_config_and_sizes_raise():
    with pytest.raises(ValueError, match="upsample"):
        small(upsample="cubic")
    with pytest.raises(ValueError, match="up has"):
        small(up=(4, 8))
    with pytest.raises(ValueError, match="divisible"):
        Skip(small())(torch.rand(1, 4, 12, 16))


def test_kernel_sizes_per_scale():
    net = Skip(small(kernel_down=(7, 5, 3), kernel_up=(7, 5, 3)))
    assert net.downs[0][0][0][-1].kernel_size == (7, 7)
    assert net(torch.rand(1, 4, 16, 16)).shape == (1, 3, 16, 16)

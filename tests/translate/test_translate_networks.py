import pytest
import torch

from unsup.translate.generators import ResnetGenerator, UnetGenerator, build_generator
from unsup.translate.patchgan import PatchDiscriminator


def test_patchgan_output_size_for_known_inputs():
    d = PatchDiscriminator(3, ndf=8, n_layers=3)
    assert d(torch.zeros(1, 3, 256, 256)).shape == (1, 1, 30, 30)
    assert d(torch.zeros(2, 3, 128, 128)).shape == (2, 1, 14, 14)
    assert PatchDiscriminator(1, ndf=8, n_layers=2)(torch.zeros(1, 1, 28, 28)).shape == (1, 1, 5, 5)


def test_patchgan_receptive_field_is_70_pixels():
    d = PatchDiscriminator(1, ndf=4, n_layers=3)
    for i, m in enumerate(d.net):
        if isinstance(m, torch.nn.InstanceNorm2d):  # its image-wide statistics would touch every pixel
            d.net[i] = torch.nn.Identity()
    x = torch.randn(1, 1, 160, 160, requires_grad=True)
    out = d(x)
    out[0, 0, out.shape[2] // 2, out.shape[3] // 2].backward()
    rows = x.grad[0, 0].abs().sum(1).nonzero()
    cols = x.grad[0, 0].abs().sum(0).nonzero()
    assert int(rows.max() - rows.min() + 1) == 70 and int(cols.max() - cols.min() + 1) == 70


@pytest.mark.parametrize("net", [ResnetGenerator(3, 1, ngf=8, n_blocks=2), UnetGenerator(3, 1, ngf=8, n_down=5)])
def test_generators_keep_size_and_range(net):
    y = net(torch.randn(2, 3, 64, 96) * 3)
    assert y.shape == (2, 1, 64, 96) and y.abs().max() <= 1


def test_unet_dropout_is_noise_in_train_mode_and_off_in_eval():
    net = UnetGenerator(1, 1, ngf=8, n_down=6, dropout=0.5)
    x = torch.randn(2, 1, 64, 64)
    assert not torch.equal(net(x), net(x))
    net.eval()
    assert torch.equal(net(x), net(x))


def test_instance_norm_nets_agree_in_train_and_eval_mode():
    net = ResnetGenerator(1, 1, ngf=8, n_blocks=1)
    x = torch.randn(3, 1, 32, 32)
    y_train = net(x)
    net.eval()
    assert torch.allclose(net(x), y_train)


def test_residual_generator_starts_as_the_identity_and_learns_a_correction():
    net = build_generator("residual-resnet", 1, 1, ngf=8, n_blocks=1, n_down=0)
    assert not any(isinstance(m, torch.nn.InstanceNorm2d) for m in net.modules())
    x = torch.randn(2, 1, 16, 16)
    assert torch.equal(net(x), x)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    (net(x) - x.flip(-1)).abs().mean().backward()
    opt.step()
    assert not torch.equal(net(x), x)


def test_bad_generator_kind_names_the_parameter():
    with pytest.raises(ValueError, match="generator"):
        build_generator("vgg", 1, 1, 8)


@pytest.mark.parametrize("n_layers", [1, 2, 3])
def test_patch_discriminator_min_size_is_the_smallest_input_it_trains_on(n_layers):
    d = PatchDiscriminator(1, ndf=4, n_layers=n_layers).train()
    m = d.min_size
    assert d(torch.zeros(2, 1, m, m)).shape[-1] >= 1
    with pytest.raises((ValueError, RuntimeError)):
        d(torch.zeros(2, 1, m - 1, m - 1))

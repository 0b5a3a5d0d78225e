import pytest
import torch

from unsup.gan.dcgan import D_PRESETS, TABLE3, DCGANConfig, Discriminator, Generator, build_dcgan, n_params


def test_shapes_and_paper_sizes():
    game = build_dcgan(DCGANConfig())
    assert 280_000 < n_params(game.G) < 295_000  # Unrolled-GAN Stacked-MNIST generator: ~288k
    assert n_params(build_dcgan(DCGANConfig(d_preset="full")).D) == pytest.approx(4.3e6, rel=0.01)
    quarter, half = (Discriminator(3, 28, p) for p in ("quarter", "half"))
    assert [m.out_channels for m in quarter.modules() if isinstance(m, torch.nn.Conv2d)] == [2, 4, 8]
    assert [m.out_channels for m in half.modules() if isinstance(m, torch.nn.Conv2d)] == [4, 8, 16]
    x = game.G(torch.randn(5, 100))
    assert x.shape == (5, 3, 28, 28) and x.abs().max() <= 1
    assert Generator(16, 1, 8, 4)(torch.randn(3, 16)).shape == (3, 1, 8, 8)
    assert quarter(x).shape == (5,)


def test_table3_generator_matches_the_reference():
    game = build_dcgan(DCGANConfig(**TABLE3))
    convs = [m for m in game.G.modules() if isinstance(m, torch.nn.ConvTranspose2d)]
    assert [(m.in_channels, m.out_channels, m.kernel_size) for m in convs] == [(64, 32, (3, 3)), (32, 16, (3, 3)),
                                                                              (16, 8, (3, 3))]  # fmt: skip
    assert 285_000 < n_params(game.G) < 292_000  # the reference's 4x4x64 -> 7 -> 14 -> 28 generator: ~290k
    assert game.G(torch.randn(4, 256)).shape == (4, 3, 28, 28)
    for preset, convs in (("quarter", 3), ("half", 3), ("full", 4)):  # BN on every conv but the input layer
        d = Discriminator(3, 28, preset)
        assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in d.modules()) == convs - 1
    with pytest.raises(ValueError, match="g_arch"):
        DCGANConfig(g_arch="resnet")


def test_packed_conv_discriminator_sees_m_images():
    m = 3
    game = build_dcgan(DCGANConfig(pack=m, d_preset="half")).eval()
    first = next(mod for mod in game.D.modules() if isinstance(mod, torch.nn.Conv2d))
    assert first.in_channels == m * 3
    x = torch.randn(4 * m, 3, 28, 28)
    out = game.D(x)
    assert out.shape == (4,)
    # changing any one image changes exactly the score of its own pack (consecutive samples form a pack)
    for i in (0, m - 1, m, 4 * m - 1):
        y = x.clone()
        y[i] = torch.randn(3, 28, 28)
        changed = (game.D(y) - out).abs() > 1e-6
        assert changed.tolist() == [j == i // m for j in range(4)]


def test_generate_draws_pack_slots_and_sizes():
    game = build_dcgan(DCGANConfig(pack=2, channels=1, size=8, g_width=4))
    assert game.generate(6).shape == (6, 1, 8, 8)
    assert game.sample(10).shape == (10, 1, 8, 8)


@pytest.mark.parametrize(
    "kw, match",
    [({"size": 30}, "size"), ({"d_preset": "tiny"}, "d_preset"), ({"pack": 0}, "pack"), ({"g_width": 0}, "g_width")],
)
def test_config_errors(kw, match):
    with pytest.raises(ValueError, match=match):
        DCGANConfig(**kw)


def test_presets_table():
    assert set(D_PRESETS) == {"quarter", "half", "full", "base"}

import pytest
import torch

from unsup.data.images import ImageDataset
from unsup.gan.conditional import ConditionalConfig, ConditionalGAN, FixedLabel
from unsup.gan.dcgan import Generator
from unsup.gan.latent import average_grid, interpolation_grid, latent_traversal_grid, lerp, render, slerp
from unsup.gan.trainer import TrainConfig, train


def quadrants(n_per_class: int = 64) -> ImageDataset:
    """4 classes of 8x8 images: class k is a bright 4x4 block in quadrant k, with a little noise."""
    g = torch.Generator().manual_seed(0)
    x = -torch.ones(4 * n_per_class, 1, 8, 8)
    y = torch.arange(4).repeat_interleave(n_per_class)
    for k in range(4):
        r, c = divmod(k, 2)
        x[y == k, :, 4 * r : 4 * r + 4, 4 * c : 4 * c + 4] = 1.0
    x = (x + 0.1 * torch.randn(x.shape, generator=g)).clamp(-1, 1)
    return ImageDataset(x, y, num_classes=4)


def quadrant_of(x: torch.Tensor) -> torch.Tensor:
    return x.reshape(len(x), 2, 4, 2, 4).mean((2, 4)).flatten(1).argmax(1)


def test_conditional_generation_obeys_labels():
    torch.manual_seed(0)
    data = quadrants()
    assert (quadrant_of(data.images[:, 0]) == data.labels).all()
    game = ConditionalGAN(ConditionalConfig(num_classes=4, size=8, latent_dim=8, embed_dim=4, g_width=8))
    cfg = TrainConfig(steps=250, batch=32, lr_d=2e-3, lr_g=2e-3, betas=(0.5, 0.99), progress=False)
    train(game, data.labelled(), cfg)
    labels = torch.arange(4).repeat(50)
    hits = (quadrant_of(game.sample(200, labels)[:, 0]) == labels).float().mean().item()
    assert hits > 0.9, hits
    # one class for every image
    assert (quadrant_of(game.sample(20, 2)[:, 0]) == 2).float().mean() > 0.9
    with pytest.raises(ValueError, match="labels"):
        game.sample(3, torch.tensor([0, 1, 7]))


def test_interpolation_endpoints_equal_generated_endpoints():
    torch.manual_seed(1)
    G = Generator(16, 1, 8, 4)
    G(torch.randn(32, 16))  # move BN running stats away from their init
    z0, z1 = torch.randn(3, 16), torch.randn(3, 16)
    for method in ("lerp", "slerp"):
        grid = interpolation_grid(G, z0, z1, steps=5, method=method).reshape(3, 5, 1, 8, 8)
        torch.testing.assert_close(grid[:, 0], render(G, z0), atol=1e-5, rtol=0)
        torch.testing.assert_close(grid[:, -1], render(G, z1), atol=1e-5, rtol=0)
        assert not torch.allclose(grid[:, 2], grid[:, 0])
    assert G.training  # render restores the mode
    with pytest.raises(ValueError, match="method"):
        interpolation_grid(G, z0, z1, method="cubic")


def test_lerp_and_slerp_geometry():
    t = torch.linspace(0, 1, 7)
    a, b = torch.tensor([3.0, 0.0]), torch.tensor([0.0, 3.0])
    torch.testing.assert_close(lerp(a, b, t)[3], torch.tensor([1.5, 1.5]))
    s = slerp(a, b, t)
    torch.testing.assert_close(s.norm(dim=1), torch.full((7,), 3.0))  # stays on the sphere
    torch.testing.assert_close(s[3], torch.tensor([3.0, 3.0]) / 2**0.5)  # the arc's midpoint
    torch.testing.assert_close(slerp(a, 2 * a, t)[-1], 2 * a)  # parallel codes: straight line


def test_average_and_traversal_grids():
    torch.manual_seed(2)
    G = Generator(8, 1, 8, 4).eval()
    z0, z1 = torch.randn(2, 8), torch.randn(2, 8)
    grid = average_grid(G, z0, z1).reshape(2, 4, 1, 8, 8)
    torch.testing.assert_close(grid[:, 3], (grid[:, 0] + grid[:, 1]) / 2)
    torch.testing.assert_close(
        grid[:, 2], render(G, torch.cat([slerp(a, b, torch.tensor([0.5])) for a, b in zip(z0, z1, strict=True)]))
    )
    z = torch.randn(8)
    trav = latent_traversal_grid(G, z, dims=[0, 5], steps=4)
    assert trav.shape == (8, 1, 8, 8)
    z_mod = z.clone()
    z_mod[5] = 3.0
    torch.testing.assert_close(trav[7], render(G, z_mod[None])[0])
    with pytest.raises(ValueError, match="dims"):
        latent_traversal_grid(G, z, dims=[8])


def test_fixed_label_wrapper():
    game = ConditionalGAN(ConditionalConfig(num_classes=3, size=8, latent_dim=4, g_width=4))
    z = torch.randn(5, 4)
    torch.testing.assert_close(render(FixedLabel(game.G, 2), z), _cond(game, z, 2))


def _cond(game, z, label):
    game.G.eval()
    with torch.no_grad():
        out = game.G(z, torch.full((len(z),), label))
    game.G.train()
    return out

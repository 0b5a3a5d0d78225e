import numpy as np
import pytest

from unsup.data.sprites import CircularSprites, DSprites


def test_circular_grid_is_exact():
    ds = CircularSprites()
    x, f = ds.all_images()
    assert len(ds) == 1080 and x.shape == (1080, 1, 64, 64) and x.dtype == np.float32
    assert set(np.unique(x)) == {0.0, 1.0}
    assert f[:, 0].min() == 0 and f[:, 0].max() == 39 and f[:, 1].min() == 0 and f[:, 1].max() == 26
    assert len({tuple(r) for r in f}) == 1080
    # every radius-0 image is the same centred disc; all others are distinct
    centre = x[f[:, 1] == 0]
    assert len(centre) == 40 and (centre == centre[0]).all()
    assert len({xi.tobytes() for xi in x[f[:, 1] > 0]}) == 1080 - 40


def test_circular_known_pixels():
    ds = CircularSprites()
    # angle 0, radius 20: disc centred at (x, y) = (52, 32) -> pixel row 31/32, column 51/52 on, far pixels off
    img = ds.render(np.array([[0, 20]]))[0, 0]
    assert img[31, 51] == 1 and img[32, 52] == 1 and img[31, 31] == 0 and img[31, 12] == 0
    # angle index 10 is 90 degrees: the disc moves to y = 32 + 20 (row 51/52)
    img = ds.render(np.array([[10, 20]]))[0, 0]
    assert img[51, 31] == 1 and img[31, 51] == 0
    # the disc area is pi * 5^2 ~ 78.5 pixels whatever the pose
    x, _ = ds.all_images()
    assert np.abs(x.sum(axis=(1, 2, 3)) - np.pi * 25).max() < 5


def test_circular_centre_of_mass_follows_factors():
    ds = CircularSprites()
    x, f = ds.all_images()
    ys, xs = np.mgrid[0:64, 0:64] + 0.5
    m = x[:, 0].sum(axis=(1, 2))
    cx, cy = (x[:, 0] * xs).sum(axis=(1, 2)) / m, (x[:, 0] * ys).sum(axis=(1, 2)) / m
    theta = 2 * np.pi * f[:, 0] / 40
    np.testing.assert_allclose(cx, 32 + f[:, 1] * np.cos(theta), atol=0.5)
    np.testing.assert_allclose(cy, 32 + f[:, 1] * np.sin(theta), atol=0.5)


def test_dsprites_is_lazy_and_indexable():
    ds = DSprites()
    assert len(ds) == 3 * 6 * 40 * 32 * 32 == 737_280
    f = ds.index_to_factors(np.array([0, len(ds) - 1, 12345]))
    assert f[0].tolist() == [0, 0, 0, 0, 0] and f[1].tolist() == [2, 5, 39, 31, 31]
    assert np.ravel_multi_index(f[2], ds.factor_sizes) == 12345
    with pytest.raises(ValueError, match="index"):
        ds.index_to_factors(np.array([len(ds)]))


def test_dsprites_factors_move_and_scale_the_sprite():
    ds = DSprites()
    rng = np.random.default_rng(0)
    x, f = ds.sample(256, rng)
    assert x.shape == (256, 1, 64, 64) and set(np.unique(x)) <= {0.0, 1.0}
    # the sprite never touches the border and always has some pixels
    assert x[:, 0, [0, -1], :].max() == 0 and x[:, 0, :, [0, -1]].max() == 0 and x.sum(axis=(1, 2, 3)).min() > 20
    ys, xs = np.mgrid[0:64, 0:64] + 0.5
    m = x[:, 0].sum(axis=(1, 2))
    cx = (x[:, 0] * xs).sum(axis=(1, 2)) / m
    assert np.corrcoef(cx, f[:, 3])[0, 1] > 0.97  # hearts are lopsided, so not exactly 1
    # area grows with scale for a fixed shape, orientation and position
    g = np.array([[1, s, 3, 10, 20] for s in range(6)])
    area = ds.render(g).sum(axis=(1, 2, 3))
    assert (np.diff(area) > 0).all()
    # the three shapes differ at the same pose
    g = np.array([[s, 5, 0, 16, 16] for s in range(3)])
    imgs = ds.render(g)
    assert not (imgs[0] == imgs[1]).all() and not (imgs[1] == imgs[2]).all()


def test_bad_factors_raise():
    with pytest.raises(ValueError, match="factors"):
        CircularSprites().render(np.array([[40, 0]]))
    with pytest.raises(ValueError, match="factors"):
        DSprites().render(np.zeros((2, 3), dtype=int))


def test_dsprites_torch_drawing_is_the_numpy_drawing():
    # render_on draws on the GPU with torch; the same function run by torch on the CPU must match NumPy exactly
    import torch

    from unsup.data import sprites

    ds = DSprites()
    f = ds.sample_factors(600, np.random.default_rng(3))
    args = [torch.from_numpy(np.ascontiguousarray(a)) for a in (f[:, 0], *ds._pose(f), sprites._XX, sprites._YY)]
    drawn = sprites._draw(torch, *args)
    assert drawn.dtype == torch.bool and drawn.shape == (600, 64, 64)
    np.testing.assert_array_equal(drawn.numpy(), ds.render(f)[:, 0] > 0)
    np.testing.assert_array_equal(ds.render_on(f, "cpu").numpy(), ds.render(f))
    circ = CircularSprites()
    np.testing.assert_array_equal(circ.render_on([[3, 7]], "cpu").numpy(), circ.render([[3, 7]]))


def test_training_images_moved_to_a_device_draw_the_same_items():
    import torch

    from unsup.data.sprites import TrainingImages

    for factors in (CircularSprites(), DSprites()):  # cached and rendered on demand
        torch.manual_seed(0)
        before = TrainingImages(factors).sample(8)
        torch.manual_seed(0)
        data = TrainingImages(factors)
        assert data.to("cpu") is data and data.device == torch.device("cpu")
        torch.testing.assert_close(data.sample(8), before)

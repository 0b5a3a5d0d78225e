import pytest
import torch
from torch import nn

from unsup.gan.pack import Packed, pack, unpack


@pytest.mark.parametrize("shape", [(5, 3), (5, 2, 4, 4)])
@pytest.mark.parametrize("m", [1, 2, 3])
def test_pack_of_identical_copies_is_the_input_repeated(shape, m):
    x = torch.randn(shape)
    packed = pack(x.repeat_interleave(m, 0), m)
    assert torch.equal(packed, torch.cat([x] * m, 1))
    assert torch.equal(unpack(packed, m), x.repeat_interleave(m, 0))


def test_pack_keeps_consecutive_samples_together_in_order():
    x = torch.arange(12.0).reshape(6, 2)
    assert pack(x, 3).tolist() == [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]]


def test_packed_mlp_and_conv_discriminators():
    mlp = Packed(nn.Sequential(nn.Linear(2 * 4, 8), nn.ReLU(), nn.Linear(8, 1), nn.Flatten(0)), 4)
    assert mlp(torch.randn(40, 2)).shape == (10,)
    conv = Packed(nn.Sequential(nn.Conv2d(3 * 2, 4, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 1)), 2)
    assert conv(torch.randn(8, 3, 8, 8)).shape == (4, 1)


def test_packed_d_sees_all_m_samples():
    d = Packed(nn.Linear(4, 1, bias=False), 2)
    x = torch.randn(4, 2, requires_grad=True)
    d(x).sum().backward()
    assert (x.grad.abs() > 0).all()


def test_bad_pack_arguments():
    with pytest.raises(ValueError, match="pack must be"):
        Packed(nn.Linear(2, 1), 0)
    with pytest.raises(ValueError, match="pack must be"):
        pack(torch.zeros(4, 2), 0)
    with pytest.raises(ValueError, match="whole number of packs"):
        pack(torch.zeros(5, 2), 2)


def test_one_d_pass_over_real_and_fake_gives_the_same_logits():
    from unsup.data.toy import grid
    from unsup.gan.mlp import build_game

    data = grid(n_train=1000)
    game = build_game(data, pack=2, g_hidden=16, d_hidden=16)
    real, fake = data.sample(40), data.sample(40) + 0.1
    assert game._one_d_pass  # maxout D: no batch statistics
    _, logs_one, f_one = game._d_loss(real, fake)
    game._one_d_pass = False
    _, logs_two, f_two = game._d_loss(real, fake)
    assert torch.allclose(f_one, f_two, atol=1e-6) and logs_one["d_real"] == pytest.approx(logs_two["d_real"])

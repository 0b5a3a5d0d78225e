import pytest
import torch

from unsup.translate.presets import TranslateTrainConfig, preset
from unsup.translate.schedule import linear_decay, set_lr


def test_linear_decay_values_at_known_epochs():
    # the reference: 100 epochs at 2e-4, then 100 epochs decaying linearly
    assert linear_decay(0, 100, 100) == 1.0
    assert linear_decay(99, 100, 100) == 1.0
    assert linear_decay(100, 100, 100) == pytest.approx(1 - 1 / 101)
    assert linear_decay(149, 100, 100) == pytest.approx(1 - 50 / 101)
    assert linear_decay(199, 100, 100) == pytest.approx(1 / 101)
    assert linear_decay(3, 2, 2) == pytest.approx(1 / 3)


def test_linear_decay_rejects_negative_epochs():
    with pytest.raises(ValueError, match="epoch"):
        linear_decay(-1, 10, 10)


def test_set_lr_sets_every_group():
    opt = torch.optim.Adam([{"params": [torch.zeros(1, requires_grad=True)]}, {"params": [torch.zeros(1)]}], lr=1.0)
    set_lr([opt], 0.25)
    assert [g["lr"] for g in opt.param_groups] == [0.25, 0.25]


@pytest.mark.parametrize(
    "kw, name", [({"n_epochs": 0, "n_epochs_decay": 0}, "n_epochs"), ({"batch_size": 0}, "batch_size"),
                 ({"load": 20, "crop": 28}, "crop")],
)  # fmt: skip
def test_train_config_rejects_bad_values(kw, name):
    with pytest.raises(ValueError, match=name):
        TranslateTrainConfig(**kw)


def test_unknown_preset_names_the_parameter():
    with pytest.raises(ValueError, match="preset"):
        preset("cyclegan-xl")

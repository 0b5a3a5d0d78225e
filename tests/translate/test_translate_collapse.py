import warnings

import pytest
import torch

from unsup.translate.collapse import CollapseWarning, check_collapse, input_dependence


def test_identity_map_keeps_full_dependence():
    x = torch.randn(16, 1, 8, 8)
    assert input_dependence(x, x) == pytest.approx(1.0)
    assert input_dependence(x, 0.5 * x) == pytest.approx(0.5)


def test_constant_output_warns():
    x = torch.randn(16, 1, 8, 8)
    y = torch.ones(16, 1, 8, 8) + 1e-4 * torch.randn(16, 1, 8, 8)
    with pytest.warns(CollapseWarning, match="G_AB"):
        dep = check_collapse(x, y, "G_AB")
    assert dep < 0.01


def test_input_dependent_output_does_not_warn():
    x = torch.randn(16, 1, 8, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_collapse(x, torch.tanh(x), "G")


def test_needs_two_inputs():
    with pytest.raises(ValueError, match="inputs"):
        input_dependence(torch.zeros(1, 3), torch.zeros(1, 3))

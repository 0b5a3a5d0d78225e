import json

import pytest

from unsup.cli import main

TINY = ["--data", "sprites", "--loss", "ns", "--steps", "3", "--batch", "8", "--lr-d", "1e-3", "--lr-g", "1e-3",
        "--model-opt", "width=4", "--model-opt", "noise=1"]  # fmt: skip


def _train(tmp_path, model="infogan-cr", extra=()):
    out = tmp_path / "runs"
    before = set(out.glob("*")) if out.exists() else set()
    opts = ["--model-opt", "cr_start=1", "--model-opt", "gap_every=1"] if model == "infogan-cr" else []
    assert main(["gan", "train", "--model", model, *TINY, *opts, *extra, "--out", str(out)]) == 0
    (run,) = set(out.glob("*")) - before
    return run


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("infogan")
    return [_train(tmp), _train(tmp, extra=["--seed", "1"])]


def _one_line_error(capsys, *needles):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("unsup: error:"), err
    for n in needles:
        assert n in err[0]


def test_traverse_writes_both_pictures_and_refuses_to_overwrite(runs, capsys):
    run = runs[0]
    assert main(["gan", "traverse", str(run), "--steps", "5"]) == 0
    assert (run / "traverse-seed0.png").stat().st_size > 0 and (run / "traverse-seed0-factors.png").stat().st_size > 0
    from PIL import Image

    w, h = Image.open(run / "traverse-seed0.png").size
    assert (w, h) == (5 * 66, 2 * 66)  # 5 steps per row, one row per code, 64 px + 2 px separators
    capsys.readouterr()
    assert main(["gan", "traverse", str(run)]) == 2
    _one_line_error(capsys, "exists")
    assert main(["gan", "traverse", str(run), "--force", "--steps", "5"]) == 0


def test_disentangle_prints_json_and_model_centrality_for_several_runs(runs, capsys):
    capsys.readouterr()
    assert main(["gan", "disentangle", str(runs[0]), "--votes", "20", "--samples", "200"]) == 0
    one = json.loads(capsys.readouterr().out)
    assert {"factor_vae", "mig", "sap_discrete", "sap_continuous", "beta_vae", "dci_disentanglement"} <= set(one)
    assert 0 <= one["factor_vae"] <= 1
    assert main(["gan", "disentangle", *map(str, runs), "--votes", "16", "--samples", "200"]) == 0
    both = json.loads(capsys.readouterr().out)
    assert both["selected_by_model_centrality"] in map(str, runs)
    assert all(0 <= both[str(r)]["model_centrality"] <= 1 for r in runs)


def test_cli_errors_are_one_line(tmp_path, capsys):
    assert main(["gan", "traverse", str(tmp_path / "missing")]) == 2
    _one_line_error(capsys, "not a GAN run folder")
    assert main(["gan", "train", "--model", "infogan", *TINY, "--pack", "2", "--out", str(tmp_path)]) == 2
    _one_line_error(capsys, "pack")
    assert main(["gan", "train", "--model", "infogan-cr", *TINY, "--model-opt", "gap=3", "--out", str(tmp_path)]) == 2
    _one_line_error(capsys, "unknown InfoGAN option")
    assert main(["gan", "train", "--model", "infogan", "--data", "ring", "--out", str(tmp_path)]) == 2
    _one_line_error(capsys, "64")
    mlp = tmp_path / "mlp"
    out = tmp_path / "mlpruns"
    assert main(["gan", "train", "--data", "ring", "--steps", "2", "--batch", "8", "--out", str(out)]) == 0
    (mlp,) = out.glob("*")
    capsys.readouterr()
    assert main(["gan", "disentangle", str(mlp)]) == 2
    _one_line_error(capsys, "infogan")
    assert main(["gan", "traverse", str(mlp), "--steps", "1"]) == 2
    _one_line_error(capsys, "--steps")

"""``unsup demo`` leaves run folders that the follow-up commands read."""

import json

import numpy as np
import pytest
from PIL import Image

from unsup.cli import command_run, main
from unsup.demo import run_demo


def test_command_run_returns_the_run_folder_the_command_made(tmp_path, capsys):
    (tmp_path / "already-here").mkdir()
    tiny = "--model-opt g_hidden=8 --model-opt d_hidden=8 --data-opt n_train=100 --batch 4 --steps 2".split()
    run = command_run(tmp_path, ["gan", "train", *tiny])
    assert run.parent == tmp_path and {"config.json", "checkpoint.pt"} <= {p.name for p in run.iterdir()}
    assert main(["gan", "sample", str(run), "--n", "8", "--png", str(tmp_path / "s.png")]) == 0


@pytest.mark.slow
def test_demo_runs_are_read_by_sample_traverse_and_apply(tmp_path, capsys):
    demo = run_demo(tmp_path / "runs", 0, ["restore", "image-gan", "translate", "disentangle"])
    steps = json.loads((demo / "summary.json").read_text())["steps"]
    out = tmp_path / "follow-up"
    assert main(["gan", "sample", steps["image-gan"]["run"], "--n", "20", "--label", "3",
                 "--png", str(out / "threes.png")]) == 0  # fmt: skip
    assert main(["gan", "traverse", steps["disentangle"]["run"], "--png", str(out / "traverse.png")]) == 0
    digit = out / "digit.png"
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(digit)
    assert main(["translate", "apply", str(demo / "translate"), str(digit), "--out", str(out / "translated")]) == 0
    assert (out / "threes.png").is_file() and (out / "traverse.png").is_file()
    assert Image.open(out / "translated" / "digit_AtoB.png").size == (28, 28)
    # the restore step is the restore command's run: its record, and its command line to resume it
    assert json.loads((demo / "restore" / "dip.json").read_text())["iters_run"] == steps["restore"]["dip_iters"]
    assert steps["restore"]["resume_command"].startswith("unsup restore denoise ")

"""``unsup restore ...``: outputs beside OUT, one-line errors for bad input, GAN inversion of a trained run."""

import json

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from unsup.cli import main


def write_png(path, arr):
    Image.fromarray((np.clip(arr, 0, 1) * 255).astype(np.uint8)).save(path)
    return str(path)


@pytest.fixture
def image(tmp_path):
    yy, xx = np.mgrid[0:16, 0:16] / 16
    return write_png(tmp_path / "in.png", np.stack([xx, yy, 0.5 + 0 * xx], 2))


def one_line_error(capsys, argv):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("unsup: error:"), err
    return err[0]


def test_denoise_writes_image_pictures_and_record(tmp_path, image, capsys):
    out = tmp_path / "o" / "den.png"
    assert main(["restore", "denoise", image, "--out", str(out), "--sigma", "25", "--iters", "4"]) == 0
    for suffix in (".png", ".strip.png", ".curves.png", ".input.png", ".json"):
        assert (tmp_path / "o" / f"den{suffix}").is_file()
    rec = json.loads((tmp_path / "o" / "den.json").read_text())
    assert rec["iters_run"] == 4 and rec["auto"] is False and rec["stop_rule"] == "fixed" and 0 < rec["psnr"] < 60
    assert Image.open(out).size == (16, 16)
    assert "refuse" not in capsys.readouterr().out
    # never silently overwritten
    assert "exists" in one_line_error(capsys, ["restore", "denoise", image, "--out", str(out), "--iters", "2"])
    assert main(["restore", "denoise", image, "--out", str(out), "--iters", "2", "--force"]) == 0


def test_interrupted_run_needs_resume_or_force(tmp_path, image, capsys):
    out = tmp_path / "r.png"
    (tmp_path / "r.ckpt.pt").write_bytes(b"")  # what an interrupted run leaves behind
    assert "--resume" in one_line_error(capsys, ["restore", "denoise", image, "--out", str(out), "--iters", "2"])
    assert main(["restore", "denoise", image, "--out", str(out), "--iters", "2", "--force"]) == 0
    assert out.is_file() and not (tmp_path / "r.ckpt.pt").exists()  # removed once the run completed
    other = str(tmp_path / "s.png")
    capsys.readouterr()
    assert "nothing to resume" in one_line_error(capsys, ["restore", "denoise", image, "--out", other, "--resume"])


def test_inpaint_with_generated_and_file_masks(tmp_path, image, capsys):
    out = tmp_path / "inp.png"
    assert main(["restore", "inpaint", image, "--out", str(out), "--mask", "random:0.5", "--iters", "3"]) == 0
    mask = np.asarray(Image.open(tmp_path / "inp.mask.png")) > 127
    corrupted = np.asarray(Image.open(tmp_path / "inp.input.png"))
    assert 0.3 < mask.mean() < 0.7 and (corrupted[~mask] == 0).all()
    out2 = tmp_path / "inp2.png"
    m = write_png(tmp_path / "m.png", mask.astype(float))
    assert main(["restore", "inpaint", image, "--out", str(out2), "--mask", m, "--iters", "3"]) == 0


def test_sr_output_is_factor_times_larger(tmp_path, image):
    out = tmp_path / "sr.png"
    assert main(["restore", "sr", image, "--out", str(out), "--factor", "2", "--iters", "2"]) == 0
    assert Image.open(out).size == (32, 32)


def test_sr_without_iters_runs_the_presets_fixed_count(tmp_path, image, monkeypatch):
    from dataclasses import replace

    from unsup.restore.presets import PRESETS

    monkeypatch.setitem(PRESETS, "cpu-sr", replace(PRESETS["cpu-sr"], iters=3))
    out = tmp_path / "sr.png"
    assert main(["restore", "sr", image, "--out", str(out), "--factor", "2", "--preset", "cpu-sr"]) == 0
    rec = json.loads((tmp_path / "sr.json").read_text())
    assert rec["iters_run"] == 3 and rec["stop_rule"] == "fixed" and rec["auto"] is False


def test_bad_input_is_a_one_line_error(tmp_path, image, capsys):
    out = str(tmp_path / "x.png")
    junk = tmp_path / "junk.png"
    junk.write_text("not an image")
    cases = {
        "cannot read": ["restore", "denoise", str(junk), "--out", out],
        "no such image": ["restore", "denoise", str(tmp_path / "missing.png"), "--out", out],
        "mask": ["restore", "inpaint", image, "--out", out, "--mask",
                 write_png(tmp_path / "small.png", np.ones((8, 8)))],
        "does not divide": ["restore", "sr", image, "--out", out, "--factor", "4", "--truth",
                            write_png(tmp_path / "t.png", np.ones((30, 30)))],
        "iters": ["restore", "denoise", image, "--out", out, "--iters", "many"],
        "preset": ["restore", "denoise", image, "--out", out, "--preset", "nope"],
        ".png": ["restore", "denoise", image, "--out", str(tmp_path / "x.jpg")],
        "--factor": ["restore", "sr", image, "--out", out, "--factor", "1"],
        "random": ["restore", "inpaint", image, "--out", out, "--mask", "random:1.5"],
        "not a GAN run": ["restore", "invert", str(tmp_path), image, "--out", out],
    }  # fmt: skip
    for needle, argv in cases.items():
        assert needle in one_line_error(capsys, argv), needle
    assert not (tmp_path / "x.png").exists()


class _TinyImages:
    """8x8 grey images in (-1, 1): a smooth ramp with a random brightness."""

    def __init__(self, seed: int = 0) -> None:
        self.ramp = torch.linspace(-0.5, 0.5, 8)[None, :].expand(8, 8)

    def sample(self, n: int) -> torch.Tensor:
        return (self.ramp + torch.rand(n, 1, 1, 1) - 0.5).clamp(-1, 1)


def _tiny_game(data, pack=1, loss="minimax"):
    from unsup.gan.game import GAN

    G = nn.Sequential(nn.Linear(4, 32), nn.Tanh(), nn.Linear(32, 64), nn.Tanh(), nn.Unflatten(1, (1, 8, 8)))
    D = nn.Sequential(nn.Flatten(), nn.Linear(64 * pack, 1), nn.Flatten(0))
    return GAN(G, D, 4, loss=loss, pack=pack)


def test_invert_a_trained_gan_run(tmp_path, capsys):
    from unsup.data.registry import DATASETS
    from unsup.gan.registry import MODELS

    DATASETS.register("restore-test-tiny", _TinyImages)
    MODELS.register("restore-test-tiny", _tiny_game)
    argv = ["gan", "train", "--data", "restore-test-tiny", "--model", "restore-test-tiny", "--steps", "3",
            "--batch", "8", "--out", str(tmp_path / "runs"), "--sample-every", "1000", "--ckpt-every", "3"]  # fmt: skip
    assert main(argv) == 0
    (run,) = (tmp_path / "runs").iterdir()
    # an image the generator can make exactly, so the inversion's reconstruction error must be tiny
    from unsup.gan.runs import load_run

    _, game, _ = load_run(run)
    with torch.no_grad():
        img = (game.G.eval()(torch.tensor([[0.3, -0.2, 0.5, 0.1]])) + 1) / 2
    src = write_png(tmp_path / "g.png", img[0, 0].numpy())
    out = tmp_path / "inv.png"
    capsys.readouterr()
    assert main(["restore", "invert", str(run), src, "--out", str(out), "--restarts", "4", "--iters", "200"]) == 0
    rec = json.loads((tmp_path / "inv.json").read_text())
    assert rec["psnr_observed"] > 40  # 8-bit quantisation of the PNG limits it to about 59 dB
    assert Image.open(out).size == (8, 8)
    wrong = write_png(tmp_path / "w.png", np.ones((16, 16)))
    capsys.readouterr()
    assert "8x8" in one_line_error(capsys, ["restore", "invert", str(run), wrong, "--out", str(tmp_path / "y.png")])


def test_an_interrupted_run_with_sigma_resumes_to_the_uninterrupted_result(tmp_path, image, capsys, monkeypatch):
    from unsup.restore import dip

    argv = ["restore", "denoise", image, "--sigma", "25", "--iters", "150"]
    assert main([*argv, "--out", str(tmp_path / "whole.png")]) == 0
    step, calls = dip._step, []

    def interrupt_at_120(*a, **kw):
        calls.append(1)
        if len(calls) > 120:
            raise KeyboardInterrupt
        return step(*a, **kw)

    monkeypatch.setattr(dip, "_step", interrupt_at_120)
    assert main([*argv, "--out", str(tmp_path / "cut.png")]) == 130
    assert (tmp_path / "cut.input.png").is_file() and (tmp_path / "cut.ckpt.pt").is_file()
    monkeypatch.setattr(dip, "_step", step)
    assert main([*argv, "--out", str(tmp_path / "cut.png"), "--resume"]) == 0  # its own input.png is no obstacle
    whole, cut = (np.asarray(Image.open(tmp_path / f"{n}.png")) for n in ("whole", "cut"))
    assert np.array_equal(whole, cut)

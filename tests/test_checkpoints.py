"""Safe checkpoints: every checkpoint is read with ``weights_only=True`` through ``unsup._run.load_checkpoint``; a
bad, foreign or crafted file is one line ``unsup: error: RUN/checkpoint.pt: ...`` (exit 2), never a traceback, and
never runs code; checkpoints from before the ``kind`` tag still load."""

import pathlib
import shutil
import subprocess

import numpy as np
import pytest
import torch

from unsup.cli import main

TINY = ["--model-opt", "g_hidden=8", "--model-opt", "g_layers=1", "--model-opt", "d_hidden=8",
        "--model-opt", "d_layers=1", "--data-opt", "n_train=500"]  # fmt: skip


def one_line_error(capsys, argv, *match):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("unsup: error:"), err
    for m in match:
        assert m in err[0], err
    return err[0]


@pytest.fixture(scope="module")
def gan_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("gan")
    argv = ["gan", "train", "--steps", "3", "--batch", "8", "--out", str(out), *TINY]
    assert main(argv) == 0
    (run,) = out.iterdir()
    return run


@pytest.fixture
def run(gan_run, tmp_path):
    """A fresh copy of the tiny trained run, free to spoil."""
    return pathlib.Path(shutil.copytree(gan_run, tmp_path / "run"))


class _Marker:
    """A crafted payload: unpickling it (weights_only=False) would create the marker file."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return pathlib.Path.touch, (pathlib.Path(self.path),)


def test_no_checkpoint_is_ever_unpickled_unsafely():
    src = pathlib.Path(__file__).parents[1] / "src"
    found = subprocess.run(["grep", "-rn", "weights_only=False", str(src)], capture_output=True, text=True).stdout
    assert found == ""


@pytest.mark.parametrize(
    ("spoil", "match"),
    [
        (lambda p: p.write_bytes(b""), "empty file"),
        (lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]), "not a readable checkpoint"),
        (lambda p: p.write_bytes(b"this is not a checkpoint\n" * 10), "not a readable checkpoint"),
        (lambda p: torch.save([1, 2, 3], p), "not a checkpoint unsup writes"),
    ],
    ids=["empty", "truncated", "garbage", "a list"],
)
def test_a_spoilt_checkpoint_is_one_line(capsys, run, spoil, match):
    spoil(run / "checkpoint.pt")
    for argv in (["gan", "sample", str(run)], ["gan", "eval", str(run)], ["gan", "train", "--resume", str(run)]):
        one_line_error(capsys, argv, f"{run / 'checkpoint.pt'}: {match}", "expected a GAN run's checkpoint")


def test_other_kinds_of_checkpoint_are_named(capsys, run, tmp_path):
    ckpt, sample = run / "checkpoint.pt", ["gan", "sample", str(run)]
    translate = "a translation run's checkpoint (unsup translate train); expected a GAN"
    torch.save({"kind": "translate", "epoch": 1, "model": {}, "history": [], "rng": {}}, ckpt)
    one_line_error(capsys, sample, translate)
    torch.save({"epoch": 1, "model": {}, "history": []}, ckpt)  # written before the kind tag: known by its keys
    one_line_error(capsys, sample, translate)
    torch.save({"t": 5, "net": {}, "opt": {}}, ckpt)
    one_line_error(capsys, sample, "a Deep Image Prior run's state (unsup restore", "expected a GAN")


def test_another_models_networks_are_one_line(capsys, run):
    from unsup.gan.infogan import build_infogan_cr
    from unsup.gan.runs import RunSpec

    ckpt = run / "checkpoint.pt"
    _, dcgan = RunSpec(data="digits", model="dcgan").build()
    torch.save({"kind": "gan", "game_class": type(dcgan).__name__, "game": dcgan.state_dict()}, ckpt)
    one_line_error(capsys, ["gan", "sample", str(run)], "its networks do not fit the model config.json describes")

    class Data:  # InfoGAN-CR needs only the image shape
        shape = (1, 64, 64)

    infogan = build_infogan_cr(Data(), width=4)
    torch.save({"kind": "gan", "game_class": type(infogan).__name__, "game": infogan.state_dict()}, ckpt)
    one_line_error(capsys, ["gan", "sample", str(run)], "holds a InfoGAN game; the run's config.json describes a GAN")


def test_a_crafted_pickle_is_refused_and_runs_nothing(capsys, run, tmp_path):
    marker = tmp_path / "marker"
    torch.save({"kind": "gan", "game": _Marker(marker)}, run / "checkpoint.pt")
    torch.load(run / "checkpoint.pt", weights_only=False)  # the payload works: an unsafe load would run it
    assert marker.exists()
    marker.unlink()
    for argv in (["gan", "sample", str(run)], ["gan", "train", "--resume", str(run), "--steps", "5"]):
        one_line_error(capsys, argv, "refused: it holds Python objects other than tensors and plain values")
    assert not marker.exists()


def test_a_gan_run_is_not_a_translation_run(capsys, run, tmp_path):
    from PIL import Image

    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "a.png")
    argv = ["translate", "apply", str(run), str(tmp_path / "a.png"), "--out", str(tmp_path / "b.png")]
    one_line_error(capsys, argv, "a GAN run's (unsup gan train), not a translation run's config")


def test_a_gan_checkpoint_is_not_a_dip_state(capsys, run, tmp_path):
    from PIL import Image

    Image.fromarray(np.full((16, 16), 128, np.uint8)).save(tmp_path / "in.png")
    shutil.copy(run / "checkpoint.pt", tmp_path / "out.ckpt.pt")
    argv = ["restore", "denoise", str(tmp_path / "in.png"), "--out", str(tmp_path / "out.png"), "--resume"]
    one_line_error(capsys, argv, "a GAN run's checkpoint (unsup gan train); expected a Deep Image Prior")
    assert not (tmp_path / "out.png").exists()


def _as_before_the_kind_tag(path):
    """Rewrite a checkpoint as unsup wrote them before: no kind tag, NumPy's RNG state as an array."""
    ckpt = torch.load(path, weights_only=True)
    del ckpt["kind"], ckpt["game_class"]
    for rng in ckpt["rng"]:
        name, keys, *rest = rng["numpy"]
        rng["numpy"] = (name, np.asarray(keys, dtype=np.uint32), *rest)
    torch.save(ckpt, path)


def test_an_old_checkpoint_loads_and_resumes_as_a_new_one(capsys, run, tmp_path):
    old = pathlib.Path(shutil.copytree(run, tmp_path / "old"))
    _as_before_the_kind_tag(old / "checkpoint.pt")
    for r in (run, old):
        assert main(["gan", "train", "--resume", str(r), "--steps", "5"]) == 0
    new_ckpt, old_ckpt = (torch.load(r / "checkpoint.pt", weights_only=True) for r in (run, old))
    assert new_ckpt["step"] == old_ckpt["step"] == 5
    for k, v in new_ckpt["game"].items():  # same RNG streams restored: the very same training
        assert torch.equal(v, old_ckpt["game"][k]), k


def test_an_old_dip_state_is_one_line(capsys, tmp_path):
    from PIL import Image

    from unsup.restore.stopping import HoldoutStop

    Image.fromarray(np.full((16, 16), 128, np.uint8)).save(tmp_path / "in.png")
    # before 0.2 the stop rule was pickled as an object: refused, not unpickled
    torch.save({"t": 5, "net": {}, "opt": {}, "rule": HoldoutStop(), "rng": torch.get_rng_state()},
               tmp_path / "out.ckpt.pt")  # fmt: skip
    argv = ["restore", "denoise", str(tmp_path / "in.png"), "--out", str(tmp_path / "out.png"), "--resume"]
    one_line_error(capsys, argv, "out.ckpt.pt: refused", "expected a Deep Image Prior run's state")

# ruff: noqa: E501  (the case table reads best one case per line)
"""Every command x every kind of bad input: exit 2, one line ``unsup: error: ...`` on stderr, nothing changed.

All cases share one folder of tiny fixtures (a data table, images, a trained GAN run and a translation run, made
once per module); each case hashes the whole folder before and after, so a case that writes, creates or deletes
anything fails.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from unsup.cli import main

GAN_TINY = "--model-opt g_hidden=8 --model-opt g_layers=1 --model-opt d_hidden=8 --model-opt d_layers=1 "
GAN_TINY += "--data-opt n_train=200 --batch 8 --log-every 1"
GAN_STEPS = 2


def _png(path: Path, size: int = 16, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(path)
    return path


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """The shared folder: bad and good inputs, existing outputs, a GAN run and a translation run."""
    root = tmp_path_factory.mktemp("bad-inputs")
    rng = np.random.default_rng(0)
    blobs = np.concatenate([rng.normal(0, 0.1, (15, 2)), rng.normal(3, 0.1, (15, 2))])
    np.savetxt(root / "good.csv", blobs, delimiter=",", header="x,y", comments="")
    np.save(root / "good.npy", blobs)
    np.save(root / "same.npy", np.ones((20, 3)))
    np.save(root / "objects.npy", np.array([{"a": 1}, [2]], dtype=object), allow_pickle=True)
    np.savez(root / "arrays.npz", first=blobs, second=blobs)
    _png(root / "image.png")
    (root / "image.png").rename(root / "image.csv")  # a picture with the wrong name
    _png(root / "image.png")
    (root / "table.png").write_text("1,2\n3,4\n")  # a table with a picture's name
    (root / "empty.csv").touch()
    (root / "empty.npy").touch()
    (root / "empty.png").touch()
    (root / "folder").mkdir()
    (root / "a-file").write_text("not a folder\n")
    (root / "taken.csv").write_text("label\n0\n")
    (root / "taken.png").write_bytes((root / "image.png").read_bytes())
    assert main(["gan", "train", "--steps", str(GAN_STEPS), "--out", str(root / "gan"), *GAN_TINY.split()]) == 0
    assert main(["translate", "train", "--a", str(_folder(root / "A")), "--b", str(_folder(root / "B", 1)),
                 "--preset", "cyclegan-small", "--crop", "32", "--epochs", "1", "--decay-epochs", "0",
                 "--batch-size", "2", "--out", str(root / "translate"), "--quiet"]) == 0  # fmt: skip
    gan = Path(_run(root, "gan"))
    for name, damage in {"truncated": lambda b: b[: len(b) // 2], "garbage": lambda b: b"not a checkpoint" * 8}.items():
        copy = shutil.copytree(gan, root / "ckpt" / name)
        (copy / "checkpoint.pt").write_bytes(damage((gan / "checkpoint.pt").read_bytes()))
    return root


def _folder(path: Path, seed: int = 0) -> Path:
    path.mkdir()
    for i in range(2):
        _png(path / f"im{i}.png", 36, seed * 10 + i)
    return path


def _run(root: Path, kind: str) -> str:
    (run,) = (root / kind).iterdir()
    return str(run)


def _argv(template: str, root: Path, **more: str) -> list[str]:
    """A case's command line, ``{root}``, ``{gan}``, ``{translate}``, ``{steps}`` and ``{tiny}`` filled in."""
    fill = {"root": root, "gan": _run(root, "gan"), "translate": _run(root, "translate"), "steps": GAN_STEPS, **more}
    argv: list[str] = []
    for token in template.split():
        argv += GAN_TINY.split() if token == "{tiny}" else [token.format(**fill)]
    return argv


def _snapshot(root: Path) -> dict[str, str]:
    """Every path under ``root``: a hash of each file's bytes, ``dir`` for folders."""
    return {
        str(p.relative_to(root)): "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
    }


# (id, argv with {root}, {gan} and {translate} filled in, a piece of the expected message)
CASES: list[tuple[str, str, str]] = [
    # unsup cluster: unreadable inputs
    ("cluster-png-as-csv", "cluster {root}/image.csv", "image.csv: not a text table"),
    ("cluster-object-npy", "cluster {root}/objects.npy", "objects.npy: holds Python objects"),
    ("cluster-folder-as-file", "cluster {root}/folder", "folder is a folder, not a data file"),
    ("cluster-empty-csv", "cluster {root}/empty.csv", "empty.csv: the file is empty"),
    ("cluster-empty-npy", "cluster {root}/empty.npy", "empty.npy: the file is empty"),
    ("cluster-missing-file", "cluster {root}/nope.csv", "no such file"),
    ("cluster-npz-missing-key", "cluster {root}/arrays.npz --key X", "no array 'X'; choose one with --key: first, second"),
    ("cluster-npz-no-key", "cluster {root}/arrays.npz", "choose one with --key: first, second"),
    # unsup cluster: requests without a meaningful answer
    ("cluster-k-equals-n", "cluster {root}/good.npy --k 30", "--k 30 equals the number of samples"),
    ("cluster-k-above-n", "cluster {root}/good.npy --k 31", "--k 31 is larger than the number of samples (30)"),
    ("cluster-k-over-half", "cluster {root}/good.npy --k 29", "at least 28 clusters would hold a single"),
    ("cluster-k-zero", "cluster {root}/good.npy --k 0", "--k must be >= 1"),
    ("cluster-neighbors-ge-n", "cluster {root}/good.npy --n-neighbors 30", "--n-neighbors 30 must be below"),
    ("cluster-identical-points", "cluster {root}/same.npy", "all 20 samples"),
    # unsup cluster: outputs
    ("cluster-out-under-a-file", "cluster {root}/good.npy --out {root}/a-file/sub/labels.csv", "a-file is a file, not a folder"),
    ("cluster-plot-under-a-file", "cluster {root}/good.npy --plot {root}/a-file/plot.png", "a-file is a file, not a folder"),
    ("cluster-out-exists", "cluster {root}/good.npy --out {root}/taken.csv", "taken.csv exists; pass --force"),
    ("cluster-out-is-a-folder", "cluster {root}/good.npy --out {root}/folder --force", "folder is a folder"),
    # unsup restore
    ("restore-out-under-a-file", "restore denoise {root}/image.png --out {root}/a-file/x.png --iters 2", "a-file is a file"),
    ("restore-out-exists", "restore denoise {root}/image.png --out {root}/taken.png --iters 2", "taken.png exists"),
    ("restore-negative-sigma", "restore denoise {root}/image.png --out {root}/new.png --sigma -5", "--sigma"),
    ("restore-folder-as-image", "restore denoise {root}/folder --out {root}/new.png", "folder is a folder, not an image"),
    ("restore-table-as-image", "restore denoise {root}/table.png --out {root}/new.png", "table.png as an image"),
    ("restore-empty-image", "restore inpaint {root}/empty.png --mask text --out {root}/new.png", "empty.png as an image"),
    ("restore-nothing-to-resume", "restore denoise {root}/image.png --out {root}/new.png --resume", "nothing to resume"),
    ("restore-invert-negative-noise", "restore invert {gan} {root}/image.png --out {root}/new.png --noise -1", "noise >= 0"),
    # unsup gan
    ("gan-train-out-under-a-file", "gan train --out {root}/a-file/runs {tiny}", "a-file is a file"),
    ("gan-train-resume-at-its-step", "gan train --resume {gan} --steps {steps}", "already at step 2"),
    ("gan-train-resume-below-its-step", "gan train --resume {gan} --steps 1", "already at step"),
    ("gan-train-resume-not-a-run", "gan train --resume {root}/folder", "is not a GAN run folder"),
    ("gan-sample-png-under-a-file", "gan sample {gan} --n 4 --png {root}/a-file/s.png", "a-file is a file"),
    ("gan-sample-png-exists", "gan sample {gan} --n 4 --png {root}/taken.png", "taken.png exists"),
    ("gan-sample-n-zero", "gan sample {gan} --n 0", "--n must be >= 1"),
    ("gan-eval-n-zero", "gan eval {gan} --n 0", "--n must be >= 1"),
    ("gan-eval-not-a-run", "gan eval {root}/folder", "is not a GAN run folder"),
    # unsup translate
    ("translate-apply-out-under-a-file", "translate apply {translate} {root}/image.png --out {root}/a-file/o", "a-file is a file"),
    ("translate-apply-out-is-a-file", "translate apply {translate} {root}/image.png --out {root}/a-file", "a-file is a file"),
    ("translate-apply-empty-folder", "translate apply {translate} {root}/folder --out {root}/o", "no .png/.jpg/.jpeg images"),
    ("translate-apply-not-a-run", "translate apply {root}/folder {root}/image.png --out {root}/o", "not a translation run"),
    # unsup demo
    ("demo-out-under-a-file", "demo --out {root}/a-file/runs --only spectral", "a-file is a file"),
    ("demo-unknown-step", "demo --out {root}/runs --only nope", "unknown demo step 'nope'"),
]  # fmt: skip

# No CUDA here: asking for it is bad input. (Skipped where CUDA exists.)
CUDA_CASES: list[tuple[str, str, str]] = [
    ("gan-train-cuda", "gan train --device cuda --out {root}/runs {tiny}", "no CUDA device"),
    ("translate-train-cuda", "translate train --data sr2 --device cuda", "no CUDA device"),
    ("translate-apply-cuda", "translate apply {translate} {root}/image.png --out {root}/o --device cuda", "no CUDA device"),
]  # fmt: skip

# Run folders and checkpoint files of the wrong kind (tests/test_checkpoints.py has the crafted pickle and more).
CHECKPOINT_CASES: list[tuple[str, str, str]] = [
    ("translate-apply-gan-run", "translate apply {gan} {root}/image.png --out {root}/o", "a GAN run's"),
    ("gan-sample-translate-run", "gan sample {translate} --n 4", "not a GAN run config"),
    ("gan-sample-truncated-checkpoint", "gan sample {root}/ckpt/truncated --n 4", "checkpoint.pt"),
    ("gan-eval-garbage-checkpoint", "gan eval {root}/ckpt/garbage", "checkpoint.pt"),
    ("gan-train-resume-garbage-checkpoint", "gan train --resume {root}/ckpt/garbage --steps 9", "checkpoint.pt"),
]  # fmt: skip

_NO_CUDA = pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is present")
PARAMS = [pytest.param(argv, msg, id=name) for name, argv, msg in CASES + CHECKPOINT_CASES] + [
    pytest.param(argv, msg, id=name, marks=_NO_CUDA) for name, argv, msg in CUDA_CASES
]


@pytest.mark.parametrize(("argv", "message"), PARAMS)
def test_bad_input_is_one_line_and_changes_nothing(root, argv, message, capsys):
    argv = _argv(argv, root)
    before = _snapshot(root)
    capsys.readouterr()
    status = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2, err
    assert len(err) == 1 and err[0].startswith("unsup: error:"), err
    assert message in err[0], err
    assert _snapshot(root) == before


@pytest.mark.parametrize(
    "argv",
    [
        "cluster {root}/good.npy --out {ro}/labels.csv",
        "restore denoise {root}/image.png --out {ro}/x.png --iters 2",
        "gan train --out {ro}/runs {tiny}",
        "gan sample {gan} --n 4 --png {ro}/s.png",
        "translate apply {translate} {root}/image.png --out {ro}/o",
        "demo --out {ro}/runs --only spectral",
    ],
    ids="cluster restore gan-train gan-sample translate-apply demo".split(),
)
def test_read_only_output_folder_is_one_line(root, argv, capsys, tmp_path, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    if os.geteuid() == 0:  # root may write anyway: let the check see the folder as any other user would
        real = os.access
        monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != ro and real(p, mode))
    try:
        assert main(_argv(argv, root, ro=str(ro))) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "is not writable" in err[0], err
        assert not list(ro.iterdir())
    finally:
        ro.chmod(0o700)

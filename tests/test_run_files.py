import os
import stat
import time

import pytest

from unsup._run import atomic_torch_save, atomic_write_bytes, heartbeat, prepare_dir, prepare_outputs, write_json


@pytest.fixture
def umask():
    def set_mask(mask):
        old = os.umask(mask)
        restore.append(old)

    restore: list[int] = []
    yield set_mask
    if restore:
        os.umask(restore[0])


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077])
def test_atomic_writes_respect_the_umask(tmp_path, umask, mask):
    umask(mask)
    atomic_write_bytes(tmp_path / "a.bin", b"x")
    write_json(tmp_path / "b.json", {"a": 1})
    atomic_torch_save({"w": 1}, tmp_path / "c.pt")
    with open(tmp_path / "plain", "wb"):  # what any ordinary file gets
        pass
    want = stat.S_IMODE(os.stat(tmp_path / "plain").st_mode)
    assert want == 0o666 & ~mask
    for name in ("a.bin", "b.json", "c.pt"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == want, name


def test_prepare_outputs_creates_missing_parents_only_after_every_check(tmp_path):
    (tmp_path / "taken.csv").write_text("old")
    with pytest.raises(FileExistsError, match="--force"):
        prepare_outputs([tmp_path / "new" / "deep" / "a.csv", tmp_path / "taken.csv"])
    assert not (tmp_path / "new").exists()
    out = prepare_outputs([tmp_path / "new" / "deep" / "a.csv", tmp_path / "taken.csv"], force=True)
    assert out[0].parent.is_dir() and (tmp_path / "taken.csv").read_text() == "old"


def test_prepare_outputs_refuses_a_parent_that_is_a_file_and_a_folder_as_file(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        prepare_outputs([tmp_path / "f" / "sub" / "a.png"])
    with pytest.raises(IsADirectoryError, match="is a folder"):
        prepare_outputs([tmp_path], force=True)
    with pytest.raises(NotADirectoryError):
        prepare_dir(tmp_path / "f")
    assert prepare_dir(tmp_path / "d" / "e").is_dir()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_prepare_outputs_refuses_a_read_only_folder(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(PermissionError, match="not writable"):
            prepare_outputs([ro / "a.csv"])
        with pytest.raises(PermissionError):
            prepare_dir(ro / "runs")
    finally:
        ro.chmod(0o700)


def test_heartbeat_speaks_during_a_long_block_only(capsys):
    with heartbeat("working", every=0.05):
        time.sleep(0.18)
    lines = capsys.readouterr().err.splitlines()
    assert 2 <= len(lines) <= 4 and all(ln.startswith("unsup: working ... ") for ln in lines)
    with heartbeat("quick", every=5):
        pass
    assert capsys.readouterr().err == ""


def test_cluster_creates_missing_output_folders(tmp_path, capsys):
    import numpy as np

    from unsup.cli import main

    rng = np.random.default_rng(0)
    np.save(tmp_path / "x.npy", np.concatenate([rng.normal(0, 0.1, (20, 2)), rng.normal(3, 0.1, (20, 2))]))
    out, plot = tmp_path / "a" / "b" / "labels.csv", tmp_path / "c" / "plot.png"
    assert main(["cluster", str(tmp_path / "x.npy"), "--k", "2", "--out", str(out), "--plot", str(plot)]) == 0
    assert out.read_text().count("\n") == 41 and plot.stat().st_size > 0

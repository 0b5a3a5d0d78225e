import json
from pathlib import Path

import numpy as np
import pytest

from unsup.cli import main


def _run_folder(capsys) -> Path:
    out = capsys.readouterr().out
    return Path(next(ln for ln in out.splitlines() if ln.startswith("run folder: ")).split(": ", 1)[1])


def _fails(capsys, argv: list[str], match: str) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("unsup: error:") and match in err and "\n" not in err


def test_conditional_train_sample_interpolate(tmp_path, capsys):
    # the spelling: --arch dcgan --conditional = --model cdcgan --data-opt labels=true
    argv = ["gan", "train", "--data", "digits", "--arch", "dcgan", "--conditional", "--steps", "4",
            "--batch", "16", "--log-every", "2", "--sample-every", "4", "--out", str(tmp_path)]  # fmt: skip
    assert main(argv) == 0
    run = _run_folder(capsys)
    assert (run / "checkpoint.pt").is_file() and (run / "config.json").is_file()
    spec = json.loads((run / "config.json").read_text())["spec"]
    assert spec["model"] == "cdcgan" and spec["data_opts"] == {"labels": True}
    assert main(["gan", "interpolate", str(run), "--label", "3", "--rows", "2", "--steps", "4"]) == 0
    written = [Path(p) for p in capsys.readouterr().out.split()]
    assert [p.name for p in written] == [f"latent-seed0-label3-{k}.png" for k in ("interpolate", "average", "traverse")]
    assert all(p.stat().st_size > 0 for p in written)
    _fails(capsys, ["gan", "interpolate", str(run), "--label", "3", "--rows", "2"], "exists")  # never overwrites
    png = tmp_path / "sevens.png"
    assert main(["gan", "sample", str(run), "--label", "7", "--n", "20", "--grid", str(png)]) == 0
    assert png.is_file()
    _fails(capsys, ["gan", "sample", str(run), "--label", "10", "--png", str(tmp_path / "x.png")], "labels")
    _fails(capsys, ["gan", "interpolate", str(run), "--label", "12"], "--label")
    _fails(capsys, ["gan", "interpolate", str(run)], "--label")


def test_an_image_folder_is_data(tmp_path, capsys):
    from PIL import Image

    pictures = tmp_path / "pictures"
    pictures.mkdir()
    rng = np.random.default_rng(0)
    for i in range(6):
        Image.fromarray(rng.integers(0, 255, (20, 24, 3), dtype=np.uint8)).save(pictures / f"{i}.png")
    argv = ["gan", "train", "--data", str(pictures), "--arch", "dcgan", "--data-opt", "size=16", "--steps", "2",
            "--batch", "4", "--out", str(tmp_path / "runs")]  # fmt: skip
    assert main(argv) == 0
    run = _run_folder(capsys)
    assert run.name.startswith("gan-folder-dcgan-pack1")
    spec = json.loads((run / "config.json").read_text())["spec"]
    assert spec["data"] == "folder" and spec["data_opts"] == {"root": str(pictures), "size": 16}
    _fails(capsys, ["gan", "train", "--data", "ring", "--arch", "mlp", "--conditional"], "--conditional")


def test_packed_dcgan_train_and_interpolate(tmp_path, capsys):
    argv = ["gan", "train", "--data", "digits", "--model", "dcgan", "--model-opt", "d_preset=quarter", "--pack", "2",
            "--steps", "2", "--batch", "8", "--out", str(tmp_path)]  # fmt: skip
    assert main(argv) == 0
    run = _run_folder(capsys)
    assert main(["gan", "interpolate", str(run), "--rows", "2", "--steps", "3"]) == 0
    _fails(capsys, ["gan", "interpolate", str(run), "--label", "1"], "conditional")
    _fails(capsys, ["gan", "sample", str(run), "--label", "1"], "conditional")


@pytest.mark.parametrize(
    "argv, match",
    [
        (["gan", "train", "--data", "digits", "--model", "cdcgan"], "labels=true"),
        (["gan", "train", "--data", "digits", "--data-opt", "labels=true", "--model", "dcgan"], "cdcgan"),
        (["gan", "train", "--data", "digits", "--model", "dcgan", "--model-opt", "wings=2"], "unknown model option"),
        (["gan", "train", "--data", "digits", "--model", "dcgan", "--model-opt", "d_preset=huge"], "d_preset"),
        (["gan", "train", "--data", "folder", "--model", "dcgan"], "root=DIR"),
        (["gan", "train", "--data", "folder", "--data-opt", "root=/no/such/dir", "--model", "dcgan"], "does not exist"),
        (["gan", "train", "--data", "ring", "--model", "dcgan"], "image data"),
        (["gan", "interpolate", "/no/such/run"], "not a GAN run folder"),
        (["bench", "stacked-mnist", "--steps", "0"], "--steps"),
        (["bench", "stacked-mnist", "--workers", "-1"], "--workers"),
        (["bench", "stacked-mnist", "--resume", "/no/such/bench"], "does not exist"),
    ],
)
def test_cli_errors_are_one_line(tmp_path, capsys, argv, match):
    _fails(capsys, argv + (["--out", str(tmp_path)] if argv[1] == "train" else []), match)


def test_stacked_mnist_eval_json(tmp_path, capsys):
    import json

    argv = ["gan", "train", "--data", "stacked-mnist", "--data-opt", "n=2000", "--model", "dcgan", "--model-opt",
            "g_width=4", "--steps", "1", "--batch", "8", "--sample-every", "1000", "--out", str(tmp_path)]  # fmt: skip
    assert main(argv) == 0
    run = _run_folder(capsys)
    assert main(["gan", "eval", str(run), "--n", "300", "--json"]) == 0
    scores = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert scores["n"] == 300 and 1 <= scores["modes"] <= 300 and 0 <= scores["kl"] <= 6.91
    assert scores["frechet"] > 0 and "kid" in scores

import json

import numpy as np
import torch
from PIL import Image

from unsup.cli import main
from unsup.translate.cli import translate_image
from unsup.translate.paired import PairedConfig, PairedTranslator


def _one_line_error(capsys, argv, match):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("unsup: error:") and match in err[0], err


def _folder(path, n, size=36, seed=0, prefix="im"):
    path.mkdir()
    rng = np.random.default_rng(seed)
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(path / f"{prefix}{i}.png")
    return path


def test_missing_and_empty_folders_are_one_line_errors(tmp_path, capsys):
    a = _folder(tmp_path / "A", 2)
    (tmp_path / "empty").mkdir()
    _one_line_error(capsys, ["translate", "train", "--a", str(tmp_path / "nope"), "--b", str(a)], "does not exist")
    _one_line_error(capsys, ["translate", "train", "--a", str(a), "--b", str(tmp_path / "empty")], "no .png")
    _one_line_error(capsys, ["translate", "train", "--a", str(a)], "--b")
    _one_line_error(capsys, ["translate", "train", "--data", "digits", "--a", str(a)], "not both")
    _one_line_error(capsys, ["translate", "eval", str(tmp_path)], "not a translation run")


def test_semantic_term_needs_labelled_data(tmp_path, capsys):
    a = _folder(tmp_path / "A", 2)
    _one_line_error(capsys, ["translate", "train", "--a", str(a), "--b", str(a), "--semantic", "A"], "labels")
    _one_line_error(capsys, ["translate", "train", "--data", "sr4", "--semantic", "A"], "labels")
    _one_line_error(capsys, ["translate", "train", "--data", "digits", "--semantic", "B", "--lambda-semantic", "0"],
                    "--lambda-semantic")  # fmt: skip
    _one_line_error(capsys, ["translate", "train", "--data", "digits", "--semantic", "A", "--self-train", "-1"],
                    "--self-train")  # fmt: skip
    _one_line_error(capsys, ["translate", "train", "--data", "digits", "--jitter"], "--semantic")
    _one_line_error(capsys, ["translate", "train", "--data", "digits", "--per-domain"], "--per-domain")
    _one_line_error(capsys, ["translate", "train", "--data", "digits", "--semantic", "A", "--self-train", "0",
                             "--per-domain"], "--self-train")  # fmt: skip


def test_train_apply_eval_round_trip(tmp_path, capsys):
    a, b = _folder(tmp_path / "A", 4), _folder(tmp_path / "B", 4, seed=1, prefix="b")
    runs = tmp_path / "runs"
    argv = ["translate", "train", "--a", str(a), "--b", str(b), "--preset", "cyclegan-small", "--crop", "32",
            "--epochs", "1", "--decay-epochs", "0", "--batch-size", "2", "--out", str(runs), "--quiet"]  # fmt: skip
    bad_crop = [x if x != "32" else "30" for x in argv]
    _one_line_error(capsys, bad_crop, "multiple of 4")
    _one_line_error(capsys, [x if x != "32" else "16" for x in argv], "at least 24")  # D's norms need > 1 pixel
    assert not runs.exists()  # refused before a run folder was made
    assert main(argv) == 0
    (run,) = runs.iterdir()
    assert {"config.json", "checkpoint.pt", "history.json", "loss.png", "index.html"} <= {p.name for p in run.iterdir()}

    out = tmp_path / "out"
    _one_line_error(capsys, ["translate", "apply", str(run), str(a / "im0.png"), str(a), "--out", str(out)], "both")
    assert main(["translate", "apply", str(run), str(a / "im0.png"), str(b), "--out", str(out)]) == 0
    produced = Image.open(out / "im0_AtoB.png")
    assert produced.size == (36, 36)  # any size: padded to the generator's multiple and cropped back
    assert len(list(out.glob("*_AtoB.png"))) == 5 and (out / "index.html").is_file()
    first = np.asarray(produced).copy()
    _one_line_error(capsys, ["translate", "apply", str(run), str(a / "im0.png"), "--out", str(out)], "exists")
    assert main(["translate", "apply", str(run), str(a / "im0.png"), "--out", str(out), "--force"]) == 0
    assert np.array_equal(first, np.asarray(Image.open(out / "im0_AtoB.png")))
    page = (out / "index.html").read_bytes()
    _one_line_error(capsys, ["translate", "apply", str(run), str(a / "im1.png"), "--out", str(out)], "index.html")
    assert (out / "index.html").read_bytes() == page and not (out / "im1_AtoB.png").exists()

    capsys.readouterr()
    assert main(["translate", "eval", str(run), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert 0 < scores["cycle_l1_A"] < 1 and scores["dependence_AtoB"] > 0

    assert main(["translate", "train", "--resume", str(run), "--quiet"]) == 0  # already finished: nothing to do
    assert len(json.loads((run / "history.json").read_text())) == 1


def test_apply_runs_in_eval_mode():
    # pix2pix's dropout is training noise; the reference's test script left it on unless --eval (issue #555)
    model = PairedTranslator(PairedConfig(ch_a=1, ch_b=1, ngf=4, n_down=5, dropout=0.5, ndf=4, n_layers=1))
    x = torch.rand(1, 1, 40, 40) * 2 - 1
    y1, y2 = translate_image(model, x, "AtoB"), translate_image(model, x, "AtoB")
    assert torch.equal(y1, y2) and y1.shape == (1, 1, 40, 40)
    assert model.training  # restored afterwards
    model.eval()
    with torch.no_grad():
        expected = model.G(torch.nn.functional.pad(x, (0, 24, 0, 24), mode="reflect"))[..., :40, :40]
    assert torch.allclose(y1, expected)


def test_super_resolution_run_applies_to_low_resolution_images(tmp_path, capsys):
    runs = tmp_path / "runs"
    argv = ["translate", "train", "--data", "sr4", "--patches", "32", "--epochs", "1", "--decay-epochs", "0",
            "--out", str(runs), "--quiet"]  # fmt: skip
    assert main(argv) == 0
    (run,) = runs.iterdir()
    small = tmp_path / "small.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (8, 10), dtype=np.uint8)).save(small)
    assert main(["translate", "apply", str(run), str(small), "--out", str(tmp_path / "out")]) == 0
    assert Image.open(tmp_path / "out" / "small_AtoB.png").size == (40, 32)  # x4, bicubic then the network
    _one_line_error(capsys, ["translate", "apply", str(run), str(small), "--out", str(tmp_path), "--direction", "BtoA"],
                    "AtoB")  # fmt: skip
    capsys.readouterr()
    assert main(["translate", "eval", str(run), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert scores["psnr_input"] > 20 and "psnr_gain_db" in scores

import functools
import json

from unsup.cli import main
from unsup.gan.game import GAN

TINY = ["--model-opt", "g_hidden=16", "--model-opt", "g_layers=1", "--model-opt", "d_hidden=16",
        "--model-opt", "d_layers=1", "--data-opt", "n_train=2000"]  # fmt: skip


def one_line_error(capsys, argv, match):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("unsup: error:") and match in err[0], err


def test_bad_options_are_one_line_errors(capsys, tmp_path):
    one_line_error(capsys, ["gan", "train", "--pack", "0", "--out", str(tmp_path)], "pack must be >= 1")
    one_line_error(capsys, ["gan", "train", "--data", "nope", "--out", str(tmp_path)], "unknown dataset 'nope'")
    one_line_error(capsys, ["gan", "train", "--beta1", "1.5", "--out", str(tmp_path)], "betas must be two numbers in")
    one_line_error(capsys, ["gan", "train", "--beta2", "1", "--out", str(tmp_path)], "betas must be two numbers in")
    one_line_error(capsys, ["gan", "train", "--model", "nope", "--out", str(tmp_path)], "unknown model 'nope'")
    one_line_error(capsys, ["gan", "train", "--data-opt", "std", "--out", str(tmp_path)], "KEY=VALUE")
    one_line_error(capsys, ["gan", "train", "--data-opt", "nope=1", "--out", str(tmp_path)], "'nope' is not an option")
    one_line_error(capsys, ["gan", "train", "--steps", "0", "--out", str(tmp_path)], "steps must be >= 1")
    one_line_error(capsys, ["gan", "train", "--lr-decay", "1.5", "--out", str(tmp_path)], "lr_decay must be in [0, 1]")
    assert not list(tmp_path.iterdir())  # no half-made run folder left behind
    one_line_error(capsys, ["gan", "eval", str(tmp_path)], "is not a GAN run folder")
    one_line_error(capsys, ["gan", "sample", str(tmp_path / "missing")], "is not a GAN run folder")
    one_line_error(capsys, ["gan", "train", "--resume", str(tmp_path)], "is not a GAN run folder")


def test_train_resume_sample_eval(capsys, monkeypatch, tmp_path):
    argv = ["gan", "train", "--data", "ring", "--pack", "2", "--steps", "6", "--batch", "8", "--ckpt-every", "3",
            "--beta2", "0.99", "--out", str(tmp_path), *TINY]  # fmt: skip
    assert main(argv) == 0
    (run,) = tmp_path.iterdir()
    assert run.name.startswith("gan-ring-mlp-pack2-")
    assert json.loads((run / "config.json").read_text())["train"]["betas"] == [0.8, 0.99]
    assert {"config.json", "checkpoint.pt", "metrics.jsonl", "losses.png"} <= {p.name for p in run.iterdir()}
    assert main(["gan", "train", "--resume", str(run), "--steps", "9"]) == 0
    capsys.readouterr()
    assert main(["gan", "eval", str(run), "--json", "--n", "500"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"modes", "high_quality", "reverse_kl"} and 0 <= result["modes"] <= 8
    seen = []
    sample = GAN.sample

    @functools.wraps(sample)
    def spy(self, n, **kw):
        seen.append(kw)
        return sample(self, n, **kw)

    monkeypatch.setattr(GAN, "sample", spy)
    assert main(["gan", "eval", str(run), "--json", "--n", "500", "--running-stats"]) == 0
    assert main(["gan", "eval", str(run), "--json", "--n", "500"]) == 0
    assert seen == [{"running_stats": True}, {}]  # eval mode only when asked
    capsys.readouterr()
    monkeypatch.setattr(GAN, "sample", lambda self, n: sample(self, n))  # a model without running averages
    one_line_error(capsys, ["gan", "eval", str(run), "--running-stats"], "scored with batch statistics only")
    monkeypatch.setattr(GAN, "sample", sample)
    assert main(["gan", "sample", str(run), "--n", "200"]) == 0
    assert (run / "sample-seed0.png").exists()
    one_line_error(capsys, ["gan", "sample", str(run), "--n", "200"], "exists; pass --force")
    assert main(["gan", "sample", str(run), "--n", "200", "--force"]) == 0

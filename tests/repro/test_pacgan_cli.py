"""``unsup bench pacgan``: options reach every trial, layouts, resume."""

import json
import shutil

import pytest

from unsup.cli import main


def one_line_error(capsys, argv, match):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("unsup: error:") and match in err[0], err


@pytest.mark.parametrize(
    ("flags", "match"),
    [
        (["--pack", "0"], "pack must be >= 1"),
        (["--data", "moons"], "--data must be ring"),
        (["--lr-decay", "2"], "lr_decay must be in [0, 1]"),
        (["--beta1", "1"], "betas must be two numbers in"),
        (["--beta2", "-1"], "betas must be two numbers in"),
        (["--lr", "0"], "lr must be > 0"),
        (["--layout", "batched", "--keep-trials"], "--keep-trials: processes layout only"),
        (["--layout", "batched", "--steps", "50", "--eval-at", "10", "50"],
         "--eval-at steps must lie between 1 and 49 (--steps); got [50]"),
    ],
)  # fmt: skip
def test_bad_options_are_one_line_errors(capsys, tmp_path, flags, match):
    one_line_error(capsys, ["bench", "pacgan", *flags, "--out", str(tmp_path)], match)
    assert not list(tmp_path.iterdir())  # refused before a benchmark folder is made


@pytest.mark.slow
def test_bench_pacgan_tiny(capsys, tmp_path):
    argv = ["bench", "pacgan", "--data", "ring", "--pack", "1", "2", "--trials", "2", "--steps", "20",
            "--controls", "--workers", "2", "--out", str(tmp_path)]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    rows = json.loads(out.strip().splitlines()[-2])["rows"]
    assert [r["variant"] for r in rows] == ["GAN", "PacGAN2", "GAN-D2", "GAN-B2"]


def test_bench_pacgan_passes_lr_betas_and_decay_to_every_trial(monkeypatch, capsys, tmp_path):
    from unsup.repro import pacgan

    seen = []

    def fake_table(data, rows, trials, schedule, out, workers, first_seed, resume=False, evals=(), keep=False):
        seen.append(schedule)
        return [{"variant": "GAN", "seed": 0, "modes": 20, "high_quality": 50.0, "reverse_kl": 0.5}]

    monkeypatch.setattr(pacgan, "run_table", fake_table)
    argv = ["bench", "pacgan", "--pack", "1", "--trials", "1", "--steps", "30", "--beta1", "0.2", "--lr-decay", "0.5",
            "--lr", "3e-4", "--beta2", "0.9", "--out", str(tmp_path)]  # fmt: skip
    assert main(argv) == 0
    assert (seen[0].steps, seen[0].betas, seen[0].lr_decay, seen[0].lr) == (30, (0.2, 0.9), 0.5, 3e-4)
    (run,) = tmp_path.iterdir()
    schedule = json.loads((run / "config.json").read_text())["schedule"]
    assert (schedule["beta1"], schedule["beta2"]) == (0.2, 0.9)


def test_bench_pacgan_cpu_preset_is_20k_iterations_with_beta2_0_9(monkeypatch, capsys, tmp_path):
    from unsup.repro import pacgan

    seen = []
    monkeypatch.setattr(pacgan, "run_table", lambda *a, **k: seen.append(a[3]) or [
        {"variant": "GAN", "seed": 0, "modes": 20, "high_quality": 50.0, "reverse_kl": 0.5}])  # fmt: skip
    assert main(["bench", "pacgan", "--pack", "1", "--trials", "1", "--preset", "cpu", "--out", str(tmp_path)]) == 0
    assert main(["bench", "pacgan", "--pack", "1", "--trials", "1", "--preset", "cpu", "--steps", "9",
                 "--out", str(tmp_path)]) == 0  # fmt: skip
    assert [(s.steps, s.betas, s.lr, s.lr_decay, s.loss) for s in seen] == [(20_000, (0.8, 0.9), 1e-4, 0.0, "ns"),
                                                                          (9, (0.8, 0.9), 1e-4, 0.0, "ns")]  # fmt: skip


def test_bench_pacgan_bf16_flag_reaches_the_schedule_and_the_config(monkeypatch, capsys, tmp_path):
    from unsup.repro import pacgan

    seen = []
    monkeypatch.setattr(pacgan, "run_table", lambda *a, **k: seen.append(a[3]) or [
        {"variant": "GAN", "seed": 0, "modes": 20, "high_quality": 50.0, "reverse_kl": 0.5}])  # fmt: skip
    for flag in (["--bf16", "on"], ["--bf16", "off"], []):
        out = tmp_path / str(len(seen))
        assert main(["bench", "pacgan", "--pack", "1", "--trials", "1", "--steps", "9", "--out", str(out), *flag]) == 0
        (run,) = out.iterdir()
        assert json.loads((run / "config.json").read_text())["schedule"]["bf16"] is seen[-1].bf16
    assert [s.bf16 for s in seen] == [True, False, False]


def test_bench_pacgan_batched_layout_writes_the_table_and_the_curve(capsys, tmp_path):
    argv = ["bench", "pacgan", "--data", "ring", "--pack", "1", "2", "--trials", "2", "--steps", "20", "--layout",
            "batched", "--eval-at", "10", "--out", str(tmp_path)]  # fmt: skip
    assert main(argv) == 0
    rows = json.loads(capsys.readouterr().out.strip().splitlines()[-2])["rows"]
    assert [(r["variant"], r["trials"]) for r in rows] == [("GAN", 2), ("PacGAN2", 2)]
    (run,) = tmp_path.iterdir()
    assert json.loads((run / "config.json").read_text())["layout"] == "batched"
    curve = [json.loads(line) for line in (run / "curve.jsonl").read_text().splitlines()]
    assert [(c["step"], c["variant"]) for c in curve] == [(10, "GAN"), (10, "GAN"), (10, "PacGAN2"), (10, "PacGAN2")]


def test_bench_pacgan_processes_layout_scores_the_eval_steps_and_keeps_the_row_order(capsys, tmp_path):
    argv = ["bench", "pacgan", "--data", "ring", "--pack", "1", "2", "--trials", "1", "--steps", "6", "--layout",
            "processes", "--workers", "1", "--eval-at", "3", "--out", str(tmp_path)]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    rows = json.loads(out.strip().splitlines()[-2])["rows"]
    assert [r["variant"] for r in rows] == ["GAN", "PacGAN2"]  # as asked, though PacGAN2 (dearer) ran first
    (run,) = tmp_path.iterdir()
    curve = [json.loads(line) for line in (run / "curve.jsonl").read_text().splitlines()]
    assert [(c["step"], c["variant"]) for c in curve] == [(3, "PacGAN2"), (3, "GAN")]
    assert "iteration 3:" in (run / "curve.md").read_text() and "iteration 3:" in out


def test_bench_pacgan_resume_continues_a_batched_run_and_refuses_others(capsys, tmp_path, interrupt_batched_at):
    argv = ["bench", "pacgan", "--data", "ring", "--pack", "1", "--trials", "2", "--steps", "20", "--layout",
            "batched", "--eval-at", "10", "--out", str(tmp_path)]  # fmt: skip
    disarm = interrupt_batched_at(15)
    assert main(argv) == 130  # Ctrl-C: "unsup: interrupted"
    disarm()
    (run,) = tmp_path.iterdir()
    capsys.readouterr()
    assert main(["bench", "pacgan", "--resume", str(run)]) == 0
    rows = json.loads(capsys.readouterr().out.strip().splitlines()[-2])["rows"]
    assert [(r["variant"], r["trials"]) for r in rows] == [("GAN", 2)]
    assert [json.loads(line)["step"] for line in (run / "results.jsonl").read_text().splitlines()] == [20, 20]
    one_line_error(capsys, ["bench", "pacgan", "--resume", str(tmp_path)], "is not a bench pacgan run")
    (run / "checkpoint.pt").unlink()
    one_line_error(capsys, ["bench", "pacgan", "--resume", str(run)], "has no checkpoint to resume from")


class InProcessPool:
    """Stands in for multiprocessing's pool: runs the jobs here, one after another."""

    def __init__(self, workers, initializer=None):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def imap_unordered(self, fn, jobs):
        return map(fn, jobs)

    def close(self):
        pass

    def join(self):
        pass


def test_bench_pacgan_resume_runs_only_the_missing_trials_of_a_processes_run(capsys, tmp_path, monkeypatch):
    from types import SimpleNamespace

    from unsup.repro import pacgan

    monkeypatch.setattr(pacgan.mp, "get_context", lambda kind: SimpleNamespace(Pool=InProcessPool))
    argv = ["bench", "pacgan", "--data", "ring", "--pack", "1", "2", "--trials", "2", "--steps", "10", "--layout",
            "processes", "--keep-trials", "--out", str(tmp_path)]  # fmt: skip
    assert main(argv) == 0
    (run,) = tmp_path.iterdir()
    trials = ["GAN-seed0", "GAN-seed1", "PacGAN2-seed0", "PacGAN2-seed1"]
    assert sorted(p.name for p in (run / "trials").iterdir()) == trials
    lines = (run / "results.jsonl").read_text().splitlines()
    planted = {**json.loads(lines[0]), "modes": 99}  # as if only this trial had finished before an interruption
    (run / "results.jsonl").write_text(json.dumps(planted) + "\n")
    shutil.rmtree(run / "trials")
    capsys.readouterr()
    assert main(["bench", "pacgan", "--resume", str(run)]) == 0
    rows = [json.loads(line) for line in (run / "results.jsonl").read_text().splitlines()]
    assert sorted((r["variant"], r["seed"]) for r in rows) == [("GAN", 0), ("GAN", 1), ("PacGAN2", 0), ("PacGAN2", 1)]
    assert rows[0]["modes"] == 99  # kept, not retrained
    rerun = sorted(set(trials) - {f"{planted['variant']}-seed{planted['seed']}"})
    assert sorted(p.name for p in (run / "trials").iterdir()) == rerun  # --keep-trials survives the resume
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-2])["rows"]
    assert [r["trials"] for r in summary] == [2, 2]


def test_auto_layout_is_batched_only_on_cuda(monkeypatch):
    import torch

    from unsup.repro.pacgan import pick_layout

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert pick_layout("auto") == "processes" and pick_layout("batched") == "batched"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert pick_layout("auto") == "batched" and pick_layout("processes") == "processes"
    with pytest.raises(ValueError, match="layout must be"):
        pick_layout("threads")


@pytest.mark.parametrize("preset", ["quick", "cpu", "paper"])
def test_a_variant_means_the_same_in_gan_train_and_bench_pacgan(monkeypatch, preset):
    """``gan train --preset P --pack 2`` trains what ``bench pacgan --preset P`` calls PacGAN2."""
    import unsup.gan.trainer
    from unsup.cli import build_parser
    from unsup.gan.cli import _train_settings
    from unsup.repro import pacgan

    seen = []

    class Stop(Exception):
        pass

    def capture(game, data, cfg, *a, **k):
        seen.append(cfg)
        raise Stop

    monkeypatch.setattr(unsup.gan.trainer, "Trainer", capture)
    with pytest.raises(Stop):
        pacgan.run_trial("grid", pacgan.variants([2])[0], pacgan.PRESETS[preset], seed=3)
    args = build_parser().parse_args(["gan", "train", "--data", "grid", "--pack", "2", "--preset", preset,
                                      "--seed", "3", "--model-opt", "d_hidden=200"])  # fmt: skip
    spec, cfg = _train_settings(args)
    assert (spec.pack, spec.loss, spec.seed) == (2, pacgan.PRESETS[preset].loss, 3)
    same = ("steps", "batch", "lr_d", "lr_g", "betas", "update", "lr_decay", "bf16", "d_steps", "g_steps", "seed")
    assert {k: cfg[k] for k in same} == {k: getattr(seen[0], k) for k in same}

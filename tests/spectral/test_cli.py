import json

import numpy as np
import pytest
from sklearn.datasets import make_moons
from sklearn.metrics import adjusted_rand_score

from unsup.cli import main


@pytest.fixture
def moons_csv(tmp_path):
    X, y = make_moons(400, noise=0.05, random_state=0)
    path = tmp_path / "moons.csv"
    np.savetxt(path, X, delimiter=",", header="x,y", comments="")
    return path, y


def test_cluster_happy_path(moons_csv, tmp_path, capsys):
    path, y = moons_csv
    out, plot, eig = tmp_path / "labels.csv", tmp_path / "c.png", tmp_path / "e.png"
    rc = main(
        [
            "cluster",
            str(path),
            "--k",
            "auto",
            "--out",
            str(out),
            "--plot",
            str(plot),
            "--eigen-plot",
            str(eig),
            "--json",
        ]
    )
    assert rc == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n_clusters"] == 2 and result["n_samples"] == 400
    assert {"cut", "ratio_cut", "normalized_cut"} <= set(result)
    labels = np.loadtxt(out, skiprows=1)
    assert adjusted_rand_score(y, labels) == 1.0
    assert plot.stat().st_size > 1000 and eig.stat().st_size > 1000
    # outputs are never silently overwritten
    assert main(["cluster", str(path), "--k", "2", "--out", str(out)]) == 2
    assert "exists" in capsys.readouterr().err


def test_cluster_npy_high_dimensional_plot(tmp_path, capsys):
    X = np.random.default_rng(0).standard_normal((120, 5))
    X[:60] += 8
    np.save(tmp_path / "x.npy", X)
    argv = ["cluster", str(tmp_path / "x.npy"), "--k", "auto", "--plot", str(tmp_path / "p.png"), "--json"]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n_features"] == 5 and result["n_clusters"] == 2 and result["cluster_sizes"] == [60, 60]
    assert result["cut"] == 0  # the two shifted blobs share no kNN edge
    assert (tmp_path / "p.png").stat().st_size > 1000


@pytest.mark.parametrize(
    "content, args, message",
    [
        (None, ["--k", "2"], "no such file"),
        ("1,2\n3,nan\n5,6\n", ["--k", "2"], "non-finite"),
        ("1,2\n3,abc\n5,6\n", ["--k", "2"], "non-numeric"),
        ("1,2\n3,4\n5,6\n", ["--k", "9"], "larger than the number of samples"),
        ("1,2\n3,4\n5,6\n", ["--k", "0"], "--k"),
        ("1,2\n3,4\n5,6\n", ["--affinity", "cosin"], "affinity"),
    ],
)
def test_cluster_bad_input_is_one_line_error(tmp_path, capsys, content, args, message):
    path = tmp_path / "data.csv"
    if content is not None:
        path.write_text(content)
    assert main(["cluster", str(path), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("unsup: error:") and message in err[0]


@pytest.fixture
def wine_csv(tmp_path):
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True)
    path = tmp_path / "wine.csv"
    np.savetxt(path, X, delimiter=",")
    return path, y


def test_cluster_scale_standardises_columns(wine_csv, tmp_path):
    # wine's columns span 0.1 (hue) to 1,680 (proline): unscaled, proline alone decides the kNN graph.
    path, y = wine_csv
    ari = {}
    for scale in ("none", "standard", "robust"):
        out = tmp_path / f"{scale}.csv"
        assert main(["cluster", str(path), "--k", "3", "--scale", scale, "--out", str(out)]) == 0
        ari[scale] = adjusted_rand_score(y, np.loadtxt(out, skiprows=1))
    assert ari["none"] < 0.5 and ari["standard"] > 0.85 and ari["robust"] > 0.8


def test_cluster_metric_and_bad_scale(wine_csv, capsys):
    path, _ = wine_csv
    assert main(["cluster", str(path), "--k", "3", "--scale", "standard", "--metric", "cosine", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_clusters"] == 3
    assert main(["cluster", str(path), "--scale", "zscore"]) == 2
    assert "--scale" in capsys.readouterr().err
    assert main(["cluster", str(path), "--metric", "cosin"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "metric" in err[0]

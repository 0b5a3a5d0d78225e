import math

import numpy as np
import pytest
import torch

from unsup.data.images import decode_triple, load_mnist, stacked_mnist_dataset, to_unit_range
from unsup.metrics.frechet import classifier_features, frechet_distance, kernel_inception_distance
from unsup.metrics.mnist_classifier import WEIGHTS, held_out_split, load_classifier, predict
from unsup.metrics.stacked_mnist import kl_to_uniform, mode_histogram, mode_scores, stacked_mnist_scores


def test_mode_counter_exact_on_planted_modes():
    assert mode_scores(np.full(26_000, 417)) == {"modes": 1, "kl": pytest.approx(math.log(1000)), "n": 26_000}
    every = np.arange(1000).repeat(26)
    assert mode_scores(every) == {"modes": 1000, "kl": pytest.approx(0.0, abs=1e-12), "n": 26_000}
    half = np.arange(0, 1000, 2).repeat(4)  # 500 modes, uniform over them: KL = log 2
    assert mode_scores(half)["modes"] == 500 and mode_scores(half)["kl"] == pytest.approx(math.log(2))
    assert mode_histogram([3, 3, 7], 10).tolist() == [0, 0, 0, 2, 0, 0, 0, 1, 0, 0]
    with pytest.raises(ValueError, match="mode ids"):
        mode_histogram([1000])
    with pytest.raises(ValueError, match="empty"):
        kl_to_uniform(np.zeros(5))


def test_frechet_and_kid_properties():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2000, 4)), rng.normal(size=(2000, 4))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    assert frechet_distance(a, b) < 0.05
    shifted = b + np.array([2.0, 0, 0, 0])  # equal covariances: FD = |mean shift|^2
    assert frechet_distance(a, shifted) == pytest.approx(4.0, rel=0.05)
    scaled = b * 3  # same mean, covariance 9 I: FD = 4 (1 - 3)^2 = 16
    assert frechet_distance(a, scaled) == pytest.approx(16.0, rel=0.1)
    assert abs(kernel_inception_distance(a, b, n_subsets=5, subset_size=500)) < 0.02
    assert kernel_inception_distance(a, shifted, n_subsets=5, subset_size=500) > 0.5
    with pytest.raises(ValueError, match="feature"):
        frechet_distance(a, rng.normal(size=(10, 3)))


@pytest.fixture(scope="module")
def classifier():
    if not WEIGHTS.is_file():
        pytest.fail(f"shipped classifier weights {WEIGHTS} are missing")
    return load_classifier()


def test_classifier_held_out_accuracy(classifier):
    x, y = load_mnist()
    _, test = held_out_split(y, 100, 0)  # the 1,000 digits the shipped weights never saw
    acc = (predict(classifier, to_unit_range(x[test][:, None], 255.0)) == torch.as_tensor(y[test])).float().mean()
    assert acc >= 0.98


def test_real_stacked_digits_cover_their_triples(classifier):
    data = stacked_mnist_dataset(3000, seed=1)
    x = data.images
    scores = stacked_mnist_scores(x, classifier)
    true = mode_scores(data.labels)
    assert abs(scores["modes"] - true["modes"]) <= 15  # ~950 distinct triples among 3,000 draws
    from unsup.metrics.stacked_mnist import classify_channels

    digits = classify_channels(x, classifier)
    assert (digits == decode_triple(data.labels)).all(1).float().mean() > 0.95  # whole triples right
    # a batch of one repeated stacked image is exactly one mode
    assert stacked_mnist_scores(x[:1].repeat(50, 1, 1, 1), classifier)["modes"] == 1
    # real vs real features are close; real vs noise far
    f_real = classifier_features(x[:1000], classifier)
    f_real2 = classifier_features(stacked_mnist_dataset(1000, seed=2).images, classifier)
    f_noise = classifier_features(torch.rand(1000, 3, 28, 28) * 2 - 1, classifier)
    assert frechet_distance(f_real, f_real2) * 10 < frechet_distance(f_real, f_noise)


def test_digits_label_judge_held_out_accuracy():
    from sklearn.datasets import load_digits

    from unsup.metrics.image_scores import digits_judge

    d = load_digits()
    perm = np.random.default_rng(0).permutation(len(d.target))
    judge = digits_judge(tuple(perm[:1400].tolist()))
    assert (judge.predict(d.data[perm[1400:]]) == d.target[perm[1400:]]).mean() > 0.97


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")  # users' files still are
def test_user_torchscript_feature_extractor(tmp_path):
    from unsup.metrics.frechet import load_feature_extractor

    class Pool(torch.nn.Module):  # stands in for a traced Inception: [N, 3, 299, 299] in [0, 1] -> [N, 3]
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x.mean((2, 3))

    path = tmp_path / "pool.pt"
    torch.jit.script(Pool()).save(str(path))
    extract = load_feature_extractor(path)
    grey = torch.zeros(4, 1, 8, 8)  # mid-grey in [-1, 1] -> 0.5 in [0, 1], repeated to 3 channels
    np.testing.assert_allclose(extract(grey), np.full((4, 3), 0.5), atol=1e-6)
    (tmp_path / "junk.pt").write_bytes(b"junk")
    with pytest.raises(ValueError, match="TorchScript"):
        load_feature_extractor(tmp_path / "junk.pt")
    with pytest.raises(FileNotFoundError):
        load_feature_extractor(tmp_path / "missing.pt")


def test_second_judge_is_independent_and_accurate():
    from unsup.metrics.mnist_classifier import JUDGES, LeNet

    arch, path, seed = JUDGES["lenet"]
    assert arch is LeNet and seed != JUDGES["cnn"][2] and path.is_file()
    judge = load_classifier(arch="lenet")
    x, y = load_mnist()
    _, test = held_out_split(y, 100, seed)  # the digits its training run (seed 1) held out
    acc = (predict(judge, to_unit_range(x[test][:, None], 255.0)) == torch.as_tensor(y[test])).float().mean()
    assert acc >= 0.97
    with pytest.raises(ValueError, match="arch"):
        load_classifier(arch="resnet")


def test_bench_scores_with_both_judges_and_states_their_spread():
    from unsup.repro.stacked_mnist import judge_scores, judge_spread, summarize

    data = stacked_mnist_dataset(600, seed=3)
    s = judge_scores(data.images)
    true = mode_scores(data.labels)["modes"]
    assert abs(s["modes"] - true) <= 10 and abs(s["modes_lenet"] - true) <= 20  # both read real digits
    base = {"d_preset": "quarter", "steps": 10}
    results = [
        {**base, "pack": 1, "modes": 300, "kl": 3.0, "modes_lenet": 420, "kl_lenet": 2.4},
        {**base, "pack": 2, "modes": 450, "kl": 2.2, "modes_lenet": 530, "kl_lenet": 2.1},
        {**base, "pack": 2, "modes": 470, "kl": 2.0},  # scored before the second judge: left out of its columns
    ]
    rows = summarize(results)
    assert rows[1]["modes_mean"] == 460 and rows[1]["modes_lenet_mean"] == 530
    spread = judge_spread(results)
    assert spread["modes_max"] == 120 and spread["kl_max"] == pytest.approx(0.6) and spread["trials"] == 2
    assert spread["same_kl_ranking"] and spread["same_modes_ranking"]
    assert judge_spread(results[2:]) is None

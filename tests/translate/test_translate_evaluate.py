import pytest

from unsup.translate.data import digits_pair
from unsup.translate.evaluate import _CNNJudge, accuracy, digit_judge


def test_cnn_judge_learns_a_domain_and_bad_judge_is_refused():
    _, _, b, yb = digits_pair(True, 0)
    _, _, tb, tyb = digits_pair(False, 0)
    judge = _CNNJudge(b[:400], yb[:400], seed=0, epochs=4)  # 2 CPU-seconds; the benchmark's judge has 15 epochs
    assert judge.predict(tb[:5].flatten(1).numpy()).shape == (5,)
    assert accuracy(judge, tb, tyb) > 0.5  # held-out digits, chance is 0.1
    with pytest.raises(ValueError, match="judge"):
        digit_judge(b[:10], yb[:10], "knn")

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from is_keras.metrics import one_minus_auc


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("classes", [2, 3, 10])
def test_equals_scikit_learn_macro_ovr(seed, classes):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, size=300)
    y[:classes] = np.arange(classes)  # every class present
    logits = rng.normal(size=(300, classes)) + 1.5 * np.eye(classes)[y] * rng.random()
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    if classes == 2:
        expected = 1 - roc_auc_score(y, p[:, 1])
    else:
        expected = 1 - roc_auc_score(y, p, multi_class="ovr", average="macro")
    assert one_minus_auc(y, p) == pytest.approx(expected, abs=1e-12)


def test_ties_count_one_half_like_scikit_learn():
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    p = np.array([[0.5, 0.25, 0.25]] * 8)
    p[1] = [0.2, 0.6, 0.2]
    expected = 1 - roc_auc_score(y, p, multi_class="ovr", average="macro")
    assert one_minus_auc(y, p) == pytest.approx(expected)


def test_perfect_and_inverted_scores():
    y = np.array([0, 1, 2, 1])
    perfect = np.eye(3)[y]
    assert one_minus_auc(y, perfect) == 0.0
    assert one_minus_auc(y, 1 - perfect) == 1.0


def test_absent_classes_are_left_out_of_the_mean():
    y = np.array([0, 0, 2, 2])
    p = np.array([[0.8, 0.1, 0.1], [0.6, 0.2, 0.2], [0.3, 0.1, 0.6], [0.7, 0.1, 0.2]])
    expected = 1 - np.mean([roc_auc_score(y == c, p[:, c]) for c in (0, 2)])
    assert one_minus_auc(y, p) == pytest.approx(expected)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="two classes"):
        one_minus_auc([1, 1], [[0.1, 0.9], [0.2, 0.8]])
    with pytest.raises(ValueError, match=r"shape \(N, C\)"):
        one_minus_auc([0, 1], [0.1, 0.9])
    with pytest.raises(ValueError, match=r"labels in \[0, 2\)"):
        one_minus_auc([0, 2], [[0.1, 0.9], [0.2, 0.8]])
    with pytest.raises(ValueError, match="NaN"):
        one_minus_auc([0, 1], [[np.nan, 0.9], [0.2, 0.8]])

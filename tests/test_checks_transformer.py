"""The checks of lean/TBN/Transformer.lean pass, and the statements they test can fail."""
import mpmath
import pytest

from tbn.checks import transformer as C
from tbn.checks._base import tolerance

PRECISION = 50
NAMES = [n for n in C.__all__ if n.startswith("check_")]


@pytest.mark.parametrize("name", NAMES)
def test_check_passes(name):
    result = getattr(C, name)(PRECISION, 12, 5)
    assert result.instances == 12
    assert result.max_deviation <= tolerance(PRECISION), result.worst_case


def test_ties_are_not_an_indicator():
    # without a unique maximiser the weights are shared: the unique-max statement needs its
    # hypothesis (a tie at 1e-60 below the working precision would be a real tie)
    with mpmath.workdps(PRECISION):
        alpha, out = C.attention_row([mpmath.mpf(3), mpmath.mpf(3), mpmath.mpf(1)],
                                     [mpmath.mpf(10), mpmath.mpf(20), mpmath.mpf(30)],
                                     "hard", None, PRECISION)
    assert abs(alpha[0] - mpmath.mpf(1) / 2) < tolerance(PRECISION)
    assert abs(out - 10) > 1  # not the value of either maximiser


def test_near_tie_is_resolved_exactly():
    with mpmath.workdps(PRECISION + 20):
        s = [mpmath.mpf(5), mpmath.mpf(5) + mpmath.mpf(10) ** -30]
        alpha, out = C.attention_row(s, [mpmath.mpf(1), mpmath.mpf(2)], "hard", None, PRECISION + 20)
    assert alpha[1] == 1 and alpha[0] == 0 and out == 2


def test_softmax_is_not_hard_attention():
    # finite temperature never gives an exact indicator: the paper's softmax-as-hardmax slip
    with mpmath.workdps(PRECISION):
        alpha, _ = C.attention_row([mpmath.mpf(0), mpmath.mpf(1)], [0, 0], "softmax",
                                   mpmath.mpf(20), PRECISION)
        assert 0 < alpha[0] < mpmath.mpf(10) ** -8
        assert abs(alpha[0] - mpmath.exp(-20) / (1 + mpmath.exp(-20))) < tolerance(PRECISION)

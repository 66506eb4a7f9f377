"""The checks of lean/TBN/Softmax.lean pass, and fail on deliberately false variants."""
import random

import mpmath
import pytest

from tbn.checks import softmax as C
from tbn.checks._base import tolerance

PRECISION = 50
NAMES = [n for n in C.__all__ if n.startswith("check_")]


@pytest.mark.parametrize("name", NAMES)
def test_check_passes(name):
    result = getattr(C, name)(PRECISION, 8, 7)
    assert result.instances == 8
    assert result.max_deviation <= tolerance(PRECISION), result.worst_case


def _tight_top_case(n=5):
    with mpmath.workdps(PRECISION + C.GUARD):
        gap, eps = mpmath.mpf(1) / 2, mpmath.mpf(1) / 1000
        s = [mpmath.mpf(3) - gap] * n
        s[2] = mpmath.mpf(3)
        lam = C.min_inverse_temperature(n, gap, eps)
        return s, 2, gap, eps, lam


def test_bound_is_attained_and_lambda_cannot_shrink():
    case = _tight_top_case()
    assert C.top_weight_violation(case, PRECISION) <= tolerance(PRECISION)
    assert C.top_weight_violation(case, PRECISION, slack=0.9) > mpmath.mpf(10) ** -5


def test_gather_constant_two_is_needed():
    rng = random.Random(0)
    worst = mpmath.mpf(0)
    for _ in range(30):
        case = C._gather_case(rng, False)
        worst = max(worst, C.gather_violation(case, PRECISION, factor=1.5))
    assert worst > mpmath.mpf(10) ** -12


def test_error_bound_is_tight_on_extremal_sequences():
    with mpmath.workdps(PRECISION):
        eps, T = mpmath.mpf(1) / 100, 3
        m = [mpmath.mpf(2) ** t for t in range(T + 1)]
        e = [mpmath.mpf(0)]
        for t in range(T):
            e.append(2 * e[t] + 4 * eps * m[t])
        assert abs(e[T] - T * 2 ** (T + 1) * eps * m[0]) < tolerance(PRECISION)
        # a bound one notch smaller (T 2^T eps m_0) would be violated
        assert e[T] > T * 2 ** T * eps * m[0]

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


def test_soft_layer_bound_is_not_vacuous():
    # at a moderate temperature the error is a sizeable fraction of the bound: a bound ten times
    # smaller fails on some instance
    rng = random.Random(2)
    worst = mpmath.mpf(0)
    for _ in range(20):
        code, n, width, nb0, nb1, l = C._draw_state(rng, 2, 6)
        layer = C.softmax_layer(C.explicit_oplus_layer(width, code), mpmath.mpf(2))
        case = (code, n, width, nb0, nb1, l, layer, rng.randint(1, 3))
        worst = max(worst, C.soft_layer_violation(case, PRECISION, factor=0.1))
    assert worst > mpmath.mpf(10) ** -6


def test_construction_bound_fails_when_shrunk():
    rng = random.Random(4)
    worst = mpmath.mpf(0)
    for _ in range(25):
        code, n, width, nb0, nb1, l = C._draw_state(rng, 2, 6)
        with mpmath.workdps(PRECISION + C.GUARD):
            eps = mpmath.mpf(1) / 10
        case = (code, n, width, nb0, nb1, l, eps, rng.randint(1, 3))
        worst = max(worst, C.construction_violation(case, PRECISION, factor=0.01))
    assert worst > mpmath.mpf(10) ** -6

"""Log-odds algebra against closed forms and exact rationals."""
from fractions import Fraction

import mpmath
import pytest
from hypothesis import example, given, strategies as st

from tbn.algebra import logit, mp_logit, mp_oplus, mp_sigmoid, mp_softplus, oplus, sigmoid, softplus

probs = st.fractions(min_value=Fraction(1, 10**6), max_value=1 - Fraction(1, 10**6))


def test_paper_running_example_is_exact():
    # like(jack, jill) = 0.8, like(jill, jack) = 0.4: date = 0.32 / 0.44 (paper, running example)
    assert oplus(Fraction(4, 5), Fraction(2, 5)) == Fraction(32, 100) / Fraction(44, 100)


@given(probs, probs)
@example(Fraction(1, 2), Fraction(1, 3))
def test_oplus_is_sigmoid_of_summed_logits(a, b):
    with mpmath.workdps(60):
        lhs = mp_oplus(mpmath.mpf(a.numerator) / a.denominator, mpmath.mpf(b.numerator) / b.denominator)
        rhs = mp_sigmoid(mp_logit(mpmath.mpf(a.numerator) / a.denominator)
                         + mp_logit(mpmath.mpf(b.numerator) / b.denominator))
        assert abs(lhs - rhs) < mpmath.mpf(10) ** -50


@given(probs)
def test_half_is_identity_and_complement_is_inverse(a):
    assert oplus(a, Fraction(1, 2)) == a
    assert oplus(a, 1 - a) == Fraction(1, 2)


@pytest.mark.parametrize("x", [-800.0, -30.0, -1.0, 0.0, 2.5, 40.0, 800.0])
def test_float_forms_are_stable_and_match_mpmath(x):
    with mpmath.workdps(40):
        assert sigmoid(x) == pytest.approx(float(mp_sigmoid(x)), rel=1e-15, abs=1e-300)
        assert softplus(x) == pytest.approx(float(mp_softplus(x)), rel=1e-15, abs=1e-300)


def test_logit_endpoints_are_infinite_and_outside_is_an_error():
    assert logit(0.0) == float("-inf") and logit(1.0) == float("inf")
    with pytest.raises(ValueError):
        logit(1.5)
    with pytest.raises(ZeroDivisionError):
        oplus(Fraction(0), Fraction(1))

"""The checks of lean/TBN/FactorGraph.lean pass, and fail on deliberately false variants.

Independent references: a hand-computed two-variable model and `tbn.exact.marginals`.
"""
import random
from fractions import Fraction

import mpmath
import pytest

from tbn.checks import factor_graph as fgc
from tbn.checks._base import tolerance
from tbn.checks._draws import negative_part
from tbn.exact import marginals

CHECKS = [getattr(fgc, name) for name in fgc.__all__ if name.startswith("check_")]


@pytest.mark.parametrize("check", CHECKS, ids=lambda f: f.__name__)
def test_check_passes(check):
    result = check(precision=50, instances=12, seed=3)
    assert result.instances == 12
    assert result.max_deviation <= tolerance(50), result.worst_case


def test_hand_computed_marginal():
    # One factor f(x0, x1) = [[1, 3], [2, 1]]: Z = 7, P(x0 = 0) = 4/7, P(x1 = 1) = 4/7.
    table = {(0, 0): Fraction(1), (0, 1): Fraction(3), (1, 0): Fraction(2), (1, 1): Fraction(1)}
    g = fgc.LeanGraph(2, 2, (((0, 1), table),))
    with mpmath.workdps(50):
        assert fgc.partition(g) == 7
        assert fgc.marginal(g, 0) == [mpmath.mpf(4) / 7, mpmath.mpf(3) / 7]
        assert fgc.marginal(g, 1) == [mpmath.mpf(3) / 7, mpmath.mpf(4) / 7]


def test_forgetting_a_factor_is_caught():
    # A "joint" that drops the last factor no longer gives the marginals of tbn.exact.
    rng = random.Random(4)
    worst = 0
    with mpmath.workdps(50):
        for _ in range(30):
            g = fgc.random_graph(rng, empty_scopes=False, positive=True)
            if len(g.factors) < 2:
                continue
            dropped = fgc.LeanGraph(g.n, g.k, g.factors[:-1])
            exact = marginals(fgc.to_factor_graph(g), arithmetic="mpmath", dps=50)
            for i in range(g.n):
                worst = max(worst, max(abs(a - b) for a, b in
                                       zip(fgc.marginal(dropped, i), exact[f"x{i}"])))
    assert worst > 1e-2


def test_evidence_on_the_wrong_variable_is_caught():
    # The joint_withEvidence comparison with the evidence applied to the next variable.
    rng = random.Random(6)
    worst = 0
    with mpmath.workdps(50):
        for _ in range(20):
            g = fgc.random_graph(rng, positive=True)
            if g.n < 2 or g.k < 2:
                continue
            ev = [[Fraction(rng.randint(1, 9)) for _ in range(g.k)] for _ in range(g.n)]
            with_ev = fgc.with_evidence(g, ev)
            for x in fgc.assignments(g):
                wrong = fgc.joint(g, x)
                for i in range(g.n):
                    wrong *= ev[i][x[(i + 1) % g.n]]
                worst = max(worst, abs(fgc.joint(with_ev, x) - wrong) / fgc.joint(with_ev, x))
    assert worst > 1e-2


def test_negative_table_would_fail_nonnegativity():
    # The nonnegativity checks measure the negative part: a negative entry is reported.
    g = fgc.LeanGraph(1, 2, (((0,), {(0,): Fraction(-1), (1,): Fraction(2)}),))
    with mpmath.workdps(50):
        assert negative_part(fgc.joint(g, x) for x in fgc.assignments(g)) == 1

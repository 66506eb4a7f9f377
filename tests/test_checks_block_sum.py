"""The checks of lean/TBN/BlockSum.lean pass; the ReadsOnly twin is Lean's definition; the
block identities fail when their disjointness hypotheses are dropped."""
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from tbn.checks import block_sum as bs
from tbn.checks._base import tolerance

CHECKS = [getattr(bs, name) for name in bs.__all__ if name.startswith("check_")]


@pytest.mark.parametrize("check", CHECKS, ids=lambda f: f.__name__)
def test_check_passes(check):
    result = check(precision=50, instances=30, seed=5)
    assert result.instances == 30
    assert result.max_deviation <= tolerance(50), result.worst_case


def test_reads_only_is_the_lean_definition():
    # Literally: for all x, y agreeing on S, f x = f y (double loop), on random functions that
    # read a random set R (so ReadsOnly f S holds iff R's coordinates that matter lie in S).
    rng = random.Random(2)
    for _ in range(40):
        n, k = rng.randint(0, 3), rng.randint(1, 3)
        f = bs.reading(rng, n, k, bs._subset(rng, range(n), 0.5))
        S = bs._subset(rng, range(n), 0.5)
        xs = bs.all_assignments(n, k)
        literal = all(f[x] == f[y] for x in xs for y in xs if all(x[j] == y[j] for j in S))
        assert bs.reads_only(f, S) == literal


def test_reads_only_ite_needs_j_in_s():
    # Cutting to x j = v with j outside S no longer reads S (k >= 2, f nonzero).
    n, k, S, j = 2, 2, {0}, 1
    f = {x: Fraction(1 + x[0]) for x in bs.all_assignments(n, k)}
    cut = {x: f[x] if x[j] == 0 else Fraction(0) for x in f}
    assert bs.reads_only(f, S) and not bs.reads_only(cut, S)


def test_fiber_constant_is_the_fiber_count():
    # The constant of sum_mul_fiber is the fiber size k ** (n - 1), the same for every G.
    rng = random.Random(3)
    for _ in range(20):
        n, k, j, S, T, F, Gs = bs._mul_fiber_case(rng)
        N = bs.fiber_count(n, k, j, 0)
        assert N == k ** (n - 1)
        for G in Gs:
            lhs, rhs = bs.mul_fiber_sides(G, F, j)
            assert lhs == N * rhs


def test_overlapping_blocks_break_the_identity():
    # Blocks sharing a coordinate: no constant works (large gap on some instance).
    rng = random.Random(4)
    gaps = [bs.prod_blocks_deviation(bs.prod_blocks_case(rng, overlap=True), 50)
            for _ in range(30)]
    assert max(gaps) > 0.5
    assert sum(g > 1e-3 for g in gaps) > 15


def test_fiber_with_s_meeting_t_fails():
    # sum_mul_fiber without Disjoint S T: G and F both read coordinate 1.
    rng = random.Random(5)
    worst = 0
    for _ in range(20):
        n, k = 3, 2
        F = bs.reading(rng, n, k, {0, 1}, signed=False)
        Gs = [bs.reading(rng, n, k, {1, 2}, signed=False) for _ in range(3)]
        worst = max(worst, bs.common_constant_gap(bs.mul_fiber_sides(G, F, 0) for G in Gs))
    assert worst > 0.1


def test_one_constant_for_all_g_is_required():
    # common_constant_gap rejects per-G constants: lhs = 2 rhs for one G, 3 rhs for another.
    assert bs.common_constant_gap([(Fraction(2), Fraction(1)), (Fraction(3), Fraction(1))]) > 0.3
    assert bs.common_constant_gap([(Fraction(-2), Fraction(1))]) == 1  # c must be positive
    assert bs.common_constant_gap([(Fraction(0), Fraction(0)), (Fraction(4), Fraction(2))]) == 0


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10 ** 6))
def test_prod_blocks_holds_for_random_blocks(seed):
    case = bs.prod_blocks_case(random.Random(seed))
    assert bs.prod_blocks_deviation(case, 50) == 0

"""The checks of lean/TBN/Concepts.lean pass, and fail on deliberately false variants.

Independent references: small counts by hand (2^2 = 4 maps on two states, 2*3^2 = 18 keys), and
attention rows whose scores depend on the token position, not only on its key.
"""
import itertools
import random

import mpmath
import pytest

from tbn.checks import concepts as C
from tbn.checks._base import tolerance

CHECKS = [getattr(C, name) for name in C.__all__ if name.startswith("check_")]


@pytest.mark.parametrize("check", CHECKS, ids=lambda f: f.__name__)
def test_check_passes(check):
    result = check(precision=30, instances=15, seed=2)
    assert result.max_deviation <= tolerance(30), result.worst_case


def test_small_counts_by_hand():
    assert sorted(itertools.product(range(2), repeat=2)) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert len(list(itertools.product(range(2), range(3), range(3)))) == 18
    # An automaton over 5 symbols on 2 states: symbols 0 and 3 act identically.
    delta = [[0, 1, 1, 0, 0], [1, 1, 0, 1, 0]]
    assert C.behaviours(delta, 2) == {(0, 1), (1, 1), (1, 0), (0, 0)}


def test_a_smaller_bound_is_false():
    # All n^n maps are distinct behaviours, so n^(n-1) is exceeded.
    n = 3
    every_map = list(itertools.product(range(n), repeat=n))
    full = [[f[q] for f in every_map] for q in range(n)]
    assert len(C.behaviours(full, n)) == 27 > n ** (n - 1)


def test_position_dependent_scores_break_equal_rows():
    rng = random.Random(0)
    with mpmath.workdps(40):
        keys, table, lam = C._rows_case(rng)
        tokens = list(enumerate(keys))
        rows = C.attention_rows(lambda s: C.softmax_row(lam, s),
                                lambda a, b: (1 + a[0]) * mpmath.mpf(table[(a[1], b[1])]) + b[0],
                                tokens)
        assert C._max_gap_between_equal_keys(rows, keys) > 1e-6


def test_hard_row_ties_share_uniformly():
    assert C.hard_row([1, 3, 3, 0]) == [0, 0.5, 0.5, 0]

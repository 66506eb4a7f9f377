"""The checks of lean/TBN/Construction.lean pass, and fail on deliberately false variants."""
import random

import mpmath
import pytest

from tbn.checks import construction as C
from tbn.checks._base import tolerance

PRECISION = 50
NAMES = [n for n in C.__all__ if n.startswith("check_")]


@pytest.mark.parametrize("name", NAMES)
def test_check_passes(name):
    result = getattr(C, name)(PRECISION, 6, 11)
    assert result.instances >= 6
    assert result.max_deviation <= tolerance(PRECISION), result.worst_case


def test_wrong_update_is_caught():
    rng = random.Random(3)
    worst = max(C.layer_deviation(C.draw_case(rng, "binary", 5), "binary", PRECISION, wrong=True)
                for _ in range(5))
    assert worst > 1


def test_wrong_iterate_is_caught():
    case = (3, 3, [1, 2, 0], [2, 0, 1], [mpmath.mpf(1), mpmath.mpf(2), mpmath.mpf(-5)])
    assert C.iterate_deviation(case, "one_hot", 2, PRECISION, wrong=True) > 1
    assert C.iterate_deviation(case, "one_hot", 2, PRECISION) <= tolerance(PRECISION)


def test_encoder_refuses_binary_codes_too_narrow():
    # 5 tokens need 3 bits (the hypothesis n <= 2^B of the binary theorems); at width 2 two tokens
    # would share a code, so the Python encoder refuses instead of routing wrongly.
    case = (5, 2, [4, 0, 1, 2, 3], [3, 4, 0, 1, 2],
            [mpmath.mpf(v) for v in (1, 2, 3, 4, 50)])
    from tbn.transformer.weights import explicit_oplus_layer
    from tbn.errors import ModelError
    with pytest.raises(ModelError):  # the Python encoder refuses the collision outright
        C.layer_deviation(case, "binary", PRECISION, explicit_oplus_layer(2, "binary"))


def test_swapped_gather_is_caught():
    case = (3, 3, [1, 2, 0], [2, 0, 1], [mpmath.mpf(1), mpmath.mpf(2), mpmath.mpf(-5)])
    assert C.gather_deviation(case, "one_hot", PRECISION, swap=True) > 1
    assert C.gather_deviation(case, "one_hot", PRECISION) <= tolerance(PRECISION)


def test_wrong_or_is_caught():
    g = [mpmath.mpf(v) for v in (7, 1, 2, 1, -1, 1, 1, -1, -1)]
    assert C.ffn_or_deviation(2, g, PRECISION, wrong=True) > 1
    assert C.ffn_or_deviation(2, g, PRECISION) <= tolerance(PRECISION)


def test_routing_violation_detects_bad_codes():
    # a scalar index code (the paper's): its dot product peaks at the largest index
    assert C.routing_violation(lambda k: [k], 3, 1) == 1
    assert C.routing_violation(lambda k: [1, 1], 2, 2) == 1  # two equal codes
    assert C.routing_violation(lambda k: [1 if k == b else 0 for b in range(3)], 3, 3) == 0


def test_softmax_layer_is_not_hard_bp_but_is_its_linear_map():
    from tbn.transformer.softmax import softmax_layer
    from tbn.transformer.weights import explicit_oplus_layer
    case = (3, 3, [1, 2, 0], [2, 0, 1], [mpmath.mpf(1), mpmath.mpf(2), mpmath.mpf(-5)])
    soft = softmax_layer(explicit_oplus_layer(3, "one_hot"), mpmath.mpf(3))
    assert C.layer_with_deviation(case, "one_hot", soft, PRECISION) <= tolerance(PRECISION)
    assert C.layer_with_deviation(case, "one_hot", soft, PRECISION, swap=True) > mpmath.mpf(10) ** -3
    # and at a finite temperature it is not the hard oplus-BP step
    assert C.layer_deviation(case, "one_hot", PRECISION, soft) > mpmath.mpf(10) ** -3


def test_gap_is_exactly_one_and_two():
    from tbn.transformer.weights import binary_code, one_hot_code
    assert C.gap_violation(lambda k: one_hot_code(k, 4), 4, 4, 1) == 0
    assert C.gap_violation(lambda k: one_hot_code(k, 4), 4, 4, 2) == 1
    assert C.gap_violation(lambda k: binary_code(k, 3), 8, 3, 2) == 0
    assert C.gap_violation(lambda k: binary_code(k, 3), 8, 3, 3) == 1

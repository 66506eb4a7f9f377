"""The checks of lean/TBN/WeightedBP.lean pass, and fail on deliberately false variants."""
import random

import mpmath
import pytest

from tbn.checks import weighted_bp as C
from tbn.checks._base import tolerance
from tbn.transformer.implicit import WeightedGraph

PRECISION = 50
NAMES = [n for n in C.__all__ if n.startswith("check_")]


@pytest.mark.parametrize("name", NAMES)
def test_check_passes(name):
    result = getattr(C, name)(PRECISION, 12, 3)
    assert result.instances == 12
    assert result.max_deviation <= tolerance(PRECISION), result.worst_case


def _drop_self_term(graph):
    # the bias carries the token's own stream; a graph without it is a false variant
    return WeightedGraph(graph.edges, graph.head_weights, tuple(0 * b for b in graph.bias))


def _uniform_edges(graph):
    # edges that ignore the input: G(W) instead of G(W, x)
    n = graph.n
    flat = tuple(tuple(tuple(mpmath.mpf(1) / n for _ in range(n)) for _ in range(n))
                 for _ in graph.edges)
    return WeightedGraph(flat, graph.head_weights, graph.bias)


@pytest.mark.parametrize("perturb", [_drop_self_term, _uniform_edges])
def test_false_variants_are_caught(perturb):
    rng = random.Random(5)
    worst = max(C.unit_out_deviation(C.draw_bp_layer(rng), PRECISION, perturb)
                for _ in range(25))
    assert worst > mpmath.mpf(10) ** -6

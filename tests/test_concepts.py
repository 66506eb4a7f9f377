"""Concept counts (SPEC 3.7) against enumeration for small n."""
import itertools
import random

import pytest

from tbn.concepts import (behaviour_count, find_collision, function_count, routing_key_count,
                          routing_keys, separated_count, verifier_capacity)
from tbn.errors import ModelError
from tbn.transformer import encode_oplus_state, explicit_oplus_layer
from tbn.transformer.uniqueness import probe_attention


@pytest.mark.parametrize("n", range(0, 5))
def test_function_count_is_n_to_the_n_by_enumeration(n):
    maps = set(itertools.product(range(n), repeat=n))
    assert function_count(n) == len(maps)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_behaviours_never_exceed_n_to_the_n_and_reach_it(n):
    rng = random.Random(n)
    big = [tuple(rng.randrange(n) for _ in range(n)) for _ in range(5 * n ** n + 7)]
    assert behaviour_count(n, big, lambda j, a: a[j]) <= n ** n
    every = list(itertools.product(range(n), repeat=n))
    assert behaviour_count(n, every * 3, lambda j, a: a[j]) == n ** n
    with pytest.raises(ModelError):
        behaviour_count(n, [0], lambda j, a: n)


def test_verifier_separates_at_most_r_to_the_q():
    # concepts: all Boolean functions on 3 points; tests: evaluate at a point (r = 2)
    concepts = list(itertools.product((0, 1), repeat=3))
    for q in range(4):
        tests = [lambda c, i=i: c[i] for i in range(q)]
        assert separated_count(concepts, tests) == verifier_capacity(q, 2) == 2 ** q
    # three-outcome tests on integers
    tests = [lambda c: c % 3, lambda c: (c // 3) % 3]
    assert separated_count(range(100), tests) == 9 == verifier_capacity(2, 3)


def test_infinite_concepts_always_collide():
    naturals = itertools.count()
    tests = [lambda c: c % 2, lambda c: (c * c) % 3, lambda c: int(c > 10)]
    a, b = find_collision(naturals, tests, outcomes=3)
    assert a != b and [t(a) for t in tests] == [t(b) for t in tests]
    with pytest.raises(ModelError, match="more than 2"):
        find_collision(itertools.count(), [lambda c: c % 3], outcomes=2)
    with pytest.raises(ModelError, match="fewer"):
        find_collision(range(2), [lambda c: c], outcomes=2)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_routing_keys_count_and_equal_keys_share_attention_rows(n):
    keys = routing_keys(n)
    assert len(set(keys)) == len(keys) == routing_key_count(n) == 2 * n * n
    rng = random.Random(n)
    nb = [[rng.randrange(n) for _ in range(n)] for _ in (0, 1)]
    width = max(1, (n - 1).bit_length())
    X = encode_oplus_state(nb[0], nb[1], [0.0] * n, width)
    layer = explicit_oplus_layer(width)
    for h in (0, 1):
        rows = probe_attention(layer, X, h)
        for j, k in itertools.product(range(n), repeat=2):
            if nb[h][j] == nb[h][k]:  # same (type, neighbour): the same row
                assert rows[j] == rows[k]

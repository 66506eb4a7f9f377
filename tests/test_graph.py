"""Factor-graph validation, evidence checks and structure (tree test, components, diameter)."""
from fractions import Fraction

import mpmath
import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tbn.errors import EvidenceError, ModelError
from tbn.graph import Factor, FactorGraph, Logistic, Variable


def chain(n):
    """v0 - v1 - ... - v(n-1) with one pairwise factor per link."""
    return FactorGraph.build({f"v{i}": 2 for i in range(n)},
                             [((f"v{i}", f"v{i + 1}"), [[1, 2], [3, 4]]) for i in range(n - 1)])


def test_validation_reports_every_problem_at_once():
    with pytest.raises(ModelError) as info:
        FactorGraph((Variable("a", ("0", "1")), Variable("b", ("x", "x")), Variable("b", ("y",)),
                     Variable("e", ())),
                    (Factor(("a", "zz"), np.ones((2, 2))),
                     Factor(("a",), np.array([1.0, -1.0])),
                     Factor(("a",), np.array([np.nan, 1.0])),
                     Factor(("a",), np.array([0.0, 0.0])),
                     Factor(("a",), np.ones(3)),
                     Factor(("a", "a"), np.ones((2, 2))),
                     Factor(("a",), np.array([np.inf, 1.0]))))
    message = str(info.value)
    for part in ("declared twice", "empty domain", "unknown variable(s) ['zz']",
                 "negative entries", "NaN entries", "all zeros", "table shape (3,)",
                 "repeats a variable", "infinite entries"):
        assert part in message


def test_exact_tables_are_validated_and_converted():
    with pytest.raises(ModelError, match="exact table shape"):
        FactorGraph((Variable("a", ("0", "1")),),
                    (Factor(("a",), np.ones(2), exact=np.array([Fraction(1)], dtype=object)),))
    with pytest.raises(ModelError, match="nonnegative Fractions"):
        FactorGraph((Variable("a", ("0", "1")),),
                    (Factor(("a",), np.ones(2), exact=np.array([Fraction(1), -Fraction(1)],
                                                                 dtype=object)),))
    f = Factor(("a",), np.array([0.1, 0.9]), exact=np.array(["0.1", "9e-1"]))
    assert f.rational_table().tolist() == [Fraction(1, 10), Fraction(9, 10)]
    with mpmath.workdps(40):
        assert abs(f.mp_table()[0] - mpmath.mpf(1) / 10) < mpmath.mpf(10) ** -39
    g = Factor(("a",), np.array([0.5, 0.5]), exact=np.array([Logistic(Fraction(0)),
                                                              Logistic(Fraction(3))], dtype=object))
    with pytest.raises(ModelError, match="irrational"):
        g.rational_table()
    with mpmath.workdps(50):
        assert abs(g.mp_table()[1] - 1 / (1 + mpmath.exp(-3))) < mpmath.mpf(10) ** -49
    assert float(Logistic(Fraction(-800))) == 0.0 and float(Logistic(Fraction(3))) == pytest.approx(
        1 / (1 + np.exp(-3)), rel=1e-15)


def test_evidence_checks_name_every_problem():
    fg = FactorGraph.build({"rain": ["no", "yes"], "temp": 3}, [])
    assert fg.check_evidence({"rain": 1, "temp": np.int64(2)}) == {"rain": 1, "temp": 2}
    assert fg.check_evidence(None) == {}
    with pytest.raises(EvidenceError) as info:
        fg.check_evidence({"snow": 0, "rain": 2, "temp": True})
    message = str(info.value)
    assert "unknown variable 'snow'" in message
    assert "rain: state index 2 outside 0..1" in message
    assert "temp: state index must be an integer, got True" in message
    assert fg.evidence_by_name({"rain": "yes", "temp": "0"}) == {"rain": 1, "temp": 0}
    with pytest.raises(EvidenceError) as info:
        fg.evidence_by_name({"rain": "maybe", "hail": "yes"})
    assert "rain: value 'maybe' not in its domain ['no', 'yes']" in str(info.value)
    assert "unknown variable 'hail'" in str(info.value)


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_chain_is_a_tree_with_diameter_two_per_link(n):
    fg = chain(n)
    assert fg.is_tree()
    assert fg.diameter() == 2 * (n - 1)
    assert fg.connected_components() == [tuple(f"v{i}" for i in range(n))]


def test_cycles_and_forests_are_not_trees():
    doubled = FactorGraph.build({"a": 2, "b": 2}, [(("a", "b"), np.ones((2, 2)))] * 2)
    assert not doubled.is_tree()  # a - f1 - b - f2 - a
    triangle = FactorGraph.build({x: 2 for x in "abc"},
                                 [(p, np.ones((2, 2)))
                                  for p in (("a", "b"), ("b", "c"), ("c", "a"))])
    assert not triangle.is_tree()
    assert triangle.diameter() == 3  # a factor is 3 bipartite steps from the opposite factor
    forest = FactorGraph.build({"a": 2, "b": 2}, [])
    assert not forest.is_tree()
    assert forest.connected_components() == [("a",), ("b",)]
    assert forest.diameter() == 0
    # one ternary factor over three variables is a tree (a star), two unary factors too
    star = FactorGraph.build({x: 2 for x in "abc"}, [(("a", "b", "c"), np.ones((2, 2, 2))),
                                                     (("a",), [1, 2]), (("a",), [2, 1])])
    assert star.is_tree()
    assert star.diameter() == 3  # b -> factor -> a -> unary factor


@st.composite
def random_graphs(draw):
    n = draw(st.integers(1, 8))
    names = [f"v{i}" for i in range(n)]
    factors = []
    for _ in range(draw(st.integers(0, 8))):
        scope = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
        factors.append((tuple(scope), np.ones((2,) * len(scope))))
    return FactorGraph.build({v: 2 for v in names}, factors)


def bipartite(fg):
    g = nx.Graph()
    g.add_nodes_from(("v", v.name) for v in fg.variables)
    g.add_nodes_from(("f", k) for k in range(len(fg.factors)))
    for k, f in enumerate(fg.factors):
        g.add_edges_from((("f", k), ("v", u)) for u in f.variables)
    return g


@settings(max_examples=150, deadline=None)
@given(random_graphs())
def test_structure_matches_networkx(fg):
    g = bipartite(fg)
    assert fg.is_tree() == nx.is_tree(g)
    expected = sorted(sorted(u for kind, u in comp if kind == "v")
                      for comp in nx.connected_components(g))
    assert sorted(sorted(c) for c in fg.connected_components()) == [c for c in expected if c]
    assert fg.diameter() == max(nx.diameter(g.subgraph(c)) for c in nx.connected_components(g))


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 40), st.randoms(use_true_random=False))
def test_random_trees_pass_the_tree_test(n, rnd):
    # attach each new variable to an earlier one through a pairwise factor: a tree by construction
    factors = [((f"v{rnd.randrange(i)}", f"v{i}"), np.ones((2, 2))) for i in range(1, n)]
    fg = FactorGraph.build({f"v{i}": 2 for i in range(n)}, factors)
    assert fg.is_tree()
    assert fg.diameter() == nx.diameter(bipartite(fg))


def test_axis_order_doctest():
    import doctest

    import tbn.graph
    assert doctest.testmod(tbn.graph).failed == 0

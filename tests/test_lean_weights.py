"""Concrete Lean weight definitions evaluated by the gate's own interpreter.

References: matrices written out by hand, and the transformer package's ``project_dim`` /
``cross_project`` (an independent implementation of docs/ARCHITECTURE.md section 2), summed
here with plain integer arithmetic.
"""
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from tbn.errors import ParseError
from tbn.lean.source import parse_lean_source
from tbn.lean.weights import as_fraction_matrix, compare_matrices, evaluate_weight

weights_mod = pytest.importorskip("tbn.transformer.weights")


def evaluate(term: str, rows: int = 4, cols: int | None = None):
    cols = rows if cols is None else cols
    src = f"def w : Matrix (Fin {rows}) (Fin {cols}) ℚ := {term}\n"
    return evaluate_weight(parse_lean_source(src, "lean/TBN/Weights.lean").declarations[0])


def test_hand_written_example():
    got = evaluate("crossProject 4 2 0 2 - (projectDim 4 1 0 + (-3) • projectDim 4 3 3)"
                   " + 2 • (1 : Matrix (Fin 4) (Fin 4) ℚ)")
    assert got == [[2, -1, 0, 0], [0, 2, 0, 0], [1, 0, 2, 0], [0, 1, 0, 5]]
    assert all(isinstance(x, Fraction) for row in got for x in row)


def test_project_dim_reads_column_i_writes_row_j():
    # ARCHITECTURE 2: (M x)_r = sum_c M[r, c] x_c; projectDim D i j reads dim i, writes dim j.
    m = evaluate("projectDim 3 0 2", 3)
    x = [5, 7, 11]
    assert [sum(m[r][c] * x[c] for c in range(3)) for r in range(3)] == [0, 0, 5]


def test_qualified_family_and_comments_are_accepted():
    src = ("/-- doc -/\ndef w : Matrix (Fin 2) (Fin 2) ℚ :=\n  -- a comment\n"
           "  TBN.Construction.projectDim 2 0 1 /- inline -/ + projectDim 2 1 0\n")
    decl = parse_lean_source(src).declarations[0]
    assert evaluate_weight(decl) == [[0, 1], [1, 0]]


def test_named_ring_argument_is_accepted():
    # Weights.lean pins the implicit entry ring in sums: `projectDim (R := ℚ) D i j`.
    pinned = evaluate("projectDim (R := ℚ) 4 1 0 + TBN.Construction.projectDim (R:=ℚ) 4 2 0"
                      " - crossProject (R := ℚ) 4 2 0 2")
    plain = evaluate("projectDim 4 1 0 + projectDim 4 2 0 - crossProject 4 2 0 2")
    assert pinned == plain == [[0, 1, 1, 0], [0, 0, 0, 0], [-1, 0, 0, 0], [0, -1, 0, 0]]


@pytest.mark.parametrize("term, rows, cols, message", [
    ("projectDim 4 1 7", 4, 4, "writes outside"),
    ("crossProject 4 2 3 0", 4, 4, "writes outside"),
    ("projectDim 5 0 1", 4, 4, "is 5 x 5"),
    ("projectDim 4 0 1", 4, 3, "is 4 x 4"),
    ("projectDim 4 0", 4, 4, "expected 'num'"),
    ("mystery 4 0 1", 4, 4, "unknown matrix family"),
    ("projectDim 4 0 1 * 2", 4, 4, "unexpected"),
    ("(1 : Matrix (Fin 3) (Fin 3) ℚ)", 4, 4, "identity of size"),
    ("2 • ", 4, 4, "expected a matrix|expected"),
    ("projectDim (R := ℝ) 4 0 1", 4, 4, "unexpected text"),
    ("projectDim (S := ℚ) 4 0 1", 4, 4, "expected 'R'"),
    ("projectDim (R := ℚ 4 0 1", 4, 4, "expected '\\)'"),
])
def test_out_of_grammar_definitions_raise(term, rows, cols, message):
    with pytest.raises(ParseError, match=message):
        evaluate(term, rows, cols)


def test_wrong_type_is_rejected():
    src = "def w : Matrix (Fin 2) (Fin 2) ℝ := projectDim 2 0 1"
    decl = parse_lean_source(src).declarations[0]
    with pytest.raises(ParseError, match="must have type"):
        evaluate_weight(decl)


_D = 7
_family = st.one_of(
    st.tuples(st.just("projectDim"), st.integers(0, _D - 1), st.integers(0, _D - 1)),
    st.integers(1, 3).flatmap(lambda b: st.tuples(
        st.just("crossProject"), st.just(b), st.integers(0, _D - b), st.integers(0, _D - b))))
_summand = st.tuples(st.sampled_from([1, -1]), st.integers(-3, 3), _family)


def _reference(parts):
    total = [[0] * _D for _ in range(_D)]
    for sign, scalar, fam in parts:
        m = (weights_mod.project_dim(_D, fam[1], fam[2]) if fam[0] == "projectDim"
             else weights_mod.cross_project(_D, fam[1], fam[2], fam[3]))
        for r in range(_D):
            for c in range(_D):
                total[r][c] += sign * scalar * m[r][c]
    return total


def _lean(parts):
    out = []
    for k, (sign, scalar, fam) in enumerate(parts):
        atom = f"{fam[0]} {_D} " + " ".join(map(str, fam[1:]))
        scal = f"({scalar})" if scalar < 0 else str(scalar)
        text = f"{scal} • ({atom})" if k % 2 else f"{scal} • {atom}"
        out.append(("- " if sign < 0 else "+ ") + text if k else
                   ("-" if sign < 0 else "") + text)
    return " ".join(out)


@settings(max_examples=60, deadline=None)
@given(st.lists(_summand, min_size=1, max_size=5))
def test_random_terms_match_the_python_families(parts):
    assert evaluate(_lean(parts), _D) == _reference(parts)


def test_compare_and_convert():
    assert as_fraction_matrix([[1, Fraction(1, 2)], [0, 2.5]]) == [[1, Fraction(1, 2)],
                                                                   [0, Fraction(5, 2)]]
    with pytest.raises(ValueError):
        as_fraction_matrix([[1, 2], [3]])
    with pytest.raises(TypeError):
        as_fraction_matrix([["1"]])
    assert compare_matrices([[1, 0]], [[1, 0]]) == []
    assert compare_matrices([[1, 0]], [[1, 2]]) == ["[0][1]: 0 vs 2"]
    assert "shape" in compare_matrices([[1, 0]], [[1], [0]])[0]

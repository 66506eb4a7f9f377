"""The checks of the theorems of lean/TBN/Weights.lean pass, and fail on deliberately false
variants (a changed numeral or offset in the Lean text, a swapped argument on the ℝ side)."""
import mpmath
import pytest

from tbn.checks import weights as W
from tbn.checks._base import tolerance
from tbn.lean.source import parse_lean_source

PRECISION = 50
NAMES = [n for n in W.__all__ if n.startswith("check_")]
WEIGHTS_TEXT = W.WEIGHTS_FILE.read_text(encoding="utf-8")


def ones(m):
    """Positions and values of the nonzero entries."""
    return {(r, c): int(x) for r, row in enumerate(m) for c, x in enumerate(row) if x != 0}


def weight(text, name):
    return W.rational_weight(parse_lean_source(text, "<test>"), name)


@pytest.mark.parametrize("name", NAMES)
def test_check_passes(name):
    result = getattr(W, name)(PRECISION, 6, 11)
    assert result.instances >= 6
    assert result.max_deviation <= tolerance(PRECISION), result.worst_case


def test_real_side_matches_architecture_table():
    # docs/ARCHITECTURE.md section 2, by hand: projectDim D i j has its 1 at row j, column i;
    # crossProject D B src dst has ones at (dst + b, src + b); W1 reads dims 1, 2 into dim 0.
    assert ones(W.real_project_dim(9, 0, 1)) == {(1, 0): 1}
    assert ones(W.real_cross_project(9, 2, 5, 3)) == {(3, 5): 1, (4, 6): 1}
    assert ones(W.real_or_w1(9)) == {(0, 1): 1, (0, 2): 1, (0, 0): -1, (1, 1): -1, (2, 2): -1}
    layer = W.real_explicit_layer(4)                    # one-hot, n = 4: D = 15
    assert ones(layer[("head", 1, "Q")]) == {(3 + b, 11 + b): 1 for b in range(4)}
    assert ones(layer[("head", 0, "K")]) == {(3 + b, 3 + b): 1 for b in range(4)}
    assert ones(layer[("head", 1, "V")]) == {(2, 0): 1}
    assert ones(layer[("ffn", "W2")]) == {(k, k): 1 for k in range(15)}


@pytest.mark.parametrize("old, new, B, suffix", [
    (":= crossProject 9 2 5 3", ":= crossProject 9 2 6 3", 2, "b2"),      # query0: offset
    (":= projectDim 9 0 2", ":= projectDim 9 0 1", 2, "b2"),              # value1: target dim
    ("projectDim (R := ℚ) 15 2 2", "projectDim (R := ℚ) 15 2 1", 4, "oh4"),  # ffnW1: scratch
    (":= crossProject 15 4 11 3", ":= crossProject 15 3 11 3", 4, "oh4"),  # query1: width
])
def test_changed_numeral_in_weights_file_fails(old, new, B, suffix):
    assert WEIGHTS_TEXT.count(old) == 1
    broken = parse_lean_source(WEIGHTS_TEXT.replace(old, new), "<broken>")
    result = W.layer_weights_deviation(broken, B, suffix)
    assert result.max_deviation >= 1


def test_wrong_code_width_fails():
    # the one-hot definitions are not the weights of explicitLayer 2 (D = 15, not 9)
    result = W.layer_weights_deviation(parse_lean_source(WEIGHTS_TEXT, "<w>"), 2, "oh4")
    assert result.max_deviation == mpmath.inf


def test_swapped_family_arguments_fail():
    text = "namespace X\ndef w : Matrix (Fin 5) (Fin 5) ℚ := projectDim 5 1 2\nend X\n"
    lean = weight(text, "X.w")
    assert W.matrix_deviation(lean, W.real_project_dim(5, 1, 2)) == 0
    assert W.matrix_deviation(lean, W.real_project_dim(5, 2, 1)) >= 1
    text = "namespace X\ndef w : Matrix (Fin 9) (Fin 9) ℚ := crossProject 9 2 5 3\nend X\n"
    lean = weight(text, "X.w")
    assert W.matrix_deviation(lean, W.real_cross_project(9, 2, 5, 3)) == 0
    assert W.matrix_deviation(lean, W.real_cross_project(9, 2, 3, 5)) >= 1

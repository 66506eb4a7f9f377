import TBN.Construction

/-!
# Concrete weights of the explicit construction

Small instances of `TBN.Construction.explicitLayer`'s matrix families over `ℚ`, written in the
grammar of `docs/ARCHITECTURE.md` (section 3) so that the gate can read them without Lean and
compare them entry by entry with `tbn.transformer.weights.explicit_oplus_matrix`.

## Main definitions

* `query0_b2` … `ffnW2_b2`: binary ±1 codes of width 2 (up to 4 tokens), `D = 9`.
* `query0_oh4` … `ffnW2_oh4`: one-hot codes for `n = 4` tokens (width 4), `D = 15`.

## Implementation notes

The matrices of the construction depend on the code width only; binary and one-hot codes use the
same families (the code changes the token data, not the weights). Over `ℝ` the construction uses
`TBN.Construction.routeHead B (3 + B) 1`, `routeHead B (3 + 2 * B) 2`, `orW1` and `1`, which are
these families at `D = 3 + 3B`.

In the sums (`ffnW1_*`) every family application names its entry ring, `(R := ℚ)`, as `orW1` does
over `ℝ`: the `+`/`-` elaborator then sees one type throughout and needs no default instance to
find `R`. The gate's reader accepts this named argument (docs/ARCHITECTURE.md, section 3).

## References

* Coppola, *Transformers are Bayesian Networks*, arXiv 2603.17063, 2026, the
  BP-equivalence theorem (constructive half).
-/

namespace TBN.Weights

open TBN.Construction

/-! ### binary codes: code width 2, residual width D = 9 -/

/-- Query of head 0 (binary codes, D = 9): reads the code of source 0 (dims 5..6). -/
def query0_b2 : Matrix (Fin 9) (Fin 9) ℚ := crossProject 9 2 5 3

/-- Query of head 1 (binary codes, D = 9): reads the code of source 1 (dims 7..8). -/
def query1_b2 : Matrix (Fin 9) (Fin 9) ℚ := crossProject 9 2 7 3

/-- Key of head 0 (binary codes, D = 9): reads the own code (dims 3..4). -/
def key0_b2 : Matrix (Fin 9) (Fin 9) ℚ := crossProject 9 2 3 3

/-- Key of head 1 (binary codes, D = 9): the same own-code reader as head 0. -/
def key1_b2 : Matrix (Fin 9) (Fin 9) ℚ := crossProject 9 2 3 3

/-- Value of head 0 (binary codes, D = 9): copies the log-odds (dim 0) into scratch dim 1. -/
def value0_b2 : Matrix (Fin 9) (Fin 9) ℚ := projectDim 9 0 1

/-- Value of head 1 (binary codes, D = 9): copies the log-odds (dim 0) into scratch dim 2. -/
def value1_b2 : Matrix (Fin 9) (Fin 9) ℚ := projectDim 9 0 2

/-- First FFN matrix (binary codes, D = 9): dim 0 ← dim 1 + dim 2 - dim 0, scratch cleared. -/
def ffnW1_b2 : Matrix (Fin 9) (Fin 9) ℚ :=
  projectDim (R := ℚ) 9 1 0 + projectDim (R := ℚ) 9 2 0 - projectDim (R := ℚ) 9 0 0 -
    projectDim (R := ℚ) 9 1 1 - projectDim (R := ℚ) 9 2 2

/-- Second FFN matrix (binary codes, D = 9): the identity. -/
def ffnW2_b2 : Matrix (Fin 9) (Fin 9) ℚ := (1 : Matrix (Fin 9) (Fin 9) ℚ)

/-! ### one-hot codes, n = 4: code width 4, residual width D = 15 -/

/-- Query of head 0 (one-hot codes, n = 4, D = 15): reads the code of source 0 (dims 7..10). -/
def query0_oh4 : Matrix (Fin 15) (Fin 15) ℚ := crossProject 15 4 7 3

/-- Query of head 1 (one-hot codes, n = 4, D = 15): reads the code of source 1 (dims 11..14). -/
def query1_oh4 : Matrix (Fin 15) (Fin 15) ℚ := crossProject 15 4 11 3

/-- Key of head 0 (one-hot codes, n = 4, D = 15): reads the own code (dims 3..6). -/
def key0_oh4 : Matrix (Fin 15) (Fin 15) ℚ := crossProject 15 4 3 3

/-- Key of head 1 (one-hot codes, n = 4, D = 15): the same own-code reader as head 0. -/
def key1_oh4 : Matrix (Fin 15) (Fin 15) ℚ := crossProject 15 4 3 3

/-- Value of head 0 (one-hot codes, n = 4, D = 15): copies the log-odds (dim 0) into scratch dim 1. -/
def value0_oh4 : Matrix (Fin 15) (Fin 15) ℚ := projectDim 15 0 1

/-- Value of head 1 (one-hot codes, n = 4, D = 15): copies the log-odds (dim 0) into scratch dim 2. -/
def value1_oh4 : Matrix (Fin 15) (Fin 15) ℚ := projectDim 15 0 2

/-- First FFN matrix (one-hot codes, n = 4, D = 15): dim 0 ← dim 1 + dim 2 - dim 0, scratch cleared. -/
def ffnW1_oh4 : Matrix (Fin 15) (Fin 15) ℚ :=
  projectDim (R := ℚ) 15 1 0 + projectDim (R := ℚ) 15 2 0 - projectDim (R := ℚ) 15 0 0 -
    projectDim (R := ℚ) 15 1 1 - projectDim (R := ℚ) 15 2 2

/-- Second FFN matrix (one-hot codes, n = 4, D = 15): the identity. -/
def ffnW2_oh4 : Matrix (Fin 15) (Fin 15) ℚ := (1 : Matrix (Fin 15) (Fin 15) ℚ)

end TBN.Weights

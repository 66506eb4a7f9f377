import TBN.Construction
import Mathlib.Data.Rat.Cast.CharZero

/-!
# Concrete weights of the explicit construction

Small instances of `TBN.Construction.explicitLayer`'s matrix families over `ℚ`, written in the
grammar of `docs/ARCHITECTURE.md` (section 3) so that the gate can read them without Lean and
compare them entry by entry with `tbn.transformer.weights.explicit_oplus_matrix`.

## Main definitions

* `query0_b2` … `ffnW2_b2`: binary ±1 codes of width 2 (up to 4 tokens), `D = 9`.
* `query0_oh4` … `ffnW2_oh4`: one-hot codes for `n = 4` tokens (width 4), `D = 15`.

## Main statements

* `map_projectDim`, `map_crossProject`, `map_identity`, `map_orW1`: casting entries from `ℚ` to
  `ℝ` commutes with the matrix families, the identity and the FFN's first matrix.
* `explicitLayer_weights_b2`, `explicitLayer_weights_oh4`: the sixteen definitions, cast to `ℝ`,
  are the head and FFN matrices of `explicitLayer 2` and `explicitLayer 4`, the layer that
  `TBN.Construction` proves performs one oplus-BP round for every state.

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

/-! ### The `ℚ` weights are the `ℝ` construction

The gate compares the definitions above with Python entry by entry; the theorems below make the
same link inside Lean: cast entrywise to `ℝ`, each definition is the corresponding matrix of
`explicitLayer B`, the layer that `TBN.Construction` proves correct. -/

section Cast

/-- Casting a `0`/`1` indicator from `ℚ` to `ℝ` gives the same indicator. -/
private theorem cast_ite_one_zero (p : Prop) [Decidable p] :
    (((if p then 1 else 0 : ℚ)) : ℝ) = if p then (1 : ℝ) else 0 := by
  by_cases h : p
  · first
      | (rw [if_pos h, if_pos h, Rat.cast_one]; done)
      | (rw [if_pos h, if_pos h]; exact Rat.cast_one)
      | simp [h]
  · first
      | (rw [if_neg h, if_neg h, Rat.cast_zero]; done)
      | (rw [if_neg h, if_neg h]; exact Rat.cast_zero)
      | simp [h]

/-- Head 0 of the explicit layer is `routeHead B (3 + B) 1`. -/
private theorem layer_heads_zero (B : ℕ) :
    (explicitLayer B).heads 0 = routeHead B (3 + B) 1 := by
  first
    | (show (if (0 : Fin 2) = 0 then routeHead B (3 + B) 1 else routeHead B (3 + 2 * B) 2) = _
       exact if_pos rfl)
    | rfl
    | simp [explicitLayer, explicitHeads]

/-- Head 1 of the explicit layer is `routeHead B (3 + 2 * B) 2`. -/
private theorem layer_heads_one (B : ℕ) :
    (explicitLayer B).heads 1 = routeHead B (3 + 2 * B) 2 := by
  have h : ¬ ((1 : Fin 2) = 0) := by
    first
      | decide
      | simp
  first
    | (show (if (1 : Fin 2) = 0 then routeHead B (3 + B) 1 else routeHead B (3 + 2 * B) 2) = _
       exact if_neg h)
    | rfl
    | simp [explicitLayer, explicitHeads, h]

/-- `projectDim` over `ℚ`, cast entrywise to `ℝ`, is `projectDim` over `ℝ`: the single-entry
matrix family of the construction does not depend on the field it is written in (Coppola, arXiv
2603.17063, BP-equivalence theorem, constructive half: the value matrices and the FFN). -/
theorem map_projectDim (D i j : ℕ) :
    (projectDim (R := ℚ) D i j).map (fun q : ℚ => (q : ℝ)) = projectDim (R := ℝ) D i j :=
  Matrix.ext fun r c => by
    first
      | (rw [Matrix.map_apply]
         exact cast_ite_one_zero ((r : ℕ) = j ∧ (c : ℕ) = i))
      | exact cast_ite_one_zero ((r : ℕ) = j ∧ (c : ℕ) = i)
      | (simp only [Matrix.map_apply, projectDim, Matrix.of_apply]
         split_ifs <;> simp)

/-- `crossProject` over `ℚ`, cast entrywise to `ℝ`, is `crossProject` over `ℝ`: the block-copy
family that routes by position codes does not depend on the field it is written in (Coppola, arXiv
2603.17063, BP-equivalence theorem, constructive half: the query and key matrices). -/
theorem map_crossProject (D B src dst : ℕ) :
    (crossProject (R := ℚ) D B src dst).map (fun q : ℚ => (q : ℝ)) =
      crossProject (R := ℝ) D B src dst :=
  Matrix.ext fun r c => by
    first
      | (rw [Matrix.map_apply]
         exact cast_ite_one_zero
           (dst ≤ (r : ℕ) ∧ (r : ℕ) < dst + B ∧ (c : ℕ) = (r : ℕ) - dst + src))
      | exact cast_ite_one_zero
          (dst ≤ (r : ℕ) ∧ (r : ℕ) < dst + B ∧ (c : ℕ) = (r : ℕ) - dst + src)
      | (simp only [Matrix.map_apply, crossProject, Matrix.of_apply]
         split_ifs <;> simp)

/-- The identity matrix over `ℚ`, cast entrywise to `ℝ`, is the identity over `ℝ` (the FFN's
second matrix, `W2 = 1`, in Coppola, arXiv 2603.17063, BP-equivalence theorem, constructive
half). -/
theorem map_identity (E : ℕ) :
    (1 : Matrix (Fin E) (Fin E) ℚ).map (fun q : ℚ => (q : ℝ)) =
      (1 : Matrix (Fin E) (Fin E) ℝ) := by
  first
    | exact Matrix.ext fun r c => cast_ite_one_zero (r = c)
    | exact Matrix.map_one _ Rat.cast_zero Rat.cast_one
    | (refine Matrix.ext fun r c => ?_
       rw [Matrix.map_apply, Matrix.one_apply, Matrix.one_apply]
       exact cast_ite_one_zero (r = c))

/-- The FFN's first matrix written over `ℚ` (the shape of `ffnW1_b2` and `ffnW1_oh4`), cast
entrywise to `ℝ`, is `orW1 D`, the matrix that writes dim 1 + dim 2 - dim 0 into dim 0 and minus
the scratch dims into dims 1 and 2, so that with the FFN's residual connection dim 0 becomes
dim 1 + dim 2 and the scratch is cleared (the OR half of Coppola, arXiv 2603.17063, BP-equivalence
theorem, constructive half). -/
theorem map_orW1 (D : ℕ) :
    (projectDim (R := ℚ) D 1 0 + projectDim (R := ℚ) D 2 0 - projectDim (R := ℚ) D 0 0 -
        projectDim (R := ℚ) D 1 1 - projectDim (R := ℚ) D 2 2).map (fun q : ℚ => (q : ℝ)) =
      orW1 D := by
  refine Matrix.ext fun r c => ?_
  have e : ∀ i j : ℕ,
      ((projectDim (R := ℚ) D i j r c : ℚ) : ℝ) = projectDim (R := ℝ) D i j r c := by
    intro i j
    first
      | exact cast_ite_one_zero ((r : ℕ) = j ∧ (c : ℕ) = i)
      | exact congrFun (congrFun (map_projectDim D i j) r) c
      | (simp only [projectDim, Matrix.of_apply]
         split_ifs <;> simp)
  first
    | (show ((projectDim (R := ℚ) D 1 0 r c + projectDim (R := ℚ) D 2 0 r c -
          projectDim (R := ℚ) D 0 0 r c - projectDim (R := ℚ) D 1 1 r c -
          projectDim (R := ℚ) D 2 2 r c : ℚ) : ℝ) =
        projectDim (R := ℝ) D 1 0 r c + projectDim (R := ℝ) D 2 0 r c -
          projectDim (R := ℝ) D 0 0 r c - projectDim (R := ℝ) D 1 1 r c -
          projectDim (R := ℝ) D 2 2 r c
       first
         | (rw [Rat.cast_sub, Rat.cast_sub, Rat.cast_sub, Rat.cast_add, e, e, e, e, e]; done)
         | (rw [Rat.cast_sub, Rat.cast_sub, Rat.cast_sub, Rat.cast_add, e, e, e, e, e]; rfl)
         | (simp only [Rat.cast_sub, Rat.cast_add, e]; done)
         | (push_cast [e]; done)
         | (push_cast [e]; ring1))
    | (simp only [orW1, Matrix.map_apply, Matrix.add_apply, Matrix.sub_apply, Rat.cast_sub,
         Rat.cast_add, e]; done)
    | (simp [orW1, Matrix.sub_apply, Matrix.add_apply, e])

/-- The binary-code weights (code width `B = 2`, residual width `D = 3 + 3 * 2 = 9`), cast
entrywise from `ℚ` to `ℝ`, are exactly the weights of `explicitLayer 2`: `query0_b2`, `key0_b2`,
`value0_b2` are head 0's query, key and value, `query1_b2`, `key1_b2`, `value1_b2` head 1's, and
`ffnW1_b2`, `ffnW2_b2` the FFN's two matrices (its biases are zero and not extracted). So the
numbers a user extracts from this file are the construction that `explicitLayer_encode` and
`exists_layer_binary` prove performs one oplus-BP round for every state (Coppola, arXiv
2603.17063, BP-equivalence theorem, constructive half). -/
theorem explicitLayer_weights_b2 :
    (query0_b2.map (fun q : ℚ => (q : ℝ)) : Matrix (Fin (3 + 3 * 2)) (Fin (3 + 3 * 2)) ℝ) =
        ((explicitLayer 2).heads 0).Q ∧
      (key0_b2.map (fun q : ℚ => (q : ℝ)) : Matrix (Fin (3 + 3 * 2)) (Fin (3 + 3 * 2)) ℝ) =
        ((explicitLayer 2).heads 0).K ∧
      (value0_b2.map (fun q : ℚ => (q : ℝ)) : Matrix (Fin (3 + 3 * 2)) (Fin (3 + 3 * 2)) ℝ) =
        ((explicitLayer 2).heads 0).V ∧
      (query1_b2.map (fun q : ℚ => (q : ℝ)) : Matrix (Fin (3 + 3 * 2)) (Fin (3 + 3 * 2)) ℝ) =
        ((explicitLayer 2).heads 1).Q ∧
      (key1_b2.map (fun q : ℚ => (q : ℝ)) : Matrix (Fin (3 + 3 * 2)) (Fin (3 + 3 * 2)) ℝ) =
        ((explicitLayer 2).heads 1).K ∧
      (value1_b2.map (fun q : ℚ => (q : ℝ)) : Matrix (Fin (3 + 3 * 2)) (Fin (3 + 3 * 2)) ℝ) =
        ((explicitLayer 2).heads 1).V ∧
      (ffnW1_b2.map (fun q : ℚ => (q : ℝ)) : Matrix (Fin (3 + 3 * 2)) (Fin (3 + 3 * 2)) ℝ) =
        (explicitLayer 2).ffn.W1 ∧
      (ffnW2_b2.map (fun q : ℚ => (q : ℝ)) : Matrix (Fin (3 + 3 * 2)) (Fin (3 + 3 * 2)) ℝ) =
        (explicitLayer 2).ffn.W2 := by
  refine ⟨?_, ?_, ?_, ?_, ?_, ?_, ?_, ?_⟩
  · first
      | (rw [layer_heads_zero]; exact map_crossProject 9 2 5 3)
      | exact map_crossProject 9 2 5 3
      | (rw [layer_heads_zero]; exact map_crossProject (3 + 3 * 2) 2 (3 + 2) 3)
      | exact (map_crossProject 9 2 5 3).trans
          (congrArg (fun h : TBN.Transformer.Head (3 + 3 * 2) => h.Q)
            (layer_heads_zero 2)).symm
  · first
      | (rw [layer_heads_zero]; exact map_crossProject 9 2 3 3)
      | exact map_crossProject 9 2 3 3
      | (rw [layer_heads_zero]; exact map_crossProject (3 + 3 * 2) 2 3 3)
      | exact (map_crossProject 9 2 3 3).trans
          (congrArg (fun h : TBN.Transformer.Head (3 + 3 * 2) => h.K)
            (layer_heads_zero 2)).symm
  · first
      | (rw [layer_heads_zero]; exact map_projectDim 9 0 1)
      | exact map_projectDim 9 0 1
      | (rw [layer_heads_zero]; exact map_projectDim (3 + 3 * 2) 0 1)
      | exact (map_projectDim 9 0 1).trans
          (congrArg (fun h : TBN.Transformer.Head (3 + 3 * 2) => h.V)
            (layer_heads_zero 2)).symm
  · first
      | (rw [layer_heads_one]; exact map_crossProject 9 2 7 3)
      | exact map_crossProject 9 2 7 3
      | (rw [layer_heads_one]; exact map_crossProject (3 + 3 * 2) 2 (3 + 2 * 2) 3)
      | exact (map_crossProject 9 2 7 3).trans
          (congrArg (fun h : TBN.Transformer.Head (3 + 3 * 2) => h.Q)
            (layer_heads_one 2)).symm
  · first
      | (rw [layer_heads_one]; exact map_crossProject 9 2 3 3)
      | exact map_crossProject 9 2 3 3
      | (rw [layer_heads_one]; exact map_crossProject (3 + 3 * 2) 2 3 3)
      | exact (map_crossProject 9 2 3 3).trans
          (congrArg (fun h : TBN.Transformer.Head (3 + 3 * 2) => h.K)
            (layer_heads_one 2)).symm
  · first
      | (rw [layer_heads_one]; exact map_projectDim 9 0 2)
      | exact map_projectDim 9 0 2
      | (rw [layer_heads_one]; exact map_projectDim (3 + 3 * 2) 0 2)
      | exact (map_projectDim 9 0 2).trans
          (congrArg (fun h : TBN.Transformer.Head (3 + 3 * 2) => h.V)
            (layer_heads_one 2)).symm
  · first
      | exact map_orW1 9
      | exact map_orW1 (3 + 3 * 2)
  · first
      | exact map_identity 9
      | exact map_identity (3 + 3 * 2)

/-- The one-hot weights for `n = 4` tokens (code width `B = 4`, residual width
`D = 3 + 3 * 4 = 15`), cast entrywise from `ℚ` to `ℝ`, are exactly the weights of
`explicitLayer 4`: `query0_oh4`, `key0_oh4`, `value0_oh4` are head 0's query, key and value,
`query1_oh4`, `key1_oh4`, `value1_oh4` head 1's, and `ffnW1_oh4`, `ffnW2_oh4` the FFN's two
matrices (its biases are zero and not extracted). So the numbers a user extracts from this file
are the construction that `explicitLayer_encode` and `exists_layer_oneHot` prove performs one
oplus-BP round for every state (Coppola, arXiv 2603.17063, BP-equivalence theorem, constructive
half). -/
theorem explicitLayer_weights_oh4 :
    (query0_oh4.map (fun q : ℚ => (q : ℝ)) : Matrix (Fin (3 + 3 * 4)) (Fin (3 + 3 * 4)) ℝ) =
        ((explicitLayer 4).heads 0).Q ∧
      (key0_oh4.map (fun q : ℚ => (q : ℝ)) : Matrix (Fin (3 + 3 * 4)) (Fin (3 + 3 * 4)) ℝ) =
        ((explicitLayer 4).heads 0).K ∧
      (value0_oh4.map (fun q : ℚ => (q : ℝ)) : Matrix (Fin (3 + 3 * 4)) (Fin (3 + 3 * 4)) ℝ) =
        ((explicitLayer 4).heads 0).V ∧
      (query1_oh4.map (fun q : ℚ => (q : ℝ)) : Matrix (Fin (3 + 3 * 4)) (Fin (3 + 3 * 4)) ℝ) =
        ((explicitLayer 4).heads 1).Q ∧
      (key1_oh4.map (fun q : ℚ => (q : ℝ)) : Matrix (Fin (3 + 3 * 4)) (Fin (3 + 3 * 4)) ℝ) =
        ((explicitLayer 4).heads 1).K ∧
      (value1_oh4.map (fun q : ℚ => (q : ℝ)) : Matrix (Fin (3 + 3 * 4)) (Fin (3 + 3 * 4)) ℝ) =
        ((explicitLayer 4).heads 1).V ∧
      (ffnW1_oh4.map (fun q : ℚ => (q : ℝ)) : Matrix (Fin (3 + 3 * 4)) (Fin (3 + 3 * 4)) ℝ) =
        (explicitLayer 4).ffn.W1 ∧
      (ffnW2_oh4.map (fun q : ℚ => (q : ℝ)) : Matrix (Fin (3 + 3 * 4)) (Fin (3 + 3 * 4)) ℝ) =
        (explicitLayer 4).ffn.W2 := by
  refine ⟨?_, ?_, ?_, ?_, ?_, ?_, ?_, ?_⟩
  · first
      | (rw [layer_heads_zero]; exact map_crossProject 15 4 7 3)
      | exact map_crossProject 15 4 7 3
      | (rw [layer_heads_zero]; exact map_crossProject (3 + 3 * 4) 4 (3 + 4) 3)
      | exact (map_crossProject 15 4 7 3).trans
          (congrArg (fun h : TBN.Transformer.Head (3 + 3 * 4) => h.Q)
            (layer_heads_zero 4)).symm
  · first
      | (rw [layer_heads_zero]; exact map_crossProject 15 4 3 3)
      | exact map_crossProject 15 4 3 3
      | (rw [layer_heads_zero]; exact map_crossProject (3 + 3 * 4) 4 3 3)
      | exact (map_crossProject 15 4 3 3).trans
          (congrArg (fun h : TBN.Transformer.Head (3 + 3 * 4) => h.K)
            (layer_heads_zero 4)).symm
  · first
      | (rw [layer_heads_zero]; exact map_projectDim 15 0 1)
      | exact map_projectDim 15 0 1
      | (rw [layer_heads_zero]; exact map_projectDim (3 + 3 * 4) 0 1)
      | exact (map_projectDim 15 0 1).trans
          (congrArg (fun h : TBN.Transformer.Head (3 + 3 * 4) => h.V)
            (layer_heads_zero 4)).symm
  · first
      | (rw [layer_heads_one]; exact map_crossProject 15 4 11 3)
      | exact map_crossProject 15 4 11 3
      | (rw [layer_heads_one]; exact map_crossProject (3 + 3 * 4) 4 (3 + 2 * 4) 3)
      | exact (map_crossProject 15 4 11 3).trans
          (congrArg (fun h : TBN.Transformer.Head (3 + 3 * 4) => h.Q)
            (layer_heads_one 4)).symm
  · first
      | (rw [layer_heads_one]; exact map_crossProject 15 4 3 3)
      | exact map_crossProject 15 4 3 3
      | (rw [layer_heads_one]; exact map_crossProject (3 + 3 * 4) 4 3 3)
      | exact (map_crossProject 15 4 3 3).trans
          (congrArg (fun h : TBN.Transformer.Head (3 + 3 * 4) => h.K)
            (layer_heads_one 4)).symm
  · first
      | (rw [layer_heads_one]; exact map_projectDim 15 0 2)
      | exact map_projectDim 15 0 2
      | (rw [layer_heads_one]; exact map_projectDim (3 + 3 * 4) 0 2)
      | exact (map_projectDim 15 0 2).trans
          (congrArg (fun h : TBN.Transformer.Head (3 + 3 * 4) => h.V)
            (layer_heads_one 4)).symm
  · first
      | exact map_orW1 15
      | exact map_orW1 (3 + 3 * 4)
  · first
      | exact map_identity 15
      | exact map_identity (3 + 3 * 4)

end Cast

end TBN.Weights

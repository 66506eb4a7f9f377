import Mathlib.Data.Matrix.Basic
import Mathlib.Algebra.BigOperators.Fin
import Mathlib.Algebra.Order.BigOperators.Group.Finset
import Mathlib.Analysis.SpecialFunctions.Exp
import TBN.LogOdds

/-!
# The transformer model

The model of SPEC 3.3, written out with plain finite sums so that every later statement is about
these definitions and nothing else.

## Main definitions

* `mv M x`: matrix-vector product, rows are output dims: `(M x)_r = ∑ c, M r c * x c`.
* `Head`, `score`: a head's query, key and value matrices; scores `(Q x_j) · (K x_k)`.
* `hardWeights`: hard attention, uniform over the set of maximisers of a score row.
* `softmaxWeights lam`: softmax attention with inverse temperature `lam`.
* `attend`: `x_j + ∑_h ∑_k α_hjk V_h x_k` (heads run in parallel and add).
* `Act`, `FFN`: the position-wise block `x + W2 act(W1 x + b1) + b2`, act ∈ {sigmoid, softplus,
  linear}.
* `Layer`: attention, then FFN.

## Main statements

* `hardWeights_of_unique_max`: a unique strict maximiser gets all the weight.
* `sum_hardWeights_mul`: then hard attention returns exactly the maximiser's value.
* `sum_softmaxWeights`, `softmaxWeights_pos`, `sum_hardWeights`, `hardWeights_nonneg`: both kinds
  of attention weights form a probability vector (a convex combination).

## Implementation notes

Tokens are `Fin n → Fin D → ℝ`. Hard attention is a genuine `argmax` set, ties shared uniformly,
not a scalar index; softmax attention is kept distinct from it (the paper treats finite-temperature
softmax as hardmax; see `TBN.Softmax` for the bound that relates them).

## References

* Coppola, *Transformers are Bayesian Networks*, arXiv 2603.17063, 2026, the model section.
-/

namespace TBN.Transformer

open Finset

noncomputable section

variable {n D : ℕ}

/-- Matrix-vector product with rows as output dims: `(M x)_r = ∑ c, M r c * x c`. -/
def mv {R C : ℕ} (M : Matrix (Fin R) (Fin C) ℝ) (x : Fin C → ℝ) (r : Fin R) : ℝ :=
  ∑ c, M r c * x c

/-- An attention head: query, key and value matrices on the residual width `D`. -/
structure Head (D : ℕ) where
  /-- query matrix -/
  Q : Matrix (Fin D) (Fin D) ℝ
  /-- key matrix -/
  K : Matrix (Fin D) (Fin D) ℝ
  /-- value matrix -/
  V : Matrix (Fin D) (Fin D) ℝ

/-- Attention score of token `j` for token `k` under head `hd`: `(Q x_j) · (K x_k)`. -/
def score (hd : Head D) (x : Fin n → Fin D → ℝ) (j k : Fin n) : ℝ :=
  ∑ d, mv hd.Q (x j) d * mv hd.K (x k) d

/-- The set of maximisers of a score row. -/
def argmaxSet (s : Fin n → ℝ) : Finset (Fin n) :=
  univ.filter fun k => ∀ k', s k' ≤ s k

/-- Hard attention: uniform weight over the maximisers of the score row, zero elsewhere. -/
def hardWeights (s : Fin n → ℝ) (k : Fin n) : ℝ :=
  if k ∈ argmaxSet s then 1 / ((argmaxSet s).card : ℝ) else 0

/-- Softmax attention with inverse temperature `lam`. -/
def softmaxWeights (lam : ℝ) (s : Fin n → ℝ) (k : Fin n) : ℝ :=
  Real.exp (lam * s k) / ∑ k', Real.exp (lam * s k')

/-- The two kinds of attention: hard (argmax set) or softmax with an inverse temperature. -/
inductive Attention where
  /-- uniform over the argmax set -/
  | hard
  /-- softmax with inverse temperature `lam` -/
  | softmax (lam : ℝ)

/-- The attention weights of a score row under an attention kind. -/
def Attention.weights : Attention → (Fin n → ℝ) → Fin n → ℝ
  | .hard => hardWeights
  | .softmax lam => softmaxWeights lam

/-- Weight that token `j` puts on token `k` under head `hd`. -/
def attnWeights (a : Attention) (hd : Head D) (x : Fin n → Fin D → ℝ) (j k : Fin n) : ℝ :=
  a.weights (score hd x j) k

/-- Residual attention block: `x_j + ∑_h ∑_k α_hjk (V_h x_k)`; heads run in parallel and add. -/
def attend {H : ℕ} (a : Attention) (heads : Fin H → Head D) (x : Fin n → Fin D → ℝ)
    (j : Fin n) (d : Fin D) : ℝ :=
  x j d + ∑ h, ∑ k, attnWeights a (heads h) x j k * mv (heads h).V (x k) d

/-- FFN activations. -/
inductive Act where
  /-- the logistic sigmoid -/
  | sigmoid
  /-- `log (1 + e^t)` -/
  | softplus
  /-- the identity -/
  | linear

/-- Evaluate an activation. -/
def Act.eval : Act → ℝ → ℝ
  | .sigmoid => LogOdds.sigmoid
  | .softplus => fun t => Real.log (1 + Real.exp t)
  | .linear => fun t => t

/-- Position-wise FFN `x + W2 act(W1 x + b1) + b2` with hidden width `F`. -/
structure FFN (D F : ℕ) where
  /-- activation -/
  act : Act
  /-- first matrix, `F × D` -/
  W1 : Matrix (Fin F) (Fin D) ℝ
  /-- first bias -/
  b1 : Fin F → ℝ
  /-- second matrix, `D × F` -/
  W2 : Matrix (Fin D) (Fin F) ℝ
  /-- second bias -/
  b2 : Fin D → ℝ

/-- Apply the FFN (with its residual connection) to one token. -/
def FFN.apply {F : ℕ} (f : FFN D F) (v : Fin D → ℝ) (d : Fin D) : ℝ :=
  v d + mv f.W2 (fun i => f.act.eval (mv f.W1 v i + f.b1 i)) d + f.b2 d

/-- A layer: `H` heads of one attention kind, then an FFN of hidden width `F`. -/
structure Layer (H D F : ℕ) where
  /-- attention kind -/
  attn : Attention
  /-- the heads -/
  heads : Fin H → Head D
  /-- the FFN -/
  ffn : FFN D F

/-- Apply a layer to all tokens: attention, then the FFN on each token. -/
def Layer.apply {H F : ℕ} (L : Layer H D F) (x : Fin n → Fin D → ℝ) (j : Fin n) (d : Fin D) : ℝ :=
  L.ffn.apply (attend L.attn L.heads x j) d

/-- A unique strict maximiser is the whole argmax set. -/
private theorem argmaxSet_eq_singleton {s : Fin n → ℝ} {m : Fin n} (h : ∀ k, k ≠ m → s k < s m) :
    argmaxSet s = {m} := by
  ext k
  simp only [argmaxSet, Finset.mem_filter, Finset.mem_univ, true_and, Finset.mem_singleton]
  constructor
  · intro hk
    by_contra hne
    exact absurd (hk m) (not_le.mpr (h k hne))
  · intro hk k'
    rw [hk]
    rcases eq_or_ne k' m with h' | h'
    · exact le_of_eq (congrArg s h')
    · exact le_of_lt (h k' h')

/-- Hard attention with a unique strict maximiser `m` (the paper's routing assumption) puts
weight 1 on `m` and 0 elsewhere (Coppola, model section: attention as routing). -/
theorem hardWeights_of_unique_max {s : Fin n → ℝ} {m : Fin n} (h : ∀ k, k ≠ m → s k < s m)
    (k : Fin n) : hardWeights s k = if k = m then 1 else 0 := by
  first
    | (simp [hardWeights, argmaxSet_eq_singleton h]; done)
    | (unfold hardWeights
       rw [argmaxSet_eq_singleton h]
       by_cases hk : k = m <;> simp [hk])

/-- With a unique strict maximiser `m`, hard attention returns exactly the value at `m`
(the "gather" step of the AND half, Coppola, BP-equivalence theorem). -/
theorem sum_hardWeights_mul {s : Fin n → ℝ} {m : Fin n} (h : ∀ k, k ≠ m → s k < s m)
    (v : Fin n → ℝ) : ∑ k, hardWeights s k * v k = v m := by
  rw [Finset.sum_eq_single m]
  · rw [hardWeights_of_unique_max h, if_pos rfl, one_mul]
  · intro k _ hk
    rw [hardWeights_of_unique_max h, if_neg hk, zero_mul]
  · intro hm
    exact absurd (Finset.mem_univ m) hm

/-- Hard attention weights are nonnegative. -/
theorem hardWeights_nonneg (s : Fin n → ℝ) (k : Fin n) : 0 ≤ hardWeights s k := by
  unfold hardWeights
  split_ifs
  · first
      | exact div_nonneg zero_le_one (Nat.cast_nonneg _)
      | positivity
  · exact le_refl 0

/-- A score row over at least one token has a maximiser. -/
private theorem argmaxSet_nonempty (s : Fin n → ℝ) (hn : 0 < n) : (argmaxSet s).Nonempty := by
  obtain ⟨m, _, hm⟩ := Finset.exists_max_image Finset.univ s ⟨⟨0, hn⟩, Finset.mem_univ _⟩
  refine ⟨m, ?_⟩
  simp only [argmaxSet, Finset.mem_filter, Finset.mem_univ, true_and]
  exact fun k => hm k (Finset.mem_univ k)

/-- Hard attention weights sum to one (they form a convex combination), for `n ≥ 1` tokens. -/
theorem sum_hardWeights (s : Fin n → ℝ) (hn : 0 < n) : ∑ k, hardWeights s k = 1 := by
  have hc : ((argmaxSet s).card : ℝ) ≠ 0 :=
    Nat.cast_ne_zero.mpr (Finset.card_pos.mpr (argmaxSet_nonempty s hn)).ne'
  unfold hardWeights
  first
    | (rw [Finset.sum_ite_mem, Finset.univ_inter, Finset.sum_const, nsmul_eq_mul]
       exact mul_one_div_cancel hc)
    | (simp only [Finset.sum_ite_mem, Finset.univ_inter, Finset.sum_const, nsmul_eq_mul]
       exact mul_one_div_cancel hc)
    | (simp only [Finset.sum_ite_mem, Finset.univ_inter, Finset.sum_const, nsmul_eq_mul,
         smul_eq_mul]
       field_simp
       done)
    | (rw [← Finset.sum_filter, Finset.filter_mem_eq_inter, Finset.univ_inter, Finset.sum_const,
         nsmul_eq_mul]
       exact mul_one_div_cancel hc)

/-- Softmax attention weights are strictly positive. -/
theorem softmaxWeights_pos (lam : ℝ) (s : Fin n → ℝ) (k : Fin n) :
    0 < softmaxWeights lam s k := by
  unfold softmaxWeights
  exact div_pos (Real.exp_pos _)
    (Finset.sum_pos (fun i _ => Real.exp_pos _) ⟨k, Finset.mem_univ k⟩)

/-- Softmax attention weights sum to one, for `n ≥ 1` tokens. -/
theorem sum_softmaxWeights (lam : ℝ) (s : Fin n → ℝ) (hn : 0 < n) :
    ∑ k, softmaxWeights lam s k = 1 := by
  have hZ : 0 < ∑ k, Real.exp (lam * s k) :=
    Finset.sum_pos (fun i _ => Real.exp_pos _) ⟨⟨0, hn⟩, Finset.mem_univ _⟩
  unfold softmaxWeights
  first
    | (simp only [div_eq_mul_inv]
       rw [← Finset.sum_mul, mul_inv_cancel₀ hZ.ne'])
    | (rw [← Finset.sum_div, div_self hZ.ne'])

end

end TBN.Transformer

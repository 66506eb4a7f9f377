import Mathlib.Analysis.SpecialFunctions.Log.Basic
import Mathlib.Data.Nat.Log
import Mathlib.Tactic.LinearCombination
import Mathlib.Tactic.Positivity

/-!
# The log-odds algebra: sigmoid, logit and the OR update `oplus`

The paper's belief update (`updateBelief`) combines two probabilities `m0, m1` into
`m0 m1 / (m0 m1 + (1 - m0)(1 - m1))`. In log-odds coordinates this is plain addition. This file
proves that fact and everything built on it.

## Main definitions

* `sigmoid x = 1 / (1 + exp (-x))`, `logit p = log (p / (1 - p))`.
* `oplus m0 m1`: the paper's update.
* `oplusList`: `oplus` folded over a list, starting from its identity `1/2`.
* `BTree`: binary trees with labelled leaves; `BTree.evalOplus` folds `oplus` over a tree;
  `BTree.leaves`, `BTree.depth`.

## Main statements

* `logit_sigmoid`, `sigmoid_logit`: the two maps are inverse (the second on `(0,1)`);
  `sigmoid_neg`, `sigmoid_strictMono`, `half_lt_sigmoid_iff`.
* `oplus_sigmoid_sigmoid`: `oplus (σ x) (σ y) = σ (x + y)`, and `oplus_eq_sigmoid_logit`.
* `((0,1), oplus)` is a commutative group: `oplus_comm`, `oplus_assoc`, `oplus_half`,
  `oplus_one_sub` (identity `1/2`, inverse `1 - m`), closure `oplus_mem_Ioo`;
  `logit` is an isomorphism onto `(ℝ, +)`: `logit_oplus`, `logit_bijOn`.
* `oplusList_eq_sigmoid_sum`, `BTree.evalOplus_eq_sigmoid_sum`: any fold equals the sigmoid of the
  sum of the logits, so every binary tree with the same leaves gives the same value
  (`BTree.evalOplus_eq_of_leaves_eq`, `BTree.evalOplus_eq_oplusList`): binarising a k-ary OR is exact.
* `BTree.clog_length_le_depth`, `BTree.exists_balanced`: a tree with `k` leaves has depth at least
  `⌈log₂ k⌉`, and this depth is attained for every nonempty list of leaves.

## Implementation notes

The transformer construction keeps log-odds in the residual stream, so the OR update is a linear
map there and `sigmoid` is only the decoder. The identities here are stated on the open interval
`(0,1)` where `logit` is a bijection; `oplus` itself is a rational function defined everywhere.

## References

* Coppola, *Transformers are Bayesian Networks*, arXiv 2603.17063 (2026): the belief update and the
  "OR" of the BP-equivalence construction (Section 3, the `updateBelief` rule).
-/

namespace TBN.LogOdds

/-- The logistic sigmoid `σ(x) = 1 / (1 + e^{-x})`: the decoder from log-odds to probability. -/
noncomputable def sigmoid (x : ℝ) : ℝ := 1 / (1 + Real.exp (-x))

/-- The log-odds `log (p / (1 - p))` of a probability `p ∈ (0,1)`. -/
noncomputable def logit (p : ℝ) : ℝ := Real.log (p / (1 - p))

/-- The paper's belief update (`updateBelief`): the posterior of two independent pieces of
evidence for the same binary variable, each given as a probability. -/
noncomputable def oplus (m0 m1 : ℝ) : ℝ := m0 * m1 / (m0 * m1 + (1 - m0) * (1 - m1))

section Sigmoid

/-- `σ(x) (1 + e^{-x}) = 1`: the defining identity of the sigmoid without a division. -/
theorem sigmoid_mul_one_add_exp (x : ℝ) : sigmoid x * (1 + Real.exp (-x)) = 1 := by
  have h : (1 + Real.exp (-x)) ≠ 0 := by positivity
  unfold sigmoid
  rw [one_div_mul_cancel h]

/-- The sigmoid is a positive number: a decoded belief is never 0. -/
theorem sigmoid_pos (x : ℝ) : 0 < sigmoid x := by
  unfold sigmoid
  positivity

/-- The sigmoid is below 1: a decoded belief is never certain. -/
theorem sigmoid_lt_one (x : ℝ) : sigmoid x < 1 := by
  have h : 0 < 1 + Real.exp (-x) := by positivity
  unfold sigmoid
  rw [div_lt_one h]
  linarith [Real.exp_pos (-x)]

/-- `1 - σ(x) = e^{-x} σ(x)`. -/
theorem one_sub_sigmoid (x : ℝ) : 1 - sigmoid x = Real.exp (-x) * sigmoid x := by
  have h := sigmoid_mul_one_add_exp x
  linear_combination -h

/-- The odds of `σ(x)` are `e^x`. -/
theorem sigmoid_div_one_sub (x : ℝ) : sigmoid x / (1 - sigmoid x) = Real.exp x := by
  have hne : 1 - sigmoid x ≠ 0 := (sub_pos.mpr (sigmoid_lt_one x)).ne'
  have hs := one_sub_sigmoid x
  have hinv : Real.exp x * Real.exp (-x) = 1 := by
    rw [← Real.exp_add]
    simp
  rw [div_eq_iff hne]
  linear_combination (-Real.exp x) * hs + (-sigmoid x) * hinv

/-- `σ(0) = 1/2`: zero log-odds is the uninformative belief. -/
theorem sigmoid_zero : sigmoid 0 = 1 / 2 := by
  unfold sigmoid
  first
    | (norm_num; done)
    | (rw [neg_zero, Real.exp_zero]; norm_num)

/-- `σ(-x) = 1 - σ(x)`: negating the log-odds complements the belief. -/
theorem sigmoid_neg (x : ℝ) : sigmoid (-x) = 1 - sigmoid x := by
  have h1 := sigmoid_mul_one_add_exp (-x)
  rw [neg_neg] at h1
  have hs := one_sub_sigmoid x
  have hinv : Real.exp x * Real.exp (-x) = 1 := by
    rw [← Real.exp_add]
    simp
  have hpos : 0 < 1 + Real.exp x := by positivity
  apply mul_right_cancel₀ hpos.ne'
  linear_combination h1 - sigmoid x * hinv - Real.exp x * hs

/-- The sigmoid is strictly increasing: more log-odds always means a larger belief. -/
theorem sigmoid_strictMono : StrictMono sigmoid := by
  intro x y hxy
  have h1 : Real.exp (-y) < Real.exp (-x) := Real.exp_lt_exp.mpr (by linarith)
  have h2 : 0 < 1 + Real.exp (-y) := by positivity
  unfold sigmoid
  exact one_div_lt_one_div_of_lt h2 (by linarith)

/-- The sigmoid is injective: a belief determines its log-odds. -/
theorem sigmoid_injective : Function.Injective sigmoid :=
  sigmoid_strictMono.injective

/-- A decoded belief exceeds `1/2` exactly when its log-odds are positive. -/
theorem half_lt_sigmoid_iff (x : ℝ) : 1 / 2 < sigmoid x ↔ 0 < x := by
  rw [← sigmoid_zero]
  exact sigmoid_strictMono.lt_iff_lt

/-- `logit ∘ σ = id` on all of `ℝ` (SPEC 3.1): decoding then re-encoding loses nothing. -/
theorem logit_sigmoid (x : ℝ) : logit (sigmoid x) = x := by
  unfold logit
  rw [sigmoid_div_one_sub, Real.log_exp]

/-- `σ ∘ logit = id` on `(0,1)` (SPEC 3.1): every belief strictly between 0 and 1 is the decoding
of exactly its log-odds. -/
theorem sigmoid_logit {p : ℝ} (hp0 : 0 < p) (hp1 : p < 1) : sigmoid (logit p) = p := by
  have hq : 0 < 1 - p := by linarith
  have he : Real.exp (-logit p) = 1 / p - 1 := by
    unfold logit
    rw [Real.exp_neg, Real.exp_log (div_pos hp0 hq), inv_div, sub_div, div_self hp0.ne']
  have h2 : 1 + (1 / p - 1) = 1 / p := by ring
  unfold sigmoid
  rw [he, h2, one_div_one_div]

/-- `logit (1/2) = 0`. -/
theorem logit_half : logit (1 / 2) = 0 := by
  unfold logit
  have h : (1 : ℝ) / 2 / (1 - 1 / 2) = 1 := by norm_num
  rw [h, Real.log_one]

/-- `logit (1 - p) = - logit p`: complementing a belief negates its log-odds. -/
theorem logit_one_sub (p : ℝ) : logit (1 - p) = -logit p := by
  unfold logit
  have h : 1 - (1 - p) = p := by ring
  rw [h, ← Real.log_inv, inv_div]

end Sigmoid

section Oplus

/-- **The OR update is addition of log-odds** (SPEC 3.1): `oplus (σ x) (σ y) = σ (x + y)` for all
real `x, y`. This is why the paper's `updateBelief` is exact and linear in the residual stream. -/
theorem oplus_sigmoid_sigmoid (x y : ℝ) : oplus (sigmoid x) (sigmoid y) = sigmoid (x + y) := by
  have hx := one_sub_sigmoid x
  have hy := one_sub_sigmoid y
  have he : Real.exp (-(x + y)) = Real.exp (-x) * Real.exp (-y) := by
    rw [show -(x + y) = -x + -y by ring, Real.exp_add]
  have hk := sigmoid_mul_one_add_exp (x + y)
  rw [he] at hk
  have hD : 0 < sigmoid x * sigmoid y + (1 - sigmoid x) * (1 - sigmoid y) := by
    have h1 := mul_pos (sigmoid_pos x) (sigmoid_pos y)
    have h2 := mul_pos (sub_pos.mpr (sigmoid_lt_one x)) (sub_pos.mpr (sigmoid_lt_one y))
    linarith
  unfold oplus
  rw [div_eq_iff hD.ne']
  linear_combination (-(sigmoid x * sigmoid y)) * hk
    - sigmoid (x + y) * (1 - sigmoid x) * hy
    - sigmoid (x + y) * Real.exp (-y) * sigmoid y * hx

variable {a b c : ℝ}

/-- `oplus a b = σ (logit a + logit b)` on `(0,1)²` (SPEC 3.1; the paper's `updateBelief`). -/
theorem oplus_eq_sigmoid_logit (ha0 : 0 < a) (ha1 : a < 1) (hb0 : 0 < b) (hb1 : b < 1) :
    oplus a b = sigmoid (logit a + logit b) := by
  rw [← oplus_sigmoid_sigmoid, sigmoid_logit ha0 ha1, sigmoid_logit hb0 hb1]

/-- `(0,1)` is closed under `oplus`. -/
theorem oplus_mem_Ioo (ha0 : 0 < a) (ha1 : a < 1) (hb0 : 0 < b) (hb1 : b < 1) :
    0 < oplus a b ∧ oplus a b < 1 := by
  rw [oplus_eq_sigmoid_logit ha0 ha1 hb0 hb1]
  exact ⟨sigmoid_pos _, sigmoid_lt_one _⟩

/-- `oplus` is commutative (everywhere): the order of two pieces of evidence does not matter. -/
theorem oplus_comm (a b : ℝ) : oplus a b = oplus b a := by
  unfold oplus
  first
    | (rw [mul_comm a b, mul_comm (1 - a) (1 - b)]; done)
    | ring

/-- `oplus` is associative on `(0,1)`: evidence can be combined in any grouping. -/
theorem oplus_assoc (ha0 : 0 < a) (ha1 : a < 1) (hb0 : 0 < b) (hb1 : b < 1)
    (hc0 : 0 < c) (hc1 : c < 1) : oplus (oplus a b) c = oplus a (oplus b c) := by
  obtain ⟨x, rfl⟩ : ∃ x, sigmoid x = a := ⟨logit a, sigmoid_logit ha0 ha1⟩
  obtain ⟨y, rfl⟩ : ∃ y, sigmoid y = b := ⟨logit b, sigmoid_logit hb0 hb1⟩
  obtain ⟨z, rfl⟩ : ∃ z, sigmoid z = c := ⟨logit c, sigmoid_logit hc0 hc1⟩
  simp only [oplus_sigmoid_sigmoid, add_assoc]

/-- `1/2` is the identity of `oplus` (everywhere): an uninformative message changes nothing. -/
theorem oplus_half (a : ℝ) : oplus a (1 / 2) = a := by
  unfold oplus
  have h : a * (1 / 2) + (1 - a) * (1 - 1 / 2) = 1 / 2 := by ring
  rw [h]
  first
    | ring
    | rw [mul_div_assoc, div_self (show (1 : ℝ) / 2 ≠ 0 by norm_num), mul_one]

/-- `1/2` is also a left identity of `oplus`. -/
theorem half_oplus (a : ℝ) : oplus (1 / 2) a = a := by
  rw [oplus_comm, oplus_half]

/-- `1 - a` is the inverse of `a` under `oplus` on `(0,1)`: opposite evidence cancels. -/
theorem oplus_one_sub (ha0 : 0 < a) (ha1 : a < 1) : oplus a (1 - a) = 1 / 2 := by
  have hq : 0 < 1 - a := by linarith
  have hD : 0 < a * (1 - a) + (1 - a) * (1 - (1 - a)) := by
    have h1 : 0 < a * (1 - a) := mul_pos ha0 hq
    have h2 : a * (1 - a) + (1 - a) * (1 - (1 - a)) = 2 * (a * (1 - a)) := by ring
    rw [h2]
    linarith
  unfold oplus
  rw [div_eq_iff hD.ne']
  ring

/-- **`logit` is a homomorphism** from `((0,1), oplus)` to `(ℝ, +)` (SPEC 3.1). -/
theorem logit_oplus (ha0 : 0 < a) (ha1 : a < 1) (hb0 : 0 < b) (hb1 : b < 1) :
    logit (oplus a b) = logit a + logit b := by
  rw [oplus_eq_sigmoid_logit ha0 ha1 hb0 hb1, logit_sigmoid]

/-- **`logit` is a bijection** from `(0,1)` onto `ℝ` (SPEC 3.1); with `logit_oplus` it is a group
isomorphism `((0,1), oplus) ≅ (ℝ, +)`. -/
theorem logit_bijOn : Set.BijOn logit (Set.Ioo 0 1) Set.univ := by
  refine ⟨fun _ _ => Set.mem_univ _, ?_, ?_⟩
  · intro p hp q hq hpq
    calc p = sigmoid (logit p) := (sigmoid_logit hp.1 hp.2).symm
      _ = sigmoid (logit q) := by rw [hpq]
      _ = q := sigmoid_logit hq.1 hq.2
  · exact fun y _ => ⟨sigmoid y, ⟨sigmoid_pos y, sigmoid_lt_one y⟩, logit_sigmoid y⟩

end Oplus

section Folds

/-- `oplus` folded over a list from the right, starting from the identity `1/2`. -/
noncomputable def oplusList : List ℝ → ℝ
  | [] => 1 / 2
  | a :: l => oplus a (oplusList l)

/-- **A k-ary OR is the sigmoid of the summed log-odds** (SPEC 3.1): folding `oplus` over a list
of beliefs in `(0,1)` gives `σ (Σ logit mᵢ)`. -/
theorem oplusList_eq_sigmoid_sum (l : List ℝ) :
    (∀ m ∈ l, 0 < m ∧ m < 1) → oplusList l = sigmoid (l.map logit).sum := by
  induction l with
  | nil =>
    intro _
    first
      | (simp only [oplusList, List.map_nil, List.sum_nil, sigmoid_zero]; done)
      | (simp only [oplusList, List.map_nil, List.sum_nil]; exact sigmoid_zero.symm)
  | cons a t ih =>
    intro hl
    have ha := hl a (List.mem_cons.mpr (Or.inl rfl))
    have ht : ∀ m ∈ t, 0 < m ∧ m < 1 := fun m hm => hl m (List.mem_cons.mpr (Or.inr hm))
    simp only [oplusList, List.map_cons, List.sum_cons]
    rw [ih ht, ← oplus_sigmoid_sigmoid, sigmoid_logit ha.1 ha.2]

/-- The summed log-odds of a concatenation are the sum of the two sums. -/
private theorem sum_logit_append (l₁ l₂ : List ℝ) :
    ((l₁ ++ l₂).map logit).sum = (l₁.map logit).sum + (l₂.map logit).sum := by
  induction l₁ with
  | nil => simp
  | cons _ _ ih => simp only [List.cons_append, List.map_cons, List.sum_cons, ih, add_assoc]

/-- Binary trees whose leaves carry labels: the shapes in which a k-ary OR can be binarised. -/
inductive BTree (α : Type*) where
  /-- A single input. -/
  | leaf : α → BTree α
  /-- A binary OR of two subtrees. -/
  | node : BTree α → BTree α → BTree α

namespace BTree

variable {α : Type*}

/-- The leaves of a tree, left to right. -/
def leaves : BTree α → List α
  | leaf a => [a]
  | node l r => leaves l ++ leaves r

/-- The depth of a tree: the number of binary OR stages on its longest path. -/
def depth : BTree α → ℕ
  | leaf _ => 0
  | node l r => max (depth l) (depth r) + 1

/-- The tree evaluated with `oplus` at every internal node. -/
noncomputable def evalOplus : BTree ℝ → ℝ
  | leaf a => a
  | node l r => oplus (evalOplus l) (evalOplus r)

/-- **Any binarisation of an OR is exact** (SPEC 3.1): a tree of `oplus` over leaves in `(0,1)`
equals `σ` of the sum of the leaves' log-odds, whatever its shape. -/
theorem evalOplus_eq_sigmoid_sum (t : BTree ℝ) :
    (∀ m ∈ t.leaves, 0 < m ∧ m < 1) → t.evalOplus = sigmoid (t.leaves.map logit).sum := by
  induction t with
  | leaf a =>
    intro ht
    have ha : 0 < a ∧ a < 1 :=
      ht a (by first | exact List.mem_cons.mpr (Or.inl rfl) | simp [leaves])
    simp only [evalOplus, leaves, List.map_cons, List.map_nil, List.sum_cons, List.sum_nil,
      add_zero]
    exact (sigmoid_logit ha.1 ha.2).symm
  | node l r ihl ihr =>
    intro ht
    have hl : ∀ m ∈ l.leaves, 0 < m ∧ m < 1 :=
      fun m hm => ht m (List.mem_append.mpr (Or.inl hm))
    have hr : ∀ m ∈ r.leaves, 0 < m ∧ m < 1 :=
      fun m hm => ht m (List.mem_append.mpr (Or.inr hm))
    simp only [evalOplus, leaves]
    rw [sum_logit_append, ihl hl, ihr hr, oplus_sigmoid_sigmoid]

/-- Two trees with the same leaves (in `(0,1)`) compute the same OR, whatever their shapes. -/
theorem evalOplus_eq_of_leaves_eq (t u : BTree ℝ) (h : t.leaves = u.leaves)
    (ht : ∀ m ∈ t.leaves, 0 < m ∧ m < 1) : t.evalOplus = u.evalOplus := by
  have hu : ∀ m ∈ u.leaves, 0 < m ∧ m < 1 := by
    rw [← h]
    exact ht
  rw [evalOplus_eq_sigmoid_sum t ht, evalOplus_eq_sigmoid_sum u hu, h]

/-- A tree of `oplus` equals the list fold over its leaves: binarising a k-ary OR is exact. -/
theorem evalOplus_eq_oplusList (t : BTree ℝ) (ht : ∀ m ∈ t.leaves, 0 < m ∧ m < 1) :
    t.evalOplus = oplusList t.leaves := by
  rw [evalOplus_eq_sigmoid_sum t ht, oplusList_eq_sigmoid_sum t.leaves ht]

/-- A tree of depth `d` has at most `2^d` leaves. -/
theorem length_leaves_le_two_pow_depth (t : BTree α) : t.leaves.length ≤ 2 ^ t.depth := by
  induction t with
  | leaf _ => simp [leaves, depth]
  | node l r ihl ihr =>
    have h1 : 2 ^ l.depth ≤ 2 ^ max l.depth r.depth :=
      Nat.pow_le_pow_right (by norm_num) (le_max_left _ _)
    have h2 : 2 ^ r.depth ≤ 2 ^ max l.depth r.depth :=
      Nat.pow_le_pow_right (by norm_num) (le_max_right _ _)
    simp only [leaves, depth, List.length_append]
    first | rw [Nat.pow_succ] | skip
    omega

/-- **Depth lower bound** (SPEC 3.1): binarising an OR of `k` inputs needs depth `⌈log₂ k⌉`. -/
theorem clog_length_le_depth (t : BTree α) : Nat.clog 2 t.leaves.length ≤ t.depth :=
  (Nat.le_pow_iff_clog_le (by norm_num)).1 (length_leaves_le_two_pow_depth t)

/-- A one-element list is the leaf list of a leaf. -/
private theorem exists_leaf (l : List α) (h : l.length = 1) :
    ∃ t : BTree α, t.leaves = l ∧ t.depth = 0 := by
  rcases l with _ | ⟨a, _ | ⟨_, l⟩⟩
  · first
      | exact absurd (show (0 : ℕ) = 1 from h) (by omega)
      | simp at h
  · exact ⟨leaf a, rfl, rfl⟩
  · first
      | exact absurd (show l.length + 1 + 1 = 1 from h) (by omega)
      | simp at h

/-- Every nonempty list of at most `2^d` leaves is the leaf list of a tree of depth at most `d`
(split the list in halves and recurse). -/
theorem exists_leaves_eq_depth_le (d : ℕ) :
    ∀ l : List α, 0 < l.length → l.length ≤ 2 ^ d → ∃ t : BTree α, t.leaves = l ∧ t.depth ≤ d := by
  induction d with
  | zero =>
    intro l h0 h1
    rw [Nat.pow_zero] at h1
    obtain ⟨t, ht, hd⟩ := exists_leaf l (by omega)
    exact ⟨t, ht, by omega⟩
  | succ d ih =>
    intro l h0 h1
    first | rw [Nat.pow_succ] at h1 | skip
    by_cases hl : l.length = 1
    · obtain ⟨t, ht, hd⟩ := exists_leaf l hl
      exact ⟨t, ht, by omega⟩
    · obtain ⟨t1, ht1, hd1⟩ := ih (l.take ((l.length + 1) / 2))
        (by first | (rw [List.length_take]; omega) | (simp only [List.length_take]; omega))
        (by first | (rw [List.length_take]; omega) | (simp only [List.length_take]; omega))
      obtain ⟨t2, ht2, hd2⟩ := ih (l.drop ((l.length + 1) / 2))
        (by first | (rw [List.length_drop]; omega) | (simp only [List.length_drop]; omega))
        (by first | (rw [List.length_drop]; omega) | (simp only [List.length_drop]; omega))
      refine ⟨node t1 t2, ?_, ?_⟩
      · simp only [leaves, ht1, ht2, List.take_append_drop]
      · simp only [depth]
        omega

/-- **Balanced binarisation** (SPEC 3.1): every nonempty list of `k` inputs is the leaf list of a
binary tree of depth exactly `⌈log₂ k⌉` (`Nat.clog 2 k`), the least possible depth. -/
theorem exists_balanced (l : List α) (hl : 0 < l.length) :
    ∃ t : BTree α, t.leaves = l ∧ t.depth = Nat.clog 2 l.length := by
  obtain ⟨t, ht, hd⟩ :=
    exists_leaves_eq_depth_le (Nat.clog 2 l.length) l hl (Nat.le_pow_clog (by norm_num) _)
  refine ⟨t, ht, le_antisymm hd ?_⟩
  have h := clog_length_le_depth t
  rw [ht] at h
  exact h

end BTree

end Folds

end TBN.LogOdds

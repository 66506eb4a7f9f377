import Mathlib.Data.Real.Basic
import Mathlib.Data.Fintype.Pi
import Mathlib.Data.Fintype.Sum
import Mathlib.Data.Fintype.BigOperators
import Mathlib.Algebra.Order.BigOperators.Ring.Finset
import Mathlib.Tactic.SplitIfs
import Mathlib.Algebra.Order.Field.Basic

/-!
# Finite factor graphs

The model that sum-product belief propagation runs on (SPEC 3.2): finitely many variables, each
taking values in one finite type `α`, and finitely many nonnegative factors, each reading only
the variables of its scope. The joint weight of a full assignment is the product of all factors;
normalised by the partition function `Z`, it is the distribution whose marginals BP approximates
(and computes exactly on trees, see `TBN.Pearl`).

## Main definitions

* `FactorGraph n ι α`: variables `Fin n`, factors indexed by `ι`, values in `α`; each factor has a
  scope (a finite set of variables), a table on full assignments that depends only on the scope,
  and nonnegative values.
* `FactorGraph.joint`, `FactorGraph.partition`: the unnormalised joint weight and `Z`.
* `FactorGraph.unnormMarginal`, `FactorGraph.marginal`: marginals by summation over all full
  assignments, divided by `Z`.
* `FactorGraph.withEvidence`: evidence (hard or soft) as one extra unary factor per variable.

## Main statements

* `FactorGraph.joint_nonneg`, `FactorGraph.partition_nonneg`, `FactorGraph.marginal_nonneg`.
* `FactorGraph.sum_unnormMarginal`: summing a marginal's weights over the values gives `Z`.
* `FactorGraph.sum_marginal`: the marginals of a variable sum to one when `Z ≠ 0`.
* `FactorGraph.joint_withEvidence`: evidence multiplies the joint weight by its unary factors.

## Implementation notes

All variables share one finite value type `α`; a variable with fewer states is modelled by a
factor that is zero on the unused values. A factor's table is a function of the full assignment
together with the proof `table_local` that it only reads its scope: this keeps sums over
assignments uniform (one `Fintype` of functions `Fin n → α`) while still saying which variables a
factor touches (which is what BP and the tree predicate of `TBN.SumProduct` need). Evidence is not
part of a graph: it enters as unary factors through `withEvidence`, as in the Python side
(`tbn.graph`, `tbn.exact.marginals`).

## References

* Coppola, *Transformers are Bayesian Networks*, arXiv:2603.17063 (2026): the belief
  propagation claims (BP equivalence); this file fixes the model those claims are about.
* F. R. Kschischang, B. J. Frey, H.-A. Loeliger, *Factor graphs and the sum-product algorithm*,
  IEEE Trans. Inform. Theory 47 (2001).
-/

namespace TBN.FactorGraph

/-- A finite factor graph: variables `Fin n` with values in `α`, factors indexed by `ι`. Each
factor has a scope, a nonnegative table on full assignments, and the proof that the table only
reads the variables of its scope. -/
structure FactorGraph (n : ℕ) (ι α : Type) where
  /-- The variables the factor reads. -/
  scope : ι → Finset (Fin n)
  /-- The factor's value on a full assignment. -/
  table : ι → (Fin n → α) → ℝ
  /-- Factors are nonnegative. -/
  table_nonneg : ∀ (a : ι) (x : Fin n → α), 0 ≤ table a x
  /-- A factor's value depends only on the variables of its scope. -/
  table_local : ∀ (a : ι) (x y : Fin n → α), (∀ i ∈ scope a, x i = y i) → table a x = table a y

namespace FactorGraph

variable {n : ℕ} {ι α : Type} [Fintype ι] [Fintype α] [DecidableEq α]

/-- The unnormalised joint weight of a full assignment: the product of all factors. -/
def joint (fg : FactorGraph n ι α) (x : Fin n → α) : ℝ :=
  ∏ a, fg.table a x

/-- The partition function `Z`: the total joint weight of all full assignments. -/
def partition (fg : FactorGraph n ι α) : ℝ :=
  ∑ x, fg.joint x

/-- The unnormalised marginal of variable `i` at value `v`: the joint weight of the full
assignments that give `i` the value `v`. -/
def unnormMarginal (fg : FactorGraph n ι α) (i : Fin n) (v : α) : ℝ :=
  ∑ x, if x i = v then fg.joint x else 0

/-- The exact marginal `P(x_i = v)`, by summation over all full assignments (real division:
noncomputable). -/
noncomputable def marginal (fg : FactorGraph n ι α) (i : Fin n) (v : α) : ℝ :=
  fg.unnormMarginal i v / fg.partition

omit [Fintype α] [DecidableEq α] in
/-- The joint weight is nonnegative (all factors are). -/
theorem joint_nonneg (fg : FactorGraph n ι α) (x : Fin n → α) : 0 ≤ fg.joint x :=
  Finset.prod_nonneg (fun a _ => fg.table_nonneg a x)

omit [DecidableEq α] in
/-- The partition function of a factor graph is nonnegative. -/
theorem partition_nonneg (fg : FactorGraph n ι α) : 0 ≤ fg.partition :=
  Finset.sum_nonneg (fun x _ => fg.joint_nonneg x)

/-- Unnormalised marginals are nonnegative. -/
theorem unnormMarginal_nonneg (fg : FactorGraph n ι α) (i : Fin n) (v : α) :
    0 ≤ fg.unnormMarginal i v := by
  unfold unnormMarginal
  refine Finset.sum_nonneg (fun x _ => ?_)
  split_ifs <;> (first | exact fg.joint_nonneg x | exact le_refl 0)

/-- Exact marginals are nonnegative (SPEC 3.2: the model is a probability distribution). -/
theorem marginal_nonneg (fg : FactorGraph n ι α) (i : Fin n) (v : α) : 0 ≤ fg.marginal i v :=
  div_nonneg (fg.unnormMarginal_nonneg i v) fg.partition_nonneg

/-- Summing the unnormalised marginal of any variable over its values gives the partition
function: every full assignment is counted once, at the value it gives that variable. -/
theorem sum_unnormMarginal (fg : FactorGraph n ι α) (i : Fin n) :
    ∑ v, fg.unnormMarginal i v = fg.partition := by
  unfold unnormMarginal partition
  rw [Finset.sum_comm]
  refine Finset.sum_congr rfl (fun x _ => ?_)
  first
    | (simp; done)
    | (rw [Finset.sum_ite_eq]; simp)

/-- The exact marginals of a variable sum to one whenever the partition function is nonzero
(SPEC 3.2: marginals by summation form a probability distribution). -/
theorem sum_marginal (fg : FactorGraph n ι α) (i : Fin n) (hZ : fg.partition ≠ 0) :
    ∑ v, fg.marginal i v = 1 := by
  have h := fg.sum_unnormMarginal i
  first
    | (simp only [marginal, div_eq_mul_inv]
       rw [← Finset.sum_mul, h]
       exact mul_inv_cancel₀ hZ)
    | (simp only [marginal]
       rw [← Finset.sum_div, h]
       exact div_self hZ)
    | (simp only [marginal, ← Finset.sum_div, h, div_self hZ])

/-- The factor graph with evidence: one extra unary factor `ev i` on each variable `i` (a
likelihood vector; hard evidence `x_i = v` is the indicator of `v`). -/
def withEvidence (fg : FactorGraph n ι α) (ev : Fin n → α → ℝ) (hev : ∀ i v, 0 ≤ ev i v) :
    FactorGraph n (ι ⊕ Fin n) α where
  scope := Sum.elim fg.scope (fun i => {i})
  table := Sum.elim fg.table (fun i x => ev i (x i))
  table_nonneg := by
    intro a x
    cases a with
    | inl a => exact fg.table_nonneg a x
    | inr i => exact hev i (x i)
  table_local := by
    intro a x y h
    cases a with
    | inl a => exact fg.table_local a x y h
    | inr i => exact congrArg (ev i) (h i (Finset.mem_singleton_self i))

omit [Fintype α] [DecidableEq α] in
/-- Evidence multiplies the joint weight of every assignment by the evidence factors it meets
(SPEC 3.2: evidence as unary factors). -/
theorem joint_withEvidence (fg : FactorGraph n ι α) (ev : Fin n → α → ℝ)
    (hev : ∀ i v, 0 ≤ ev i v) (x : Fin n → α) :
    (fg.withEvidence ev hev).joint x = fg.joint x * ∏ i, ev i (x i) := by
  unfold joint
  -- split the product over `ι ⊕ Fin n`; both halves then agree with the right side by `Sum.elim`
  first
    | exact Fintype.prod_sum_type (fun a => (fg.withEvidence ev hev).table a x)
    | (rw [Fintype.prod_sum_type]; rfl)
    | simp [withEvidence]

end FactorGraph

end TBN.FactorGraph

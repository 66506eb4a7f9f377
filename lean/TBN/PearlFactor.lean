import TBN.Pearl
import Mathlib.Data.Fintype.Pi
import Mathlib.Data.Fintype.BigOperators
import Mathlib.Data.Finset.Lattice.Fold

/-!
# Pearl's theorem on rooted tree factor graphs with factors of any arity

Sum-product belief propagation is exact on trees (Pearl 1988). `TBN.Pearl` proves it for pairwise
models; this file proves it at the root of every rooted tree factor graph whose factors have any
arity: a factor joins one parent variable to any number `k` of child variables (`k = 0`: a unary
factor; `k = 1`: a pairwise factor). The upward sum-product messages produce at the root exactly
the marginal obtained by brute-force summation of the joint over all full assignments; after at
least `height` synchronous rounds, from any initial messages, the root belief is exact; and with
upward then downward messages through every factor, the belief of every variable equals its exact
marginal.

## Main definitions

* `FTree α`: rooted tree factor graphs over variables with values in `α`. `FTree.leaf ev` is one
  variable with unary (evidence) factor `ev`; `FTree.attach t k ψ s` hangs the `k` trees `s i`
  below the root of `t` through ONE factor of arity `k + 1`, read as
  `ψ (value at the root of t) (fun i => value at the root of s i)`.
* `FTree.Asg t`: full assignments (one value per variable); `FTree.weight t x`: the product of all
  factors at `x`; `FTree.unnormRootMarginal`, `FTree.partition`, `FTree.rootMarginal`: the exact
  marginal of the root by summation over all full assignments.
* `FTree.fmsg ψ b v = ∑ y, ψ v y * ∏ i, b i (y i)`: the sum-product message of a `(k + 1)`-ary
  factor to its parent variable when child `i` sends the variable-to-factor message `b i`;
  `FTree.up t`: the unnormalised root belief (own evidence times all incoming factor messages,
  computed recursively); `FTree.bpBelief`: its normalisation.
* `FTree.Msgs t`: one arbitrary initial message per factor-to-parent edge;
  `FTree.beliefAfter t n m`: the root belief after `n` synchronous rounds started from `m`.
* `FTree.Pos t`, `FTree.valAt`: the variables of a tree and the value an assignment gives each;
  `FTree.dmsg ψ b i u w`: the message of a `(k + 1)`-ary factor down to its child `i`;
  `FTree.nodeMarginal` (exact) and `FTree.nodeBelief` (sum-product with upward then downward
  messages, `FTree.beliefAt`) at every variable.

## Main statements

* `FTree.sum_mul_prod_fiber`: regrouping a sum over tuples of assignments by the tuple of their
  root values (distributivity of a product of sums over a Pi type).
* `FTree.up_eq_unnormRootMarginal`: upward sum-product computes the exact unnormalised marginal.
* `FTree.pearl_rooted`: the normalised BP belief at the root equals the exact root marginal.
* `FTree.beliefAfter_eq_up`, `FTree.pearl_rounds`: after `n ≥ height t` synchronous rounds from
  any initial messages, the root belief is the upward belief, hence exact.
* `FTree.unnormMarginalAt_child`: the exact marginal of a variable below a `(k + 1)`-ary factor
  sees the rest of the tree through the factor's downward message.
* `FTree.pearl_all`: at every variable, the sum-product belief (upward then downward messages)
  equals the variable's exact marginal.
* `FTree.beliefAtAfter_eq_beliefAt`, `FTree.pearl_rounds_all`: after `roundsNeeded t p 0`
  synchronous rounds from any initial upward and downward messages, the belief of the variable at
  `p` is the two-pass belief, hence its exact marginal; `FTree.roundsNeeded_le` bounds that number
  by `2 * height t`.

## Implementation notes

`FTree` is a reflexive inductive type (the children are a function `Fin k → FTree α`); every
definition recurses structurally through it, as `WType.depth` does. The exact side is defined
independently of BP: `Asg t` is a product type with one coordinate per variable, `weight`
multiplies every factor, and the marginal is a sum over all of `Asg t`. No hypothesis on the
factors is needed for the equalities: they hold for all real tables (the normalised statements
use Lean's `x / 0 = 0` when the total weight vanishes). One synchronous round here is one
variable-to-factor step followed by one factor-to-variable step, as in `TBN.Pearl`; a unary factor
(`k = 0`) also carries an initial message, so it counts one level in `height`. The every-variable
statement is proved for the two-pass schedule and for synchronous rounds from any initial
messages (`DMsgs t`: one downward message per factor-to-child edge); the round count
`roundsNeeded` waits for all children of a factor, so it is a bound in terms of heights, not the
exact eccentricity of the variable. Theorems use the
`induction` tactic (on the tree or on `Pos`), never structural recursion by pattern matching on the
reflexive `FTree` into `Prop` (before Lean PR #7639, `brecOn` for reflexive types needs a motive
in `Type`; definitions, whose values are in `Type`, recurse structurally).

## References

* Coppola, *Transformers are Bayesian Networks*, arXiv:2603.17063 (2026): the BP claims.
* J. Pearl, *Probabilistic Reasoning in Intelligent Systems*, Morgan Kaufmann (1988), ch. 4.
* F. R. Kschischang, B. J. Frey, H.-A. Loeliger, *Factor graphs and the sum-product algorithm*,
  IEEE Trans. Inform. Theory 47 (2001): the factor-to-variable message `fmsg`.
-/

noncomputable section

namespace TBN.PearlFactor

/-- A rooted tree factor graph over variables with values in `α`: `leaf ev` is one variable with
unary factor `ev`; `attach t k ψ s` hangs the trees `s 0, …, s (k - 1)` below the root of `t`
through one factor of arity `k + 1`, read as `ψ (value at the root of t) (values at the roots of
the s i)`. -/
inductive FTree (α : Type) : Type where
  | leaf (ev : α → ℝ) : FTree α
  | attach (t : FTree α) (k : ℕ) (ψ : α → (Fin k → α) → ℝ) (s : Fin k → FTree α) : FTree α

namespace FTree

variable {α : Type}

/-- Full assignments of a tree: one value per variable. -/
def Asg : FTree α → Type
  | .leaf _ => α
  | .attach t k _ s => Asg t × ((i : Fin k) → Asg (s i))

/-- The finitely many full assignments of a tree, by recursion on the tree. -/
def asgFintype [Fintype α] : (t : FTree α) → Fintype (Asg t)
  | .leaf _ => inferInstanceAs (Fintype α)
  | .attach t k _ s =>
      letI := asgFintype t
      letI : ∀ i, Fintype (Asg (s i)) := fun i => asgFintype (s i)
      inferInstanceAs (Fintype (Asg t × ((i : Fin k) → Asg (s i))))

instance instFintypeAsg [Fintype α] (t : FTree α) : Fintype (Asg t) := asgFintype t

/-- The part of an assignment of `attach t k ψ s` that assigns the variables of `t`. -/
def Asg.fst {t : FTree α} {k : ℕ} {ψ : α → (Fin k → α) → ℝ} {s : Fin k → FTree α}
    (x : Asg (.attach t k ψ s)) : Asg t :=
  Prod.fst (α := Asg t) (β := (i : Fin k) → Asg (s i)) x

/-- The part of an assignment of `attach t k ψ s` that assigns the variables of each `s i`. -/
def Asg.snd {t : FTree α} {k : ℕ} {ψ : α → (Fin k → α) → ℝ} {s : Fin k → FTree α}
    (x : Asg (.attach t k ψ s)) : (i : Fin k) → Asg (s i) :=
  Prod.snd (α := Asg t) (β := (i : Fin k) → Asg (s i)) x

/-- Combine an assignment of `t` and one of every `s i` into one of `attach t k ψ s`. -/
def Asg.mk {t : FTree α} {k : ℕ} {ψ : α → (Fin k → α) → ℝ} {s : Fin k → FTree α} (x : Asg t)
    (y : (i : Fin k) → Asg (s i)) : Asg (.attach t k ψ s) :=
  Prod.mk (α := Asg t) (β := (i : Fin k) → Asg (s i)) x y

/-- The value an assignment gives the root. -/
def root : (t : FTree α) → Asg t → α
  | .leaf _, x => x
  | .attach t _ _ _, x => root t (Asg.fst x)

/-- The joint weight of a full assignment: the product of every factor of the tree. -/
def weight : (t : FTree α) → Asg t → ℝ
  | .leaf ev, x => ev x
  | .attach t _ ψ s, x =>
      weight t (Asg.fst x) * ψ (root t (Asg.fst x)) (fun i => root (s i) (Asg.snd x i)) *
        ∏ i, weight (s i) (Asg.snd x i)

/-- The root of `attach t k ψ s` is the root of `t`. -/
private theorem root_mk (t : FTree α) (k : ℕ) (ψ : α → (Fin k → α) → ℝ) (s : Fin k → FTree α)
    (x : Asg t) (y : (i : Fin k) → Asg (s i)) :
    root (.attach t k ψ s) (Asg.mk x y) = root t x := rfl

/-- The weight of `attach t k ψ s` multiplies the weights of all parts and the new factor. -/
private theorem weight_mk (t : FTree α) (k : ℕ) (ψ : α → (Fin k → α) → ℝ) (s : Fin k → FTree α)
    (x : Asg t) (y : (i : Fin k) → Asg (s i)) :
    weight (.attach t k ψ s) (Asg.mk x y) =
      weight t x * ψ (root t x) (fun i => root (s i) (y i)) * ∏ i, weight (s i) (y i) := rfl

/-- The number of synchronous rounds the root needs: a single variable needs none; a factor
needs one round more than its deepest child (a unary factor: one round). -/
def height : FTree α → ℕ
  | .leaf _ => 0
  | .attach t _ _ s => max (height t) ((Finset.univ.sup fun i => height (s i)) + 1)

section Exact

variable [Fintype α]

/-- Summing over the assignments of `attach t k ψ s` is summing over those of `t` and over the
tuples of assignments of the `s i`. -/
private theorem sum_attach (t : FTree α) (k : ℕ) (ψ : α → (Fin k → α) → ℝ)
    (s : Fin k → FTree α) (f : Asg (.attach t k ψ s) → ℝ) :
    ∑ z, f z = ∑ x : Asg t, ∑ y : ((i : Fin k) → Asg (s i)), f (Asg.mk x y) := by
  -- The second branch does not rely on unfolding `instFintypeAsg (attach t k ψ s)` to the product
  -- instance: it reindexes along the identity equivalence (`Fintype.sum_equiv` takes any two
  -- instances).
  first
    | (show ∑ z : Asg t × ((i : Fin k) → Asg (s i)), f z =
          ∑ x : Asg t, ∑ y : ((i : Fin k) → Asg (s i)), f (x, y)
       rw [Fintype.sum_prod_type]
       done)
    | (refine (Fintype.sum_equiv
          (show Asg (.attach t k ψ s) ≃ Asg t × ((i : Fin k) → Asg (s i)) from Equiv.refl _) f
          (fun z : Asg t × ((i : Fin k) → Asg (s i)) => f z) (fun _ => rfl)).trans ?_
       exact Fintype.sum_prod_type (f := fun z : Asg t × ((i : Fin k) → Asg (s i)) => f z))

/-- A product of sums over the coordinates is a sum over all tuples (distributivity). -/
private theorem prod_sum_pi {k : ℕ} {β : Fin k → Type} [∀ i, Fintype (β i)]
    (f : (i : Fin k) → β i → ℝ) :
    ∏ i, ∑ z : β i, f i z = ∑ z : ((i : Fin k) → β i), ∏ i, f i (z i) := by
  first
    | exact Finset.prod_univ_sum (fun _ => Finset.univ) f
    | (rw [Finset.prod_univ_sum, Fintype.piFinset_univ]; done)
    | exact Fintype.prod_sum f

variable [DecidableEq α]

/-- A product of indicator-weighted terms is the weight of the whole tuple when every coordinate
hits its target value, and zero otherwise. -/
private theorem prod_ite_eq_ite {k : ℕ} {β : Fin k → Type} (r : (i : Fin k) → β i → α)
    (w : (i : Fin k) → β i → ℝ) (z : (i : Fin k) → β i) (y : Fin k → α) :
    ∏ i, (if r i (z i) = y i then w i (z i) else 0) =
      if (fun i => r i (z i)) = y then ∏ i, w i (z i) else 0 := by
  by_cases h : (fun i => r i (z i)) = y
  · rw [if_pos h]
    refine Finset.prod_congr rfl (fun i _ => ?_)
    have hi : r i (z i) = y i := congrFun h i
    rw [if_pos hi]
  · rw [if_neg h]
    have hex : ∃ i, r i (z i) ≠ y i := by
      refine Classical.byContradiction (fun hne => h (funext fun i => ?_))
      exact Classical.byContradiction (fun hi => hne ⟨i, hi⟩)
    obtain ⟨i, hi⟩ := hex
    exact Finset.prod_eq_zero (Finset.mem_univ i) (if_neg hi)

/-- Regrouping a sum over tuples of assignments by the tuple of their root values: the
`(k + 1)`-ary analogue of `TBN.Pearl.RTree.sum_mul_fiber`, by distributivity of the product of
the children's sums over the Pi type of tuples. -/
theorem sum_mul_prod_fiber {k : ℕ} {β : Fin k → Type} [∀ i, Fintype (β i)]
    (r : (i : Fin k) → β i → α) (w : (i : Fin k) → β i → ℝ) (g : (Fin k → α) → ℝ) :
    ∑ y : Fin k → α, g y * ∏ i, (∑ z : β i, if r i z = y i then w i z else 0) =
      ∑ z : ((i : Fin k) → β i), g (fun i => r i (z i)) * ∏ i, w i (z i) := by
  have hdist : ∀ y : Fin k → α, ∏ i, (∑ z : β i, if r i z = y i then w i z else 0) =
      ∑ z : ((i : Fin k) → β i), ∏ i, (if r i (z i) = y i then w i (z i) else 0) :=
    fun y => prod_sum_pi (β := β) (fun i z => if r i z = y i then w i z else 0)
  have hstep : (∑ y : Fin k → α, g y * ∏ i, (∑ z : β i, if r i z = y i then w i z else 0)) =
      ∑ y : Fin k → α, ∑ z : ((i : Fin k) → β i),
        g y * ∏ i, (if r i (z i) = y i then w i (z i) else 0) := by
    first
      | (simp only [hdist, Finset.mul_sum]; done)
      | exact Finset.sum_congr rfl (fun y _ => by rw [hdist y, Finset.mul_sum])
  rw [hstep, Finset.sum_comm]
  refine Finset.sum_congr rfl (fun z _ => ?_)
  have hz : ∀ y : Fin k → α, g y * ∏ i, (if r i (z i) = y i then w i (z i) else 0) =
      if (fun i => r i (z i)) = y then g y * ∏ i, w i (z i) else 0 := by
    intro y
    first
      | (rw [prod_ite_eq_ite r w z y, mul_ite, mul_zero]; done)
      | (rw [prod_ite_eq_ite r w z y]; split_ifs <;> simp)
  calc ∑ y : Fin k → α, g y * ∏ i, (if r i (z i) = y i then w i (z i) else 0)
      = ∑ y : Fin k → α, (if (fun i => r i (z i)) = y then g y * ∏ i, w i (z i) else 0) :=
        Finset.sum_congr rfl (fun y _ => hz y)
    _ = g (fun i => r i (z i)) * ∏ i, w i (z i) := by
        first
          | (rw [Finset.sum_ite_eq, if_pos (Finset.mem_univ _)]; done)
          | (simp; done)
          | exact (Finset.sum_ite_eq Finset.univ (fun i => r i (z i))
              (fun y => g y * ∏ i, w i (z i))).trans (if_pos (Finset.mem_univ _))

/-- The unnormalised exact marginal of the root: the total weight of the full assignments that
give the root the value `v`. -/
def unnormRootMarginal (t : FTree α) (v : α) : ℝ :=
  ∑ x : Asg t, if root t x = v then weight t x else 0

/-- The partition function of the tree model: the total weight of all full assignments. -/
def partition (t : FTree α) : ℝ :=
  ∑ x : Asg t, weight t x

/-- The exact marginal `P(root = v)`. -/
def rootMarginal (t : FTree α) (v : α) : ℝ :=
  unnormRootMarginal t v / partition t

/-- The root marginal's weights add up to the partition function. -/
theorem sum_unnormRootMarginal (t : FTree α) : ∑ v, unnormRootMarginal t v = partition t := by
  unfold unnormRootMarginal partition
  rw [Finset.sum_comm]
  refine Finset.sum_congr rfl (fun x _ => ?_)
  first
    | (simp; done)
    | rw [Finset.sum_ite_eq, if_pos (Finset.mem_univ _)]

/-- A single variable's marginal weight is its unary factor. -/
private theorem unnormRootMarginal_leaf (ev : α → ℝ) (v : α) :
    unnormRootMarginal (.leaf ev) v = ev v := by
  unfold unnormRootMarginal
  show (∑ x : α, if x = v then ev x else 0) = ev v
  first
    | (simp; done)
    | rw [Finset.sum_ite_eq', if_pos (Finset.mem_univ _)]

end Exact

section BP

variable [Fintype α]

/-- The sum-product message of a factor `ψ` of arity `k + 1` to its parent variable, when child
`i` sends the variable-to-factor message `b i` (its own evidence times the messages from its own
subtree): `fmsg ψ b v = ∑ y, ψ v y * ∏ i, b i (y i)`. -/
def fmsg {k : ℕ} (ψ : α → (Fin k → α) → ℝ) (b : Fin k → α → ℝ) (v : α) : ℝ :=
  ∑ y : Fin k → α, ψ v y * ∏ i, b i (y i)

/-- The unnormalised sum-product belief at the root: own evidence times the messages of all
factors hanging below it, each computed recursively from the children's subtrees. -/
def up : FTree α → α → ℝ
  | .leaf ev => ev
  | .attach t _ ψ s => fun v => up t v * fmsg ψ (fun i => up (s i)) v

/-- The root's BP belief gains one factor message for every attached factor. -/
private theorem up_attach (t : FTree α) (k : ℕ) (ψ : α → (Fin k → α) → ℝ) (s : Fin k → FTree α)
    (v : α) : up (.attach t k ψ s) v = up t v * fmsg ψ (fun i => up (s i)) v := rfl

/-- The normalised BP belief at the root. -/
def bpBelief (t : FTree α) (v : α) : ℝ :=
  up t v / ∑ w, up t w

/-- Initial messages: one arbitrary function on every factor-to-parent edge. -/
def Msgs : FTree α → Type
  | .leaf _ => Unit
  | .attach t k _ s => Msgs t × (α → ℝ) × ((i : Fin k) → Msgs (s i))

/-- The initial messages on the edges of `t` inside `attach t k ψ s`. -/
def Msgs.parent {t : FTree α} {k : ℕ} {ψ : α → (Fin k → α) → ℝ} {s : Fin k → FTree α}
    (m : Msgs (.attach t k ψ s)) : Msgs t :=
  Prod.fst (α := Msgs t) (β := (α → ℝ) × ((i : Fin k) → Msgs (s i))) m

/-- The initial message from the new factor to the root of `t` in `attach t k ψ s`. -/
def Msgs.edge {t : FTree α} {k : ℕ} {ψ : α → (Fin k → α) → ℝ} {s : Fin k → FTree α}
    (m : Msgs (.attach t k ψ s)) : α → ℝ :=
  (Prod.snd (α := Msgs t) (β := (α → ℝ) × ((i : Fin k) → Msgs (s i))) m).1

/-- The initial messages on the edges of each `s i` inside `attach t k ψ s`. -/
def Msgs.child {t : FTree α} {k : ℕ} {ψ : α → (Fin k → α) → ℝ} {s : Fin k → FTree α}
    (m : Msgs (.attach t k ψ s)) : (i : Fin k) → Msgs (s i) :=
  (Prod.snd (α := Msgs t) (β := (α → ℝ) × ((i : Fin k) → Msgs (s i))) m).2

/-- The unnormalised root belief after `n` synchronous rounds started from the messages `m`:
in round `0` every factor-to-parent edge carries its initial message; in round `n + 1` a factor
sends the message computed from its children's beliefs after round `n`. -/
def beliefAfter : (t : FTree α) → ℕ → Msgs t → α → ℝ
  | .leaf ev, _, _ => ev
  | .attach t _ ψ s, n, m => fun v =>
      beliefAfter t n (Msgs.parent m) v *
        (if n = 0 then Msgs.edge m v
         else fmsg ψ (fun i => beliefAfter (s i) (n - 1) (Msgs.child m i)) v)

/-- One unfolding step of `beliefAfter`. -/
private theorem beliefAfter_attach (t : FTree α) (k : ℕ) (ψ : α → (Fin k → α) → ℝ)
    (s : Fin k → FTree α) (n : ℕ) (m : Msgs (.attach t k ψ s)) (v : α) :
    beliefAfter (.attach t k ψ s) n m v = beliefAfter t n (Msgs.parent m) v *
      (if n = 0 then Msgs.edge m v
       else fmsg ψ (fun i => beliefAfter (s i) (n - 1) (Msgs.child m i)) v) := rfl

/-- After at least `height t` synchronous rounds the root belief no longer depends on the initial
messages: it is the upward sum-product belief. -/
theorem beliefAfter_eq_up (t : FTree α) :
    ∀ (n : ℕ) (m : Msgs t), height t ≤ n → beliefAfter t n m = up t := by
  induction t with
  | leaf ev =>
      intro n m _
      rfl
  | attach t k ψ s iht ihs =>
      intro n m hn
      have hn' : max (height t) ((Finset.univ.sup fun i => height (s i)) + 1) ≤ n := hn
      have ht : height t ≤ n := le_trans (le_max_left _ _) hn'
      have hs : (Finset.univ.sup fun i => height (s i)) + 1 ≤ n :=
        le_trans (le_max_right _ _) hn'
      have hn0 : n ≠ 0 := by omega
      have hchild : (fun i => beliefAfter (s i) (n - 1) (Msgs.child m i)) =
          fun i => up (s i) := by
        funext i
        have hi : height (s i) ≤ Finset.univ.sup fun j => height (s j) :=
          Finset.le_sup (f := fun j => height (s j)) (Finset.mem_univ i)
        exact ihs i (n - 1) (Msgs.child m i) (by omega)
      funext v
      rw [beliefAfter_attach, up_attach, if_neg hn0, iht n (Msgs.parent m) ht]
      first
        | exact congrArg (fun b => up t v * fmsg ψ b v) hchild
        | rw [hchild]

end BP

section Pearl

variable [Fintype α] [DecidableEq α]

/-- The message of a factor, seen from the exact side: the children's exact marginals, combined
by `fmsg`, regroup the tuples of their full assignments by their root values. -/
theorem fmsg_unnormRootMarginal {k : ℕ} (ψ : α → (Fin k → α) → ℝ) (s : Fin k → FTree α)
    (v : α) :
    fmsg ψ (fun i => unnormRootMarginal (s i)) v =
      ∑ z : ((i : Fin k) → Asg (s i)),
        ψ v (fun i => root (s i) (z i)) * ∏ i, weight (s i) (z i) := by
  simp only [fmsg, unnormRootMarginal]
  exact sum_mul_prod_fiber (fun i => root (s i)) (fun i => weight (s i)) (ψ v)

/-- The exact root marginal of `attach t k ψ s` factors as the exact root marginal of `t` times
the message the new factor would send from the children's exact marginals: distributivity of the
sum over the children's assignments. -/
theorem unnormRootMarginal_attach (t : FTree α) (k : ℕ) (ψ : α → (Fin k → α) → ℝ)
    (s : Fin k → FTree α) (v : α) :
    unnormRootMarginal (.attach t k ψ s) v =
      unnormRootMarginal t v * fmsg ψ (fun i => unnormRootMarginal (s i)) v := by
  rw [fmsg_unnormRootMarginal]
  unfold unnormRootMarginal
  rw [sum_attach, Finset.sum_mul]
  refine Finset.sum_congr rfl (fun x _ => ?_)
  rw [Finset.mul_sum]
  refine Finset.sum_congr rfl (fun z _ => ?_)
  rw [root_mk, weight_mk]
  by_cases h : root t x = v
  · rw [if_pos h, if_pos h, h]
    ring
  · rw [if_neg h, if_neg h, zero_mul]

/-- Upward sum-product computes the exact unnormalised marginal of the root, for every rooted
tree factor graph with factors of any arity and all real factor tables (Pearl's theorem, rooted
form; SPEC 3.2, factors over any subsets of variables; the paper's BP claims). -/
theorem up_eq_unnormRootMarginal (t : FTree α) : up t = unnormRootMarginal t := by
  induction t with
  | leaf ev => exact funext fun v => (unnormRootMarginal_leaf ev v).symm
  | attach t k ψ s iht ihs =>
      funext v
      rw [up_attach, unnormRootMarginal_attach, iht]
      have hs : (fun i => up (s i)) = fun i => unnormRootMarginal (s i) := funext ihs
      first
        | exact congrArg (fun b => unnormRootMarginal t v * fmsg ψ b v) hs
        | rw [hs]

/-- Pearl's theorem at the root of a tree factor graph with factors of any arity: the normalised
sum-product belief equals the exact marginal `P(root = v)` obtained by summing the joint over all
full assignments (SPEC 3.2; answers the paper's claim that BP on trees is exact inference). -/
theorem pearl_rooted (t : FTree α) (v : α) : bpBelief t v = rootMarginal t v := by
  unfold bpBelief rootMarginal
  rw [up_eq_unnormRootMarginal, sum_unnormRootMarginal]

/-- Pearl's theorem with rounds on tree factor graphs with factors of any arity: after any number
`n ≥ height t` of synchronous rounds, started from arbitrary messages `m`, the normalised root
belief equals the exact root marginal (SPEC 3.2: "after at least diameter synchronous rounds";
`height t` is at most the number of rounds the diameter allows). -/
theorem pearl_rounds (t : FTree α) (n : ℕ) (m : Msgs t) (hn : height t ≤ n) (v : α) :
    beliefAfter t n m v / ∑ w, beliefAfter t n m w = rootMarginal t v := by
  rw [beliefAfter_eq_up t n m hn]
  exact pearl_rooted t v

/-- The exact root marginals sum to one whenever the partition function is nonzero. -/
theorem sum_rootMarginal (t : FTree α) (h : partition t ≠ 0) : ∑ v, rootMarginal t v = 1 := by
  simp only [rootMarginal, div_eq_mul_inv]
  rw [← Finset.sum_mul, sum_unnormRootMarginal]
  exact mul_inv_cancel₀ h

end Pearl

section Positions

/-- The positions of the variables of a tree: `here ev` is the single variable of `leaf ev`; in
`attach t k ψ s`, `left p` is the variable `p` of `t` and `child i p` the variable `p` of
`s i`. -/
inductive Pos : FTree α → Type where
  | here (ev : α → ℝ) : Pos (.leaf ev)
  | left {t : FTree α} {k : ℕ} {ψ : α → (Fin k → α) → ℝ} {s : Fin k → FTree α} (p : Pos t) :
      Pos (.attach t k ψ s)
  | child {t : FTree α} {k : ℕ} {ψ : α → (Fin k → α) → ℝ} {s : Fin k → FTree α} (i : Fin k)
      (p : Pos (s i)) : Pos (.attach t k ψ s)

/-- The value a full assignment gives the variable at position `p`. -/
def valAt : (t : FTree α) → Pos t → Asg t → α
  | .leaf _, .here _, x => x
  | .attach t _ _ _, .left p, x => valAt t p (Asg.fst x)
  | .attach _ _ _ s, .child i p, x => valAt (s i) p (Asg.snd x i)

/-- A variable of `t` takes its value from the `t` part of an assignment of `attach t k ψ s`. -/
private theorem valAt_left_mk (t : FTree α) (k : ℕ) (ψ : α → (Fin k → α) → ℝ)
    (s : Fin k → FTree α) (p : Pos t) (x : Asg t) (y : (i : Fin k) → Asg (s i)) :
    valAt (.attach t k ψ s) (.left p) (Asg.mk x y) = valAt t p x := rfl

/-- A variable of `s i` takes its value from the `s i` part of an assignment of
`attach t k ψ s`. -/
private theorem valAt_child_mk (t : FTree α) (k : ℕ) (ψ : α → (Fin k → α) → ℝ)
    (s : Fin k → FTree α) (i : Fin k) (p : Pos (s i)) (x : Asg t)
    (y : (j : Fin k) → Asg (s j)) :
    valAt (.attach t k ψ s) (.child i p) (Asg.mk x y) = valAt (s i) p (y i) := rfl

end Positions

section AllNodes

variable [Fintype α] [DecidableEq α]

/-- The sum-product message of a factor `ψ` of arity `k + 1` to its child `i`, when its parent
variable takes the value `u` and every other child `j` sends `b j`: the sum over the values of
the other children, `dmsg ψ b i u w = ∑ y with y i = w, ψ u y * ∏ j ≠ i, b j (y j)`. -/
def dmsg {k : ℕ} (ψ : α → (Fin k → α) → ℝ) (b : Fin k → α → ℝ) (i : Fin k) (u w : α) : ℝ :=
  ∑ y : Fin k → α, if y i = w then ψ u y * ∏ j, (if j = i then 1 else b j (y j)) else 0

/-- The unnormalised sum-product belief of the variable at position `p`, with the two-pass
schedule (messages up from the leaves, then down from the root), when the root of `t` also
receives the message `g` from outside `t` (`g = 1` for the whole tree). Going left keeps the root
and adds the upward message of the factor; going to child `i` sends the factor's downward message
`∑ u, g u * up t u * dmsg ψ (up ∘ s) i u w` into `s i`. -/
def beliefAt : (t : FTree α) → Pos t → (α → ℝ) → α → ℝ
  | .leaf ev, .here _, g => fun v => g v * ev v
  | .attach t _ ψ s, .left p, g => beliefAt t p (fun u => g u * fmsg ψ (fun j => up (s j)) u)
  | .attach t _ ψ s, .child i p, g =>
      beliefAt (s i) p (fun w => ∑ u, g u * up t u * dmsg ψ (fun j => up (s j)) i u w)

/-- A variable of `t` inside `attach t k ψ s` hears from the children through the factor's
upward message. -/
private theorem beliefAt_left (t : FTree α) (k : ℕ) (ψ : α → (Fin k → α) → ℝ)
    (s : Fin k → FTree α) (p : Pos t) (g : α → ℝ) :
    beliefAt (.attach t k ψ s) (.left p) g =
      beliefAt t p (fun u => g u * fmsg ψ (fun j => up (s j)) u) := rfl

/-- A variable of `s i` inside `attach t k ψ s` hears from the rest through the factor's
downward message. -/
private theorem beliefAt_child (t : FTree α) (k : ℕ) (ψ : α → (Fin k → α) → ℝ)
    (s : Fin k → FTree α) (i : Fin k) (p : Pos (s i)) (g : α → ℝ) :
    beliefAt (.attach t k ψ s) (.child i p) g =
      beliefAt (s i) p (fun w => ∑ u, g u * up t u * dmsg ψ (fun j => up (s j)) i u w) := rfl

/-- The normalised BP belief of the variable at position `p`. -/
def nodeBelief (t : FTree α) (p : Pos t) (v : α) : ℝ :=
  beliefAt t p (fun _ => 1) v / ∑ w, beliefAt t p (fun _ => 1) w

/-- The exact unnormalised marginal of the variable at `p` when the root also carries the extra
unary factor `g`. -/
def unnormMarginalAt (t : FTree α) (p : Pos t) (g : α → ℝ) (v : α) : ℝ :=
  ∑ x : Asg t, if valAt t p x = v then g (root t x) * weight t x else 0

/-- The exact unnormalised marginal of the variable at position `p`: the total weight of the
full assignments that give it the value `v`. -/
def unnormNodeMarginal (t : FTree α) (p : Pos t) (v : α) : ℝ :=
  ∑ x : Asg t, if valAt t p x = v then weight t x else 0

/-- The exact marginal `P(variable at p = v)`. -/
def nodeMarginal (t : FTree α) (p : Pos t) (v : α) : ℝ :=
  unnormNodeMarginal t p v / partition t

/-- A single variable with extra factor `g`: its marginal weight is `g v * ev v`. -/
private theorem unnormMarginalAt_here (ev g : α → ℝ) (v : α) :
    unnormMarginalAt (.leaf ev) (.here ev) g v = g v * ev v := by
  unfold unnormMarginalAt
  show (∑ x : α, if x = v then g x * ev x else 0) = g v * ev v
  first
    | (simp; done)
    | rw [Finset.sum_ite_eq', if_pos (Finset.mem_univ _)]

/-- The exact marginal of a variable of `t` inside `attach t k ψ s`: the children act on the
root of `t` as one more unary factor, the factor's message of their exact marginals. -/
theorem unnormMarginalAt_left (t : FTree α) (k : ℕ) (ψ : α → (Fin k → α) → ℝ)
    (s : Fin k → FTree α) (p : Pos t) (g : α → ℝ) (v : α) :
    unnormMarginalAt (.attach t k ψ s) (.left p) g v =
      unnormMarginalAt t p (fun u => g u * fmsg ψ (fun j => unnormRootMarginal (s j)) u) v := by
  simp only [unnormMarginalAt]
  rw [sum_attach]
  refine Finset.sum_congr rfl (fun x _ => ?_)
  rw [fmsg_unnormRootMarginal]
  simp only [valAt_left_mk, root_mk, weight_mk]
  by_cases h : valAt t p x = v
  · simp only [if_pos h]
    rw [Finset.mul_sum, Finset.sum_mul]
    refine Finset.sum_congr rfl (fun y _ => ?_)
    ring
  · first
      | (simp only [if_neg h, Finset.sum_const_zero]; done)
      | simp [h]

/-- The children's weights, with child `i`'s weight restricted to the assignments of `s i` that
give its variable `p` the value `v` (weight zero elsewhere). -/
private def restrictW {k : ℕ} (s : Fin k → FTree α) (i : Fin k) (p : Pos (s i)) (v : α) :
    (j : Fin k) → Asg (s j) → ℝ :=
  Function.update (fun j => weight (s j)) i
    (fun x => (if valAt (s i) p x = v then 1 else 0) * weight (s i) x)

/-- The restricted weights of a tuple: the indicator of child `i`'s coordinate times the
children's weights. -/
private theorem prod_restrictW {k : ℕ} (s : Fin k → FTree α) (i : Fin k) (p : Pos (s i)) (v : α)
    (z : (j : Fin k) → Asg (s j)) :
    ∏ j, restrictW s i p v j (z j) =
      (if valAt (s i) p (z i) = v then 1 else 0) * ∏ j, weight (s j) (z j) := by
  have h : ∀ j, restrictW s i p v j (z j) =
      (if j = i then (if valAt (s i) p (z i) = v then (1 : ℝ) else 0) else 1) *
        weight (s j) (z j) := by
    intro j
    by_cases hj : j = i
    · subst hj
      rw [if_pos rfl]
      first
        | (unfold restrictW; rw [Function.update_self]; done)
        | (simp only [restrictW, Function.update_self]; done)
        | (unfold restrictW; rw [Function.update_same]; done)
        | simp [restrictW]
    · rw [if_neg hj, one_mul]
      first
        | (unfold restrictW; rw [Function.update_of_ne hj]; done)
        | (simp only [restrictW, Function.update_of_ne hj]; done)
        | (unfold restrictW; rw [Function.update_noteq hj]; done)
        | simp [restrictW, hj]
  calc ∏ j, restrictW s i p v j (z j)
      = ∏ j, (if j = i then (if valAt (s i) p (z i) = v then (1 : ℝ) else 0) else 1) *
          weight (s j) (z j) := Finset.prod_congr rfl (fun j _ => h j)
    _ = (∏ j, if j = i then (if valAt (s i) p (z i) = v then (1 : ℝ) else 0) else 1) *
          ∏ j, weight (s j) (z j) := Finset.prod_mul_distrib
    _ = (if valAt (s i) p (z i) = v then 1 else 0) * ∏ j, weight (s j) (z j) := by
        first
          | (rw [Finset.prod_ite_eq', if_pos (Finset.mem_univ _)]; done)
          | simp

/-- Regrouped by root values, the restricted weights give child `i`'s restricted marginal times
the other children's exact marginals. -/
private theorem prod_fiber_restrictW {k : ℕ} (s : Fin k → FTree α) (i : Fin k) (p : Pos (s i))
    (v : α) (y : Fin k → α) :
    ∏ j, (∑ z : Asg (s j), if root (s j) z = y j then restrictW s i p v j z else 0) =
      (∑ z : Asg (s i), if root (s i) z = y i then
          (if valAt (s i) p z = v then 1 else 0) * weight (s i) z else 0) *
        ∏ j, (if j = i then 1 else unnormRootMarginal (s j) (y j)) := by
  have h : ∀ j, (∑ z : Asg (s j), if root (s j) z = y j then restrictW s i p v j z else 0) =
      (if j = i then (∑ z : Asg (s i), if root (s i) z = y i then
          (if valAt (s i) p z = v then 1 else 0) * weight (s i) z else 0) else 1) *
        (if j = i then 1 else unnormRootMarginal (s j) (y j)) := by
    intro j
    by_cases hj : j = i
    · subst hj
      rw [if_pos rfl, if_pos rfl, mul_one]
      refine Finset.sum_congr rfl (fun z _ => ?_)
      first
        | (unfold restrictW; rw [Function.update_self]; done)
        | (simp only [restrictW, Function.update_self]; done)
        | (unfold restrictW; rw [Function.update_same]; done)
        | simp [restrictW]
    · rw [if_neg hj, if_neg hj, one_mul]
      first
        | (unfold restrictW unnormRootMarginal; rw [Function.update_of_ne hj]; done)
        | (simp only [restrictW, unnormRootMarginal, Function.update_of_ne hj]; done)
        | (unfold restrictW unnormRootMarginal; rw [Function.update_noteq hj]; done)
        | simp [restrictW, unnormRootMarginal, hj]
  calc ∏ j, (∑ z : Asg (s j), if root (s j) z = y j then restrictW s i p v j z else 0)
      = ∏ j, (if j = i then (∑ z : Asg (s i), if root (s i) z = y i then
            (if valAt (s i) p z = v then 1 else 0) * weight (s i) z else 0) else 1) *
          (if j = i then 1 else unnormRootMarginal (s j) (y j)) :=
        Finset.prod_congr rfl (fun j _ => h j)
    _ = (∏ j, if j = i then (∑ z : Asg (s i), if root (s i) z = y i then
            (if valAt (s i) p z = v then 1 else 0) * weight (s i) z else 0) else 1) *
          ∏ j, (if j = i then 1 else unnormRootMarginal (s j) (y j)) :=
        Finset.prod_mul_distrib
    _ = (∑ z : Asg (s i), if root (s i) z = y i then
            (if valAt (s i) p z = v then 1 else 0) * weight (s i) z else 0) *
          ∏ j, (if j = i then 1 else unnormRootMarginal (s j) (y j)) := by
        first
          | (rw [Finset.prod_ite_eq', if_pos (Finset.mem_univ _)]; done)
          | simp

/-- Summing the downward message against a function of the child's value: the message's
indicator `y i = c` collapses the sum over `c`. -/
private theorem sum_dmsg_mul {k : ℕ} (ψ : α → (Fin k → α) → ℝ) (b : Fin k → α → ℝ) (i : Fin k)
    (u : α) (h : α → ℝ) :
    ∑ c, dmsg ψ b i u c * h c =
      ∑ y : Fin k → α, ψ u y * (∏ j, if j = i then 1 else b j (y j)) * h (y i) := by
  simp only [dmsg, Finset.sum_mul]
  rw [Finset.sum_comm]
  refine Finset.sum_congr rfl (fun y _ => ?_)
  simp only [ite_mul, zero_mul]
  first
    | (rw [Finset.sum_ite_eq, if_pos (Finset.mem_univ _)]; done)
    | (simp; done)

/-- The factor's sum over the children's tuples with child `i` restricted equals its downward
message to child `i` summed against child `i`'s restricted marginal. -/
private theorem sum_restrictW_eq {k : ℕ} (ψ : α → (Fin k → α) → ℝ) (s : Fin k → FTree α)
    (i : Fin k) (p : Pos (s i)) (v u : α) :
    ∑ z : ((j : Fin k) → Asg (s j)),
        ψ u (fun j => root (s j) (z j)) * ∏ j, restrictW s i p v j (z j) =
      ∑ c, dmsg ψ (fun j => unnormRootMarginal (s j)) i u c *
        ∑ x : Asg (s i), (if root (s i) x = c then
          (if valAt (s i) p x = v then 1 else 0) * weight (s i) x else 0) := by
  rw [sum_dmsg_mul, ← sum_mul_prod_fiber (fun j => root (s j)) (restrictW s i p v) (ψ u)]
  refine Finset.sum_congr rfl (fun y _ => ?_)
  rw [prod_fiber_restrictW s i p v y]
  ring

/-- The exact marginal of a variable of `s i` inside `attach t k ψ s`: the rest of the tree acts
on the root of `s i` as one more unary factor, the factor's downward message
`∑ u, g u * Z_t(u) * dmsg ψ Z i u w` built from the exact marginals `Z` of `t` and of the other
children. -/
theorem unnormMarginalAt_child (t : FTree α) (k : ℕ) (ψ : α → (Fin k → α) → ℝ)
    (s : Fin k → FTree α) (i : Fin k) (p : Pos (s i)) (g : α → ℝ) (v : α) :
    unnormMarginalAt (.attach t k ψ s) (.child i p) g v =
      unnormMarginalAt (s i) p
        (fun w => ∑ u, g u * unnormRootMarginal t u *
          dmsg ψ (fun j => unnormRootMarginal (s j)) i u w) v := by
  -- Both sides equal `∑ u, g u * Z_t(u) * ∑ z, ψ u (roots of z) * ∏ j, restrictW s i p v j (z j)`.
  have hL : unnormMarginalAt (.attach t k ψ s) (.child i p) g v =
      ∑ u, g u * unnormRootMarginal t u *
        ∑ z : ((j : Fin k) → Asg (s j)),
          ψ u (fun j => root (s j) (z j)) * ∏ j, restrictW s i p v j (z j) := by
    have step : unnormMarginalAt (.attach t k ψ s) (.child i p) g v =
        ∑ x : Asg t, (g (root t x) * ∑ z : ((j : Fin k) → Asg (s j)),
          ψ (root t x) (fun j => root (s j) (z j)) * ∏ j, restrictW s i p v j (z j)) *
            weight t x := by
      unfold unnormMarginalAt
      rw [sum_attach]
      refine Finset.sum_congr rfl (fun x _ => ?_)
      rw [Finset.mul_sum, Finset.sum_mul]
      refine Finset.sum_congr rfl (fun z _ => ?_)
      rw [valAt_child_mk, root_mk, weight_mk, prod_restrictW s i p v z]
      by_cases h : valAt (s i) p (z i) = v
      · rw [if_pos h, if_pos h]
        ring
      · rw [if_neg h, if_neg h]
        ring
    rw [step, ← TBN.Pearl.RTree.sum_mul_fiber (root t)
      (fun u => g u * ∑ z : ((j : Fin k) → Asg (s j)),
          ψ u (fun j => root (s j) (z j)) * ∏ j, restrictW s i p v j (z j)) (weight t)]
    refine Finset.sum_congr rfl (fun u _ => ?_)
    simp only [unnormRootMarginal]
    ring
  have hR : unnormMarginalAt (s i) p
        (fun w => ∑ u, g u * unnormRootMarginal t u *
          dmsg ψ (fun j => unnormRootMarginal (s j)) i u w) v =
      ∑ u, g u * unnormRootMarginal t u *
        ∑ z : ((j : Fin k) → Asg (s j)),
          ψ u (fun j => root (s j) (z j)) * ∏ j, restrictW s i p v j (z j) := by
    have step : unnormMarginalAt (s i) p
          (fun w => ∑ u, g u * unnormRootMarginal t u *
            dmsg ψ (fun j => unnormRootMarginal (s j)) i u w) v =
        ∑ x : Asg (s i), (∑ u, g u * unnormRootMarginal t u *
          dmsg ψ (fun j => unnormRootMarginal (s j)) i u (root (s i) x)) *
            ((if valAt (s i) p x = v then 1 else 0) * weight (s i) x) := by
      unfold unnormMarginalAt
      refine Finset.sum_congr rfl (fun x _ => ?_)
      by_cases h : valAt (s i) p x = v
      · first
          | (rw [if_pos h, if_pos h, one_mul]; done)
          | simp [h]
      · first
          | (rw [if_neg h, if_neg h, zero_mul, mul_zero]; done)
          | simp [h]
    rw [step, ← TBN.Pearl.RTree.sum_mul_fiber (root (s i))
      (fun c => ∑ u, g u * unnormRootMarginal t u *
          dmsg ψ (fun j => unnormRootMarginal (s j)) i u c)
      (fun x => (if valAt (s i) p x = v then 1 else 0) * weight (s i) x)]
    simp only [Finset.sum_mul]
    rw [Finset.sum_comm]
    refine Finset.sum_congr rfl (fun u _ => ?_)
    rw [sum_restrictW_eq ψ s i p v u, Finset.mul_sum]
    refine Finset.sum_congr rfl (fun c _ => ?_)
    ring
  first
    | exact hL.trans hR.symm
    | rw [hL, hR]

/-- Sum-product with the two-pass schedule computes, at every variable, its exact unnormalised
marginal (with any extra factor `g` at the root). -/
theorem beliefAt_eq_unnormMarginalAt :
    (t : FTree α) → (p : Pos t) → (g : α → ℝ) → beliefAt t p g = unnormMarginalAt t p g := by
  -- Induction on the position `p` (`Pos` is not reflexive), as in `roundsNeeded_le`: no
  -- structural-recursion inference (whose first candidate, the reflexive `FTree`, cannot
  -- eliminate into `Prop` before Lean PR #7639).
  intro t p
  induction p with
  | here ev =>
      intro g
      exact funext fun v => (unnormMarginalAt_here ev g v).symm
  | @left t k ψ s p ih =>
      intro g
      have hu : (fun j => up (s j)) = fun j => unnormRootMarginal (s j) :=
        funext fun j => up_eq_unnormRootMarginal (s j)
      funext v
      rw [beliefAt_left, ih, unnormMarginalAt_left]
      first
        | (simp only [up_eq_unnormRootMarginal]; done)
        | exact congrArg (fun b => unnormMarginalAt t p (fun u => g u * fmsg ψ b u) v) hu
        | rw [hu]
  | @child t k ψ s i p ih =>
      intro g
      have hu : (fun j => up (s j)) = fun j => unnormRootMarginal (s j) :=
        funext fun j => up_eq_unnormRootMarginal (s j)
      funext v
      rw [beliefAt_child, ih, unnormMarginalAt_child]
      first
        | (simp only [up_eq_unnormRootMarginal]; done)
        | (rw [hu, up_eq_unnormRootMarginal t]; done)
        | simp only [hu, up_eq_unnormRootMarginal t]

/-- With no extra factor, `unnormMarginalAt` is the variable's exact unnormalised marginal. -/
private theorem unnormMarginalAt_one (t : FTree α) (p : Pos t) (v : α) :
    unnormMarginalAt t p (fun _ => 1) v = unnormNodeMarginal t p v := by
  simp only [unnormMarginalAt, unnormNodeMarginal, one_mul]

/-- Every variable's marginal weights add up to the partition function. -/
theorem sum_unnormNodeMarginal (t : FTree α) (p : Pos t) :
    ∑ v, unnormNodeMarginal t p v = partition t := by
  unfold unnormNodeMarginal partition
  rw [Finset.sum_comm]
  refine Finset.sum_congr rfl (fun x _ => ?_)
  first
    | (simp; done)
    | rw [Finset.sum_ite_eq, if_pos (Finset.mem_univ _)]

/-- Pearl's theorem at every variable of a tree factor graph with factors of any arity: the
normalised sum-product belief of each variable (two-pass schedule: upward, then downward messages
through every `(k + 1)`-ary factor) equals its exact marginal, obtained by summing the joint over
all full assignments, for all real factor tables (SPEC 3.2, factors over any subsets of
variables; answers the paper's claim that BP on its graphs computes the exact beliefs). -/
theorem pearl_all (t : FTree α) (p : Pos t) (v : α) : nodeBelief t p v = nodeMarginal t p v := by
  unfold nodeBelief nodeMarginal
  rw [beliefAt_eq_unnormMarginalAt t p (fun _ => 1)]
  simp only [unnormMarginalAt_one]
  rw [sum_unnormNodeMarginal]

end AllNodes

section RoundsAll

variable [Fintype α] [DecidableEq α]

/-- Initial downward messages: one arbitrary function on every factor-to-child edge (a factor
with `k` children has `k` of them). -/
def DMsgs : FTree α → Type
  | .leaf _ => Unit
  | .attach t k _ s => DMsgs t × (Fin k → α → ℝ) × ((i : Fin k) → DMsgs (s i))

/-- The initial downward messages on the edges of `t` inside `attach t k ψ s`. -/
def DMsgs.parent {t : FTree α} {k : ℕ} {ψ : α → (Fin k → α) → ℝ} {s : Fin k → FTree α}
    (m : DMsgs (.attach t k ψ s)) : DMsgs t :=
  Prod.fst (α := DMsgs t) (β := (Fin k → α → ℝ) × ((i : Fin k) → DMsgs (s i))) m

/-- The initial downward messages from the new factor of `attach t k ψ s` to the roots of the
`s i`, one per child. -/
def DMsgs.edge {t : FTree α} {k : ℕ} {ψ : α → (Fin k → α) → ℝ} {s : Fin k → FTree α}
    (m : DMsgs (.attach t k ψ s)) : Fin k → α → ℝ :=
  (Prod.snd (α := DMsgs t) (β := (Fin k → α → ℝ) × ((i : Fin k) → DMsgs (s i))) m).1

/-- The initial downward messages on the edges of each `s i` inside `attach t k ψ s`. -/
def DMsgs.child {t : FTree α} {k : ℕ} {ψ : α → (Fin k → α) → ℝ} {s : Fin k → FTree α}
    (m : DMsgs (.attach t k ψ s)) : (i : Fin k) → DMsgs (s i) :=
  (Prod.snd (α := DMsgs t) (β := (Fin k → α → ℝ) × ((i : Fin k) → DMsgs (s i))) m).2

/-- The message the factor `ψ` sends up to its parent variable in round `j` of the synchronous
schedule: the initial message `e` in round `0`, then `fmsg` of the children's root beliefs after
round `j - 1` (each child's variable-to-factor message). -/
def upEdge {k : ℕ} (ψ : α → (Fin k → α) → ℝ) (s : Fin k → FTree α) (e : α → ℝ)
    (ms : (i : Fin k) → Msgs (s i)) (j : ℕ) (u : α) : ℝ :=
  if j = 0 then e u else fmsg ψ (fun i => beliefAfter (s i) (j - 1) (ms i)) u

/-- The message the factor `ψ` of `attach t k ψ s` sends down to the root of its child `i` in
round `j`: the initial message `e` in round `0`, then `dmsg` computed from round `j - 1`: the
parent variable's message to the factor (the message `G (j - 1)` it then received from outside
`t` times its root belief in `t`) and the other children's root beliefs. -/
def downEdge {k : ℕ} (ψ : α → (Fin k → α) → ℝ) (t : FTree α) (s : Fin k → FTree α) (i : Fin k)
    (e : α → ℝ) (mt : Msgs t) (ms : (l : Fin k) → Msgs (s l)) (G : ℕ → α → ℝ) (j : ℕ)
    (w : α) : ℝ :=
  if j = 0 then e w else
    ∑ u, G (j - 1) u * beliefAfter t (j - 1) mt u *
      dmsg ψ (fun l => beliefAfter (s l) (j - 1) (ms l)) i u w

/-- The unnormalised belief of the variable at position `p` after `n` synchronous rounds of
sum-product (flooding: every message of round `j` is computed from the quantities of round
`j - 1`), from arbitrary initial upward messages `mu` and downward messages `md`, when the root of
`t` receives the message `G j` from outside `t` in round `j` (`G = 1` for the whole tree). -/
def beliefAtAfter : (t : FTree α) → Pos t → ℕ → Msgs t → DMsgs t → (ℕ → α → ℝ) → α → ℝ
  | .leaf ev, .here _, n, _, _, G => fun v => G n v * ev v
  | .attach t _ ψ s, .left p, n, mu, md, G =>
      beliefAtAfter t p n (Msgs.parent mu) (DMsgs.parent md)
        (fun j u => G j u * upEdge ψ s (Msgs.edge mu) (Msgs.child mu) j u)
  | .attach t _ ψ s, .child i p, n, mu, md, G =>
      beliefAtAfter (s i) p n (Msgs.child mu i) (DMsgs.child md i)
        (fun j w => downEdge ψ t s i (DMsgs.edge md i) (Msgs.parent mu) (Msgs.child mu) G j w)

/-- How many synchronous rounds the variable at `p` needs when the message from outside `t` is
final from round `d` on. Going left waits for the factor's upward message (one round more than
the deepest child); going to child `i` waits one round more than the outside message, the parent
subtree and ALL children (a simple overestimate: only the siblings of `i` matter). It is at most
`max d (height t) + height t` (`roundsNeeded_le`), so with `d = 0` at most `2 * height t`; it is
not the variable's eccentricity in general. -/
def roundsNeeded : (t : FTree α) → Pos t → ℕ → ℕ
  | .leaf _, .here _, d => d
  | .attach t _ _ s, .left p, d =>
      roundsNeeded t p (max d ((Finset.univ.sup fun l => height (s l)) + 1))
  | .attach t _ _ s, .child i p, d =>
      roundsNeeded (s i) p (max d (max (height t) (Finset.univ.sup fun l => height (s l))) + 1)

/-- The number of rounds `roundsNeeded t p d` is at most `max d (height t) + height t`: with
`d = 0`, the round count of `pearl_rounds_all` is at most `2 * height t` at every variable (the
round bound in our answer to SPEC 3.2's "after at least diameter synchronous rounds"; it is a
bound in terms of the height, not the diameter). -/
theorem roundsNeeded_le (t : FTree α) (p : Pos t) :
    ∀ d : ℕ, roundsNeeded t p d ≤ max d (height t) + height t := by
  induction p with
  | here ev =>
      intro d
      show d ≤ max d 0 + 0
      first
        | omega
        | exact le_trans (le_max_left d 0) (Nat.le_add_right _ _)
  | @left t k ψ s p ih =>
      intro d
      have h := ih (max d ((Finset.univ.sup fun l => height (s l)) + 1))
      show roundsNeeded t p (max d ((Finset.univ.sup fun l => height (s l)) + 1)) ≤
        max d (max (height t) ((Finset.univ.sup fun l => height (s l)) + 1)) +
          max (height t) ((Finset.univ.sup fun l => height (s l)) + 1)
      first
        | omega
        | (simp only [max_def] at h ⊢; split_ifs at h ⊢ <;> omega)
  | @child t k ψ s i p ih =>
      intro d
      have hi : height (s i) ≤ Finset.univ.sup fun l => height (s l) :=
        Finset.le_sup (f := fun l => height (s l)) (Finset.mem_univ i)
      have h := ih (max d (max (height t) (Finset.univ.sup fun l => height (s l))) + 1)
      show roundsNeeded (s i) p
          (max d (max (height t) (Finset.univ.sup fun l => height (s l))) + 1) ≤
        max d (max (height t) ((Finset.univ.sup fun l => height (s l)) + 1)) +
          max (height t) ((Finset.univ.sup fun l => height (s l)) + 1)
      first
        | omega
        | (simp only [max_def] at h ⊢; split_ifs at h ⊢ <;> omega)

/-- Flooding sum-product converges to the two-pass beliefs on tree factor graphs with factors of
any arity: once the message from outside is final (`G j = g` from round `d` on), after
`roundsNeeded t p d` or more synchronous rounds, from any initial upward and downward messages,
the belief of the variable at `p` is its two-pass sum-product belief `beliefAt t p g` and no
longer depends on the initial messages (the convergence step of SPEC 3.2's "after enough
synchronous rounds, BP beliefs equal the exact marginals", before `pearl_all` is applied). -/
theorem beliefAtAfter_eq_beliefAt (t : FTree α) (p : Pos t) :
    ∀ (d n : ℕ) (mu : Msgs t) (md : DMsgs t) (G : ℕ → α → ℝ) (g : α → ℝ),
      (∀ j, d ≤ j → G j = g) → roundsNeeded t p d ≤ n →
      beliefAtAfter t p n mu md G = beliefAt t p g := by
  -- Induction on the position (`Pos` is not reflexive), never structural recursion on `FTree`.
  induction p with
  | here ev =>
      intro d n mu md G g hG hn
      have hn' : d ≤ n := hn
      funext v
      show G n v * ev v = g v * ev v
      rw [hG n hn']
  | @left t k ψ s p ih =>
      intro d n mu md G g hG hn
      show beliefAtAfter t p n (Msgs.parent mu) (DMsgs.parent md)
          (fun j u => G j u * upEdge ψ s (Msgs.edge mu) (Msgs.child mu) j u) =
        beliefAt t p (fun u => g u * fmsg ψ (fun l => up (s l)) u)
      refine ih (max d ((Finset.univ.sup fun l => height (s l)) + 1)) n (Msgs.parent mu)
        (DMsgs.parent md) (fun j u => G j u * upEdge ψ s (Msgs.edge mu) (Msgs.child mu) j u)
        (fun u => g u * fmsg ψ (fun l => up (s l)) u) ?_ hn
      intro j hj
      have h1 : d ≤ j := le_trans (le_max_left _ _) hj
      have h2 : (Finset.univ.sup fun l => height (s l)) + 1 ≤ j :=
        le_trans (le_max_right _ _) hj
      have hj0 : j ≠ 0 := by
        first
          | omega
          | exact Nat.pos_iff_ne_zero.mp (Nat.lt_of_lt_of_le (Nat.succ_pos _) h2)
      have hchild : (fun l => beliefAfter (s l) (j - 1) (Msgs.child mu l)) =
          fun l => up (s l) := by
        funext l
        have hl : height (s l) ≤ Finset.univ.sup fun l' => height (s l') :=
          Finset.le_sup (f := fun l' => height (s l')) (Finset.mem_univ l)
        have hl' : height (s l) ≤ j - 1 := by
          first
            | omega
            | exact Nat.le_sub_one_of_lt (Nat.lt_of_le_of_lt hl h2)
        exact beliefAfter_eq_up (s l) (j - 1) (Msgs.child mu l) hl'
      funext u
      show G j u * upEdge ψ s (Msgs.edge mu) (Msgs.child mu) j u =
        g u * fmsg ψ (fun l => up (s l)) u
      rw [hG j h1]
      unfold upEdge
      rw [if_neg hj0]
      first
        | exact congrArg (fun b => g u * fmsg ψ b u) hchild
        | (rw [hchild]; done)
        | simp only [hchild]
  | @child t k ψ s i p ih =>
      intro d n mu md G g hG hn
      show beliefAtAfter (s i) p n (Msgs.child mu i) (DMsgs.child md i)
          (fun j w => downEdge ψ t s i (DMsgs.edge md i) (Msgs.parent mu) (Msgs.child mu) G j w) =
        beliefAt (s i) p (fun w => ∑ u, g u * up t u * dmsg ψ (fun l => up (s l)) i u w)
      refine ih (max d (max (height t) (Finset.univ.sup fun l => height (s l))) + 1) n
        (Msgs.child mu i) (DMsgs.child md i)
        (fun j w => downEdge ψ t s i (DMsgs.edge md i) (Msgs.parent mu) (Msgs.child mu) G j w)
        (fun w => ∑ u, g u * up t u * dmsg ψ (fun l => up (s l)) i u w) ?_ hn
      intro j hj
      have hm : max d (max (height t) (Finset.univ.sup fun l => height (s l))) ≤ j - 1 := by
        first
          | omega
          | exact Nat.le_sub_one_of_lt hj
      have h1 : d ≤ j - 1 := le_trans (le_max_left _ _) hm
      have hm' : max (height t) (Finset.univ.sup fun l => height (s l)) ≤ j - 1 :=
        le_trans (le_max_right _ _) hm
      have h2 : height t ≤ j - 1 := le_trans (le_max_left _ _) hm'
      have h3 : (Finset.univ.sup fun l => height (s l)) ≤ j - 1 := le_trans (le_max_right _ _) hm'
      have hj0 : j ≠ 0 := by
        first
          | omega
          | exact Nat.pos_iff_ne_zero.mp (Nat.lt_of_lt_of_le (Nat.succ_pos _) hj)
      have hchild : (fun l => beliefAfter (s l) (j - 1) (Msgs.child mu l)) =
          fun l => up (s l) := by
        funext l
        have hl : height (s l) ≤ Finset.univ.sup fun l' => height (s l') :=
          Finset.le_sup (f := fun l' => height (s l')) (Finset.mem_univ l)
        exact beliefAfter_eq_up (s l) (j - 1) (Msgs.child mu l) (le_trans hl h3)
      funext w
      show downEdge ψ t s i (DMsgs.edge md i) (Msgs.parent mu) (Msgs.child mu) G j w =
        ∑ u, g u * up t u * dmsg ψ (fun l => up (s l)) i u w
      unfold downEdge
      rw [if_neg hj0, hG (j - 1) h1, beliefAfter_eq_up t (j - 1) (Msgs.parent mu) h2]
      first
        | exact congrArg (fun b => ∑ u, g u * up t u * dmsg ψ b i u w) hchild
        | (rw [hchild]; done)
        | simp only [hchild]

/-- Pearl's theorem with synchronous rounds at every variable of a tree factor graph with factors
of any arity: after any number `n ≥ roundsNeeded t p 0` (at most `2 * height t`,
`roundsNeeded_le`) of synchronous (flooding) sum-product rounds, started from arbitrary upward
and downward messages, the normalised belief of the variable at `p` equals its exact marginal,
obtained by summing the joint over all full assignments, for all real factor tables (SPEC 3.2:
"after at least diameter synchronous rounds, BP beliefs equal the exact marginals", with a round
bound in terms of the height; answers the paper's claim that BP on its graphs computes the exact
beliefs). -/
theorem pearl_rounds_all (t : FTree α) (p : Pos t) (n : ℕ) (mu : Msgs t) (md : DMsgs t)
    (hn : roundsNeeded t p 0 ≤ n) (v : α) :
    beliefAtAfter t p n mu md (fun _ _ => 1) v /
        ∑ w, beliefAtAfter t p n mu md (fun _ _ => 1) w =
      nodeMarginal t p v := by
  rw [beliefAtAfter_eq_beliefAt t p 0 n mu md (fun _ _ => 1) (fun _ => 1) (fun _ _ => rfl) hn]
  exact pearl_all t p v

end RoundsAll

end FTree

end TBN.PearlFactor

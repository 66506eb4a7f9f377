import TBN.FactorGraph
import Mathlib.Data.Fintype.Sum
import Mathlib.Tactic.NormNum

/-!
# Sum-product belief propagation on finite factor graphs

Loopy sum-product BP with directed messages and a synchronous (flooding) schedule (SPEC 3.2), on
the factor graphs of `TBN.FactorGraph`, and the tree predicate on their bipartite
variable–factor graph.

## Main definitions

* `Messages n ι α`: factor-to-variable messages `μ a i v`, the state of BP between rounds.
* `varToFactor`: the message from variable `i` to factor `a` multiplies the messages into `i` from
  every other factor: what came from `a` is excluded.
* `factorToVar`: the message from factor `a` to variable `i` sums the factor times the messages
  from `a`'s other variables: what came from `i` is excluded.
* `bpRound`, `bpRounds`: one synchronous round (every variable-to-factor message from the previous
  state, then every factor-to-variable message from those), and `k` rounds.
* `unnormBelief`, `belief`: the product of all messages into a variable, and its normalisation.
* `adj`, `reach`, `Connected`, `IsTree`: the bipartite graph, breadth-first reachability, and the
  tree predicate "connected and `|E| + 1 = |V|`", decidable by computation (not a flag).

## Main statements

* `bpRounds_nonneg`, `bpRounds_uniform_nonneg`, `belief_nonneg`: nonnegative factors and messages
  stay nonnegative (in particular from the uniform start of `tbn.bp`).
* `sum_belief`: beliefs are a probability distribution whenever the normaliser is nonzero.
* `belief_bpRound_single`: on a factor graph with a single factor (a star-shaped tree), one round
  from any messages gives the exact marginals of the factor's variables.
* `not_isTree_doubleEdge`: the tree predicate fails on two variables joined by two factors.

## Implementation notes

Messages are not normalised between rounds, and the factor-to-variable message sums over all full
assignments (not only over the factor's scope): the variables outside the scope contribute the
same positive factor `card α ^ (n - card (scope a))` to every entry of the message. Both choices
multiply messages by positive constants only, so the normalised beliefs are those of the textbook
algorithm (and of `tbn.bp.belief_propagation`, whose rounds follow the same contract: uniform
messages before round 1, `bpRounds` after `T` rounds). Evidence enters as unary factors
(`FactorGraph.withEvidence`). The exactness of BP on trees is proved here for a single factor, in
`TBN.Pearl` / `TBN.PearlFactor` for rooted trees, and for these flat definitions on every factor
graph satisfying `IsTree` in `TBN.TreeBP` (`pearl_tree`).

## References

* Coppola, *Transformers are Bayesian Networks*, arXiv:2603.17063 (2026): BP
  equivalence; the paper's own "BP" forwards neighbour beliefs and ignores the factor tables.
* F. R. Kschischang, B. J. Frey, H.-A. Loeliger, *Factor graphs and the sum-product algorithm*,
  IEEE Trans. Inform. Theory 47 (2001).
-/

namespace TBN.SumProduct

open TBN.FactorGraph

/-- Factor-to-variable messages: `μ a i v` is the message from factor `a` to variable `i` at
value `v`. -/
abbrev Messages (n : ℕ) (ι α : Type) : Type := ι → Fin n → α → ℝ

variable {n : ℕ} {ι α : Type} [Fintype ι] [DecidableEq ι] [Fintype α] [DecidableEq α]

section BP

/-- The factors whose scope contains variable `i`. -/
def nbrs (fg : FactorGraph n ι α) (i : Fin n) : Finset ι :=
  Finset.univ.filter (fun a => i ∈ fg.scope a)

/-- The message from variable `i` to factor `a`: the product of the messages into `i` from all
its other factors. -/
def varToFactor (fg : FactorGraph n ι α) (μ : Messages n ι α) (i : Fin n) (a : ι) (v : α) : ℝ :=
  ∏ b ∈ (nbrs fg i).erase a, μ b i v

/-- The message from factor `a` to variable `i`: the sum, over assignments giving `i` the value
`v`, of the factor times the messages into `a` from its other variables. -/
def factorToVar (fg : FactorGraph n ι α) (ν : Fin n → ι → α → ℝ) (a : ι) (i : Fin n) (v : α) :
    ℝ :=
  ∑ x : Fin n → α, if x i = v then fg.table a x * ∏ j ∈ (fg.scope a).erase i, ν j a (x j) else 0

/-- One synchronous round: all variable-to-factor messages from the current state, then all
factor-to-variable messages from those. -/
def bpRound (fg : FactorGraph n ι α) (μ : Messages n ι α) : Messages n ι α :=
  factorToVar fg (varToFactor fg μ)

/-- `k` synchronous rounds. -/
def bpRounds (fg : FactorGraph n ι α) : ℕ → Messages n ι α → Messages n ι α
  | 0, μ => μ
  | k + 1, μ => bpRound fg (bpRounds fg k μ)

/-- The uniform messages BP starts from. -/
def uniformMessages : Messages n ι α := fun _ _ _ => 1

/-- The unnormalised belief of variable `i`: the product of all messages into it. -/
def unnormBelief (fg : FactorGraph n ι α) (μ : Messages n ι α) (i : Fin n) (v : α) : ℝ :=
  ∏ a ∈ nbrs fg i, μ a i v

/-- The belief of variable `i`: its unnormalised belief, normalised over its values (real
division: noncomputable). -/
noncomputable def belief (fg : FactorGraph n ι α) (μ : Messages n ι α) (i : Fin n) (v : α) : ℝ :=
  unnormBelief fg μ i v / ∑ w, unnormBelief fg μ i w

omit [Fintype α] [DecidableEq α] in
/-- Variable-to-factor messages built from nonnegative messages are nonnegative. -/
theorem varToFactor_nonneg (fg : FactorGraph n ι α) (μ : Messages n ι α)
    (hμ : ∀ a i v, 0 ≤ μ a i v) (i : Fin n) (a : ι) (v : α) : 0 ≤ varToFactor fg μ i a v :=
  Finset.prod_nonneg (fun b _ => hμ b i v)

omit [Fintype ι] [DecidableEq ι] in
/-- Factor-to-variable messages built from nonnegative messages are nonnegative. -/
theorem factorToVar_nonneg (fg : FactorGraph n ι α) (ν : Fin n → ι → α → ℝ)
    (hν : ∀ j a v, 0 ≤ ν j a v) (a : ι) (i : Fin n) (v : α) : 0 ≤ factorToVar fg ν a i v := by
  unfold factorToVar
  refine Finset.sum_nonneg (fun x _ => ?_)
  have hx : 0 ≤ fg.table a x * ∏ j ∈ (fg.scope a).erase i, ν j a (x j) :=
    mul_nonneg (fg.table_nonneg a x) (Finset.prod_nonneg (fun j _ => hν j a (x j)))
  split_ifs <;> (first | exact hx | exact le_refl 0)

/-- One round of BP keeps messages nonnegative. -/
theorem bpRound_nonneg (fg : FactorGraph n ι α) (μ : Messages n ι α)
    (hμ : ∀ a i v, 0 ≤ μ a i v) : ∀ a i v, 0 ≤ bpRound fg μ a i v :=
  fun a i v => factorToVar_nonneg fg (varToFactor fg μ)
    (fun j b w => varToFactor_nonneg fg μ hμ j b w) a i v

/-- Any number of BP rounds from nonnegative messages gives nonnegative messages (SPEC 3.2: the
messages are unnormalised measures). -/
theorem bpRounds_nonneg (fg : FactorGraph n ι α) (k : ℕ) (μ : Messages n ι α)
    (hμ : ∀ a i v, 0 ≤ μ a i v) : ∀ a i v, 0 ≤ bpRounds fg k μ a i v := by
  induction k with
  | zero => exact hμ
  | succ k ih => exact bpRound_nonneg fg (bpRounds fg k μ) ih

/-- BP started, as usual, from uniform messages has nonnegative messages after every round. -/
theorem bpRounds_uniform_nonneg (fg : FactorGraph n ι α) (k : ℕ) :
    ∀ a i v, 0 ≤ bpRounds fg k uniformMessages a i v :=
  bpRounds_nonneg fg k uniformMessages (fun _ _ _ => zero_le_one)

omit [DecidableEq ι] [DecidableEq α] in
/-- Beliefs computed from nonnegative messages are nonnegative. -/
theorem belief_nonneg (fg : FactorGraph n ι α) (μ : Messages n ι α)
    (hμ : ∀ a i v, 0 ≤ μ a i v) (i : Fin n) (v : α) : 0 ≤ belief fg μ i v := by
  unfold belief unnormBelief
  exact div_nonneg (Finset.prod_nonneg (fun a _ => hμ a i v))
    (Finset.sum_nonneg (fun w _ => Finset.prod_nonneg (fun a _ => hμ a i w)))

omit [DecidableEq ι] [DecidableEq α] in
/-- BP beliefs sum to one over the values of the variable whenever the normaliser is nonzero
(SPEC 3.2: beliefs are the normalised product of incoming messages). -/
theorem sum_belief (fg : FactorGraph n ι α) (μ : Messages n ι α) (i : Fin n)
    (h : ∑ w, unnormBelief fg μ i w ≠ 0) : ∑ v, belief fg μ i v = 1 := by
  first
    | (simp only [belief, div_eq_mul_inv]
       rw [← Finset.sum_mul]
       exact mul_inv_cancel₀ h)
    | (simp only [belief]
       rw [← Finset.sum_div]
       exact div_self h)
    | (simp only [belief, ← Finset.sum_div, div_self h])

end BP

section SingleFactor

/-- A product over the one-element type is its only factor. -/
private theorem prod_unit (f : Unit → ℝ) : ∏ a, f a = f () :=
  Fintype.prod_unique f

/-- A star-shaped tree, the smallest case of Pearl's theorem for these definitions: on a factor
graph with a single factor, one synchronous round from any messages gives every variable of the
factor's scope its exact unnormalised marginal (with no constant factor: both sides sum over all
full assignments). -/
theorem unnormBelief_bpRound_single (fg : FactorGraph n Unit α) (μ : Messages n Unit α)
    (i : Fin n) (hi : i ∈ fg.scope ()) (v : α) :
    unnormBelief fg (bpRound fg μ) i v = fg.unnormMarginal i v := by
  have hnbrs : nbrs fg i = Finset.univ := by
    unfold nbrs
    exact Finset.filter_true_of_mem (fun a _ => by cases a; exact hi)
  have hvf : ∀ (j : Fin n) (w : α), varToFactor fg μ j () w = 1 := by
    intro j w
    unfold varToFactor
    exact Finset.prod_eq_one
      (fun b hb => absurd (Subsingleton.elim b ()) (Finset.ne_of_mem_erase hb))
  unfold unnormBelief
  rw [hnbrs, prod_unit]
  show factorToVar fg (varToFactor fg μ) () i v = fg.unnormMarginal i v
  unfold factorToVar FactorGraph.unnormMarginal FactorGraph.joint
  refine Finset.sum_congr rfl (fun x _ => ?_)
  first
    | (rw [Finset.prod_eq_one (fun j _ => hvf j (x j)), mul_one, prod_unit]; done)
    | (simp only [hvf, Finset.prod_const_one, mul_one, prod_unit]; done)
    | simp [hvf, prod_unit]

/-- On a factor graph with a single factor, the BP belief after one round from any messages is
the exact marginal of every variable of the factor's scope (SPEC 3.2, Pearl's theorem for a
star-shaped tree, stated with the definitions of this file and of `TBN.FactorGraph`). -/
theorem belief_bpRound_single (fg : FactorGraph n Unit α) (μ : Messages n Unit α)
    (i : Fin n) (hi : i ∈ fg.scope ()) (v : α) :
    belief fg (bpRound fg μ) i v = fg.marginal i v := by
  unfold belief FactorGraph.marginal
  first
    | (simp only [unnormBelief_bpRound_single fg μ i hi]
       rw [FactorGraph.sum_unnormMarginal]
       done)
    | (have hsum : ∑ w, unnormBelief fg (bpRound fg μ) i w = fg.partition := by
         rw [← FactorGraph.sum_unnormMarginal fg i]
         exact Finset.sum_congr rfl (fun w _ => unnormBelief_bpRound_single fg μ i hi w)
       rw [hsum, unnormBelief_bpRound_single fg μ i hi v])

end SingleFactor

section Tree

/-- Adjacency in the bipartite graph: variable `i` and factor `a` are joined when `i` is in the
scope of `a`; there are no other edges. -/
def adj (fg : FactorGraph n ι α) : Fin n ⊕ ι → Fin n ⊕ ι → Bool
  | .inl i, .inr a => decide (i ∈ fg.scope a)
  | .inr a, .inl i => decide (i ∈ fg.scope a)
  | _, _ => false

/-- One breadth-first step: a set of nodes together with all their neighbours. -/
def expand (fg : FactorGraph n ι α) (S : Finset (Fin n ⊕ ι)) : Finset (Fin n ⊕ ι) :=
  S ∪ S.biUnion (fun w => Finset.univ.filter (fun u => adj fg w u = true))

/-- The nodes within `k` steps of `u`. -/
def reach (fg : FactorGraph n ι α) (u : Fin n ⊕ ι) : ℕ → Finset (Fin n ⊕ ι)
  | 0 => {u}
  | k + 1 => expand fg (reach fg u k)

/-- The number of nodes of the bipartite graph: variables plus factors. -/
def numNodes (_fg : FactorGraph n ι α) : ℕ := n + Fintype.card ι

/-- The number of edges of the bipartite graph: the sum of the factors' scope sizes. -/
def numEdges (fg : FactorGraph n ι α) : ℕ := ∑ a, (fg.scope a).card

/-- The bipartite graph is connected: from every node, every node is reached within as many
steps as there are nodes. -/
def Connected (fg : FactorGraph n ι α) : Prop :=
  ∀ u : Fin n ⊕ ι, reach fg u (numNodes fg) = Finset.univ

/-- The factor graph is a tree: its bipartite graph is connected and has `|E| = |V| - 1` edges
(SPEC 3.2). An empty graph is not a tree. -/
def IsTree (fg : FactorGraph n ι α) : Prop :=
  Connected fg ∧ numEdges fg + 1 = numNodes fg

instance (fg : FactorGraph n ι α) : Decidable (Connected fg) :=
  inferInstanceAs (Decidable (∀ u : Fin n ⊕ ι, reach fg u (numNodes fg) = Finset.univ))

instance (fg : FactorGraph n ι α) : Decidable (IsTree fg) :=
  inferInstanceAs (Decidable (Connected fg ∧ numEdges fg + 1 = numNodes fg))

/-- Two variables joined by two factors over both: a cycle in the bipartite graph. -/
def doubleEdge : FactorGraph 2 (Fin 2) α where
  scope := fun _ => Finset.univ
  table := fun _ _ => 1
  table_nonneg := fun _ _ => zero_le_one
  table_local := fun _ _ _ _ => rfl

omit [Fintype α] [DecidableEq α] in
/-- The tree predicate can fail: two variables joined by two factors (a 4-cycle in the bipartite
graph: 4 nodes, 4 edges) is not a tree (SPEC 3.2: a tree predicate that is not a flag). -/
theorem not_isTree_doubleEdge : ¬ IsTree (doubleEdge (α := α)) := by
  intro h
  -- No evaluation of `reach` or of the sums: both factors read both variables, so
  -- `|E| = |Fin 2| * 2 = 4`, while `|V| = 2 + |Fin 2| = 4`, and `|E| + 1 = |V|` fails.
  have hE : numEdges (doubleEdge (α := α)) = (Finset.univ : Finset (Fin 2)).card * 2 := by
    first
      | exact Finset.sum_const_nat (fun _ _ => Finset.card_fin 2)
      | (unfold numEdges; simp [doubleEdge])
  have hF : (Finset.univ : Finset (Fin 2)).card = 2 := Finset.card_fin 2
  have hV : numNodes (doubleEdge (α := α)) = 2 + Fintype.card (Fin 2) := rfl
  have hC : Fintype.card (Fin 2) = 2 := Fintype.card_fin 2
  have h2 : numEdges (doubleEdge (α := α)) + 1 = numNodes (doubleEdge (α := α)) := h.2
  omega

end Tree

end TBN.SumProduct

import TBN.TreeLocal
import Mathlib.Algebra.Order.Field.Basic
import Mathlib.Tactic.Choose
import Mathlib.Tactic.Ring

/-!
# Pearl's theorem for tree factor graphs

Flat sum-product belief propagation (`TBN.SumProduct.bpRounds`, started from uniform messages)
computes the exact marginals of every variable of a factor graph whose bipartite
variable–factor graph is a tree (SPEC 3.2), once it has run at least as many synchronous rounds
as the eccentricity of that variable (the largest number of edges between it and another node),
which is at most the diameter of the tree and at most its number of nodes.

## Main definitions

None: the file only proves theorems about `TBN.SumProduct.bpRounds` and `TBN.SumProduct.belief`,
using the rooted-tree notions of `TBN.TreeGraph` and `TBN.TreeLocal`.

## Main statements

* `up_message`: on a tree rooted at a variable, every upward message from a factor to its parent
  variable is, after enough rounds, a positive constant times the sum of the product of the
  factors below it (its subtree) over the assignments with the given parent value.
* (auxiliary, private) at the root, the unnormalised belief is a positive constant (the same for
  every value) times the unnormalised exact marginal.
* `pearl_tree`: after at least `ecc` rounds, the belief of a variable equals its exact marginal.
* `pearl_tree_numNodes`: the same after at least `numNodes` rounds (a bound that does not depend
  on the variable).

## Implementation notes

The proof roots the tree at the variable (`TBN.TreeGraph`, `TBN.TreeLocal`) and factorises the
sums over full assignments block by block (`TBN.BlockSum`). Flat BP sums over all full
assignments, so the variables outside a factor's scope contribute positive constants: every
message is exact only up to a positive constant, chosen here as a function of the grandchild
(`choose`), and the constants cancel in the normalised belief.
When the partition function vanishes both sides are `0 / 0 = 0`.

## References

* Coppola, *Transformers are Bayesian Networks*, arXiv:2603.17063 (2026): the claim that the
  transformer's computation is belief propagation (BP equivalence), which presumes that BP is
  exact where it is supposed to be: on trees.
* F. R. Kschischang, B. J. Frey, H.-A. Loeliger, *Factor graphs and the sum-product algorithm*,
  IEEE Trans. Inform. Theory 47 (2001).
* J. Pearl, *Probabilistic Reasoning in Intelligent Systems*, Morgan Kaufmann (1988), ch. 4.
-/

namespace TBN.TreeBP

open TBN.FactorGraph TBN.SumProduct TBN.TreeGraph TBN.BlockSum

variable {n : ℕ} {ι α : Type} [Fintype ι] [DecidableEq ι] [Fintype α] [DecidableEq α]

section Messages

/-- One more round of BP is one `bpRound` applied to the messages after the earlier rounds. -/
private theorem bpRounds_succ (fg : FactorGraph n ι α) (t : ℕ) (μ : Messages n ι α) :
    bpRounds fg (t + 1) μ = bpRound fg (bpRounds fg t μ) := by
  first
    | rfl
    | simp only [bpRounds]

/-- On a tree rooted at the variable `i`, the new message from a factor `a` to its parent
variable `p` is the sum, over the assignments giving `p` the value `v`, of the table of `a` times
the old messages into `a`'s children `j` from their own children `b` (the grandchildren of `a`,
indexed by the pairs `⟨j, b⟩`). -/
private theorem bpRound_factor_eq (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n) {a : ι}
    {p : Fin n} (hp : bfsPar fg (Sum.inl i) (Sum.inr a) = Sum.inl p) (μ : Messages n ι α)
    (v : α) :
    bpRound fg μ a p v
      = ∑ x : Fin n → α, if x p = v then
          fg.table a x * ∏ k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j),
            μ k.2 k.1 (x k.1)
        else 0 := by
  have hsig : ∀ x : Fin n → α,
      ∏ j ∈ childVars fg i a, varToFactor fg μ j a (x j)
        = ∏ k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j), μ k.2 k.1 (x k.1) := by
    intro x
    calc ∏ j ∈ childVars fg i a, varToFactor fg μ j a (x j)
        = ∏ j ∈ childVars fg i a, ∏ b ∈ childFacs fg i j, μ b j (x j) := by
          refine Finset.prod_congr rfl (fun j hj => ?_)
          first
            | (show ∏ b ∈ (nbrs fg j).erase a, μ b j (x j) = _
               rw [erase_nbrs_eq fg ht i hj]
               done)
            | (unfold varToFactor
               rw [erase_nbrs_eq fg ht i hj]
               done)
      _ = ∏ k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j), μ k.2 k.1 (x k.1) := by
          first
            | exact Finset.prod_sigma' (childVars fg i a) (fun j => childFacs fg i j)
                (fun j b => μ b j (x j))
            | exact (Finset.prod_sigma (childVars fg i a) (fun j => childFacs fg i j)
                (fun k => μ k.2 k.1 (x k.1))).symm
            | (rw [Finset.prod_sigma]; done)
  have hdef : bpRound fg μ a p v
      = ∑ x : Fin n → α, if x p = v then
          fg.table a x * ∏ j ∈ (fg.scope a).erase p, varToFactor fg μ j a (x j)
        else 0 := by
    first
      | rfl
      | (show factorToVar fg (varToFactor fg μ) a p v = _
         rfl)
      | (simp only [bpRound, factorToVar]; done)
  rw [hdef]
  refine Finset.sum_congr rfl (fun x _ => ?_)
  have hx : ∏ j ∈ (fg.scope a).erase p, varToFactor fg μ j a (x j)
      = ∏ k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j), μ k.2 k.1 (x k.1) := by
    first
      | (rw [erase_scope_eq fg ht i hp]; exact hsig x)
      | exact (congrArg (fun s : Finset (Fin n) => ∏ j ∈ s, varToFactor fg μ j a (x j))
          (erase_scope_eq fg ht i hp)).trans (hsig x)
  first
    | (rw [hx]; done)
    | exact congrArg (fun q : ℝ => if x p = v then fg.table a x * q else 0) hx

/-- If every old message into a child `j` of `a` from a grandchild `b` is a constant `c ⟨j, b⟩`
times the subtree sum of `b`, then the new message from `a` to its parent is the product of
these constants times a sum in which the table of `a` meets the grandchildren's subtree sums. -/
private theorem bpRound_factor_const (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n) {a : ι}
    {p : Fin n} (hp : bfsPar fg (Sum.inl i) (Sum.inr a) = Sum.inl p) (μ : Messages n ι α)
    (c : ((_ : Fin n) × ι) → ℝ)
    (hc : ∀ k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j), ∀ w : α,
      μ k.2 k.1 w = c k * ∑ y : Fin n → α, if y k.1 = w then subProd fg i (Sum.inr k.2) y else 0)
    (v : α) :
    bpRound fg μ a p v
      = (∏ k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j), c k) *
        ∑ x : Fin n → α, (if x p = v then fg.table a x else 0) *
          ∏ k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j),
            (∑ y : Fin n → α, if y k.1 = x k.1 then subProd fg i (Sum.inr k.2) y else 0) := by
  rw [bpRound_factor_eq fg ht i hp μ v, Finset.mul_sum]
  refine Finset.sum_congr rfl (fun x _ => ?_)
  have hprod : ∏ k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j), μ k.2 k.1 (x k.1)
      = (∏ k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j), c k) *
        ∏ k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j),
          (∑ y : Fin n → α, if y k.1 = x k.1 then subProd fg i (Sum.inr k.2) y else 0) := by
    first
      | (rw [← Finset.prod_mul_distrib]
         exact Finset.prod_congr rfl (fun k hk => hc k hk (x k.1)))
      | exact (Finset.prod_congr rfl (fun k hk => hc k hk (x k.1))).trans
          Finset.prod_mul_distrib
      | (rw [Finset.prod_congr rfl (fun k hk => hc k hk (x k.1)), Finset.prod_mul_distrib]
         done)
  rw [hprod]
  first
    | (split_ifs <;> ring1)
    | (by_cases hxv : x p = v
       · rw [if_pos hxv, if_pos hxv]
         ring
       · rw [if_neg hxv, if_neg hxv]
         ring)

/-- The block factorisation below a factor `a` with parent `p`: one positive constant, the same
for every value `v` of `p`, turns the table of `a` times the grandchildren's subtree sums into
the subtree sum of `a` itself. -/
private theorem factor_blocks [Nonempty α] (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n)
    {a : ι} {p : Fin n} (hp : bfsPar fg (Sum.inl i) (Sum.inr a) = Sum.inl p) :
    ∃ cB : ℝ, 0 < cB ∧ ∀ v : α,
      ∑ x : Fin n → α, (if x p = v then fg.table a x else 0) *
          ∏ k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j),
            (∑ y : Fin n → α, if y k.1 = x k.1 then subProd fg i (Sum.inr k.2) y else 0)
        = cB * ∑ y : Fin n → α, if y p = v then subProd fg i (Sum.inr a) y else 0 := by
  have hF : ∀ k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j),
      ReadsOnly (subProd fg i (Sum.inr k.2)) (insert k.1 (vars fg i (Sum.inr k.2))) := by
    intro k hk
    have hb : k.2 ∈ childFacs fg i k.1 := (Finset.mem_sigma.mp hk).2
    exact subProd_readsOnly fg ht i (mem_childFacs.mp hb)
  have hjS : ∀ k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j), k.1 ∈ fg.scope a := by
    intro k hk
    have h1 : k.1 ∈ (fg.scope a).erase p := by
      rw [erase_scope_eq fg ht i hp]
      exact (Finset.mem_sigma.mp hk).1
    exact Finset.mem_of_mem_erase h1
  have hST : ∀ k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j),
      Disjoint (fg.scope a) (vars fg i (Sum.inr k.2)) := by
    intro k hk
    have hj : k.1 ∈ childVars fg i a := (Finset.mem_sigma.mp hk).1
    have hb : k.2 ∈ childFacs fg i k.1 := (Finset.mem_sigma.mp hk).2
    exact disjoint_scope_vars fg ht i hp hj hb
  have hTT : ∀ k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j),
      ∀ k' ∈ (childVars fg i a).sigma (fun j => childFacs fg i j), k ≠ k' →
        Disjoint (vars fg i (Sum.inr k.2)) (vars fg i (Sum.inr k'.2)) := by
    rintro ⟨j, b⟩ hk ⟨j', b'⟩ hk' hne
    have hj : j ∈ childVars fg i a := (Finset.mem_sigma.mp hk).1
    have hb : b ∈ childFacs fg i j := (Finset.mem_sigma.mp hk).2
    have hj' : j' ∈ childVars fg i a := (Finset.mem_sigma.mp hk').1
    have hb' : b' ∈ childFacs fg i j' := (Finset.mem_sigma.mp hk').2
    by_cases hbb : b = b'
    · exfalso
      apply hne
      have h1 : bfsPar fg (Sum.inl i) (Sum.inr b) = Sum.inl j := mem_childFacs.mp hb
      have h2 : bfsPar fg (Sum.inl i) (Sum.inr b) = Sum.inl j' := by
        rw [hbb]
        exact mem_childFacs.mp hb'
      have h12 : (Sum.inl j : Fin n ⊕ ι) = Sum.inl j' := h1.symm.trans h2
      have hjj : j = j' := by
        first
          | exact Sum.inl.inj h12
          | exact Sum.inl_injective h12
          | simpa using h12
      first
        | (subst hjj
           subst hbb
           rfl)
        | (rw [hjj, hbb]
           done)
        | (simp [hjj, hbb]; done)
    · exact disjoint_vars fg ht i hbb
        ((bfsDist_grandchild fg ht i hj hb).trans (bfsDist_grandchild fg ht i hj' hb').symm)
  obtain ⟨cB, hcB, hB⟩ := TBN.BlockSum.sum_mul_prod_blocks
    ((childVars fg i a).sigma (fun j => childFacs fg i j)) (fg.scope a)
    (fun k => subProd fg i (Sum.inr k.2)) (fun k => vars fg i (Sum.inr k.2)) (fun k => k.1)
    hF hjS hST hTT
  refine ⟨cB, hcB, fun v => ?_⟩
  have hG : ReadsOnly (fun x : Fin n → α => if x p = v then fg.table a x else 0) (fg.scope a) :=
    TBN.BlockSum.readsOnly_ite p v (fg.table a) (fg.scope a) (mem_scope_of_bfsPar fg ht i hp)
      (table_readsOnly fg a)
  have h1 := hB (fun x : Fin n → α => if x p = v then fg.table a x else 0) hG
  have h2 : ∀ y : Fin n → α,
      (if y p = v then fg.table a y else 0) *
          ∏ k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j), subProd fg i (Sum.inr k.2) y
        = if y p = v then subProd fg i (Sum.inr a) y else 0 := by
    intro y
    rw [subProd_factor fg ht i hp y]
    first
      | ((split_ifs <;> simp); done)
      | (by_cases hyv : y p = v
         · rw [if_pos hyv, if_pos hyv]
         · rw [if_neg hyv, if_neg hyv, zero_mul])
  calc ∑ x : Fin n → α, (if x p = v then fg.table a x else 0) *
          ∏ k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j),
            (∑ y : Fin n → α, if y k.1 = x k.1 then subProd fg i (Sum.inr k.2) y else 0)
      = cB * ∑ y : Fin n → α, (if y p = v then fg.table a y else 0) *
          ∏ k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j),
            subProd fg i (Sum.inr k.2) y := h1
    _ = cB * ∑ y : Fin n → α, if y p = v then subProd fg i (Sum.inr a) y else 0 := by
        first
          | exact congrArg (fun s => cB * s) (Finset.sum_congr rfl (fun y _ => h2 y))
          | (congr 1
             exact Finset.sum_congr rfl (fun y _ => h2 y))

/-- Upward messages on a tree are subtree marginals up to a positive constant.

Root the bipartite graph of a tree factor graph at the variable `i`. Take a factor `a` whose
parent is the variable `p`. Suppose the number of rounds `t` is large enough:
`ecc + 1 ≤ t + bfsDist a`, so the messages from the leaves below `a` have had time to arrive.
Then the message from `a` to `p` after `t` rounds of flat BP from uniform messages is a positive
constant times a sum over the full assignments that give `p` the value `v`. The summand is the
product of the tables of the factors in the subtree of `a`. This is the upward half of Pearl's
theorem on trees (SPEC 3.2), which the BP equivalence claimed by Coppola (arXiv:2603.17063)
relies on. `v₀` is any value; it only shows that the value type is nonempty. -/
theorem up_message (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n) (v₀ : α) (t : ℕ) :
    ∀ (a : ι) (p : Fin n), bfsPar fg (Sum.inl i) (Sum.inr a) = Sum.inl p →
      ecc fg (Sum.inl i) + 1 ≤ t + bfsDist fg (Sum.inl i) (Sum.inr a) →
      ∃ c : ℝ, 0 < c ∧ ∀ v : α,
        bpRounds fg t uniformMessages a p v
          = c * ∑ y : Fin n → α, if y p = v then subProd fg i (Sum.inr a) y else 0 := by
  haveI : Nonempty α := ⟨v₀⟩
  induction t with
  | zero =>
    intro a p _ hd
    have h := TBN.TreeGraph.bfsDist_le_ecc fg (Sum.inl i) (Sum.inr a)
    exfalso
    omega
  | succ t ih =>
    intro a p hp hd
    have hex : ∀ k : (_ : Fin n) × ι, ∃ c : ℝ, 0 < c ∧
        (k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j) → ∀ w : α,
          bpRounds fg t uniformMessages k.2 k.1 w
            = c * ∑ y : Fin n → α, if y k.1 = w then subProd fg i (Sum.inr k.2) y else 0) := by
      intro k
      by_cases hk : k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j)
      · have hj : k.1 ∈ childVars fg i a := (Finset.mem_sigma.mp hk).1
        have hb : k.2 ∈ childFacs fg i k.1 := (Finset.mem_sigma.mp hk).2
        have hd2 : bfsDist fg (Sum.inl i) (Sum.inr k.2)
            = bfsDist fg (Sum.inl i) (Sum.inr a) + 2 := bfsDist_grandchild fg ht i hj hb
        have hdk : ecc fg (Sum.inl i) + 1 ≤ t + bfsDist fg (Sum.inl i) (Sum.inr k.2) := by
          omega
        obtain ⟨c, hc, h⟩ := ih k.2 k.1 (mem_childFacs.mp hb) hdk
        exact ⟨c, hc, fun _ => h⟩
      · exact ⟨1, one_pos, fun h => absurd h hk⟩
    choose c hcpos hc using hex
    obtain ⟨cB, hcB, hB⟩ := factor_blocks fg ht i hp
    refine ⟨(∏ k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j), c k) * cB,
      mul_pos (Finset.prod_pos (fun k _ => hcpos k)) hcB, fun v => ?_⟩
    have e1 : bpRound fg (bpRounds fg t uniformMessages) a p v
        = (∏ k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j), c k) *
          (cB * ∑ y : Fin n → α, if y p = v then subProd fg i (Sum.inr a) y else 0) := by
      first
        | (rw [bpRound_factor_const fg ht i hp (bpRounds fg t uniformMessages) c hc v, hB v]; done)
        | exact (bpRound_factor_const fg ht i hp (bpRounds fg t uniformMessages) c hc v).trans
            (congrArg (fun s : ℝ => (∏ k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j),
              c k) * s) (hB v))
    have e2 : bpRounds fg (t + 1) uniformMessages a p v
        = bpRound fg (bpRounds fg t uniformMessages) a p v := by
      first
        | rfl
        | rw [bpRounds_succ]
    first
      | (rw [e2, e1]; ring)
      | exact e2.trans (e1.trans (by ring))

end Messages

section Root

/-- If `N * Q = A * B` with `N ≠ 0`, then `Q = A / N * B`. -/
private theorem eq_div_mul_of_mul_eq {N Q A B : ℝ} (hN : N ≠ 0) (h : N * Q = A * B) :
    Q = A / N * B := by
  calc Q = (N⁻¹ * N) * Q := by
        first
          | rw [inv_mul_cancel₀ hN, one_mul]
          | rw [mul_comm N⁻¹ N, mul_inv_cancel₀ hN, one_mul]
    _ = N⁻¹ * (N * Q) := by ring
    _ = N⁻¹ * (A * B) := by rw [h]
    _ = A / N * B := by ring

/-- At the root of a tree, after at least `ecc` rounds, the unnormalised belief of the variable
`i` is one positive constant (the same for every value) times its unnormalised exact marginal
(SPEC 3.2, Pearl's theorem before normalisation). -/
private theorem unnormBelief_eq_const_mul (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n)
    (T : ℕ) (hT : ecc fg (Sum.inl i) ≤ T) (v₀ : α) :
    ∃ C : ℝ, 0 < C ∧ ∀ w : α,
      unnormBelief fg (bpRounds fg T uniformMessages) i w = C * fg.unnormMarginal i w := by
  haveI : Nonempty α := ⟨v₀⟩
  -- the message from every child factor of the root, with its constant
  have hex : ∀ a : ι, ∃ c : ℝ, 0 < c ∧ (a ∈ childFacs fg i i → ∀ w : α,
      bpRounds fg T uniformMessages a i w
        = c * ∑ y : Fin n → α, if y i = w then subProd fg i (Sum.inr a) y else 0) := by
    intro a
    by_cases ha : a ∈ childFacs fg i i
    · have h1 : bfsDist fg (Sum.inl i) (Sum.inr a) = 1 := bfsDist_child_root fg ht i ha
      have hda : ecc fg (Sum.inl i) + 1 ≤ T + bfsDist fg (Sum.inl i) (Sum.inr a) := by omega
      obtain ⟨c, hc, h⟩ := up_message fg ht i v₀ T a i (mem_childFacs.mp ha) hda
      exact ⟨c, hc, fun _ => h⟩
    · exact ⟨1, one_pos, fun h => absurd h ha⟩
  choose c hcpos hc using hex
  -- the block factorisation at the root: the blocks are the subtrees of the root's factors
  have hF : ∀ a ∈ childFacs fg i i,
      ReadsOnly (subProd fg i (Sum.inr a)) (insert i (vars fg i (Sum.inr a))) :=
    fun a ha => subProd_readsOnly fg ht i (mem_childFacs.mp ha)
  have hjS : ∀ a ∈ childFacs fg i i, i ∈ ({i} : Finset (Fin n)) :=
    fun _ _ => Finset.mem_singleton_self i
  have hST : ∀ a ∈ childFacs fg i i, Disjoint ({i} : Finset (Fin n)) (vars fg i (Sum.inr a)) :=
    fun a ha => disjoint_root_vars fg ht i ha
  have hTT : ∀ a ∈ childFacs fg i i, ∀ a' ∈ childFacs fg i i, a ≠ a' →
      Disjoint (vars fg i (Sum.inr a)) (vars fg i (Sum.inr a')) :=
    fun a ha a' ha' hne => disjoint_vars fg ht i hne
      ((bfsDist_child_root fg ht i ha).trans (bfsDist_child_root fg ht i ha').symm)
  obtain ⟨cR, hcR, hB⟩ := TBN.BlockSum.sum_mul_prod_blocks (childFacs fg i i)
    ({i} : Finset (Fin n)) (fun a => subProd fg i (Sum.inr a)) (fun a => vars fg i (Sum.inr a))
    (fun _ => i) hF hjS hST hTT
  -- the fiber count, the same for every value
  obtain ⟨N, hN⟩ : ∃ N : ℝ, (∑ x : Fin n → α, (if x i = v₀ then (1 : ℝ) else 0)) = N :=
    ⟨_, rfl⟩
  have hNpos : 0 < N := by
    rw [← hN]
    exact TBN.BlockSum.fiber_pos i v₀
  have hNw : ∀ w : α, (∑ x : Fin n → α, (if x i = w then (1 : ℝ) else 0)) = N :=
    fun w => (TBN.BlockSum.fiber_card_eq i w v₀).trans hN
  refine ⟨(∏ a ∈ childFacs fg i i, c a) * (cR / N),
    mul_pos (Finset.prod_pos (fun a _ => hcpos a)) (div_pos hcR hNpos), fun w => ?_⟩
  have hG : ReadsOnly (fun x : Fin n → α => if x i = w then (1 : ℝ) else 0)
      ({i} : Finset (Fin n)) :=
    TBN.BlockSum.readsOnly_ite i w (fun _ => (1 : ℝ)) {i} (Finset.mem_singleton_self i)
      (TBN.BlockSum.readsOnly_const 1 {i})
  have h1 := hB (fun x : Fin n → α => if x i = w then (1 : ℝ) else 0) hG
  have h2 := TBN.BlockSum.sum_ite_mul_const i w
    (fun x : Fin n → α => ∏ a ∈ childFacs fg i i,
      (∑ y : Fin n → α, if y i = x i then subProd fg i (Sum.inr a) y else 0))
    (∏ a ∈ childFacs fg i i,
      (∑ y : Fin n → α, if y i = w then subProd fg i (Sum.inr a) y else 0))
    (fun x hx => by
      first
        | (simp only [hx]; done)
        | (show ∏ a ∈ childFacs fg i i,
              (∑ y : Fin n → α, if y i = x i then subProd fg i (Sum.inr a) y else 0) = _
           rw [hx]
           done)
        | (exact Finset.prod_congr rfl (fun a _ =>
            Finset.sum_congr rfl (fun y _ => by rw [hx])))
        | (simp [hx]; done))
  have h3 : ∑ u : Fin n → α, (if u i = w then (1 : ℝ) else 0) *
        ∏ a ∈ childFacs fg i i, subProd fg i (Sum.inr a) u = fg.unnormMarginal i w := by
    show _ = ∑ x : Fin n → α, if x i = w then fg.joint x else 0
    refine Finset.sum_congr rfl (fun u _ => ?_)
    rw [joint_eq_prod_subProd fg ht i u]
    first
      | ((split_ifs <;> simp); done)
      | (by_cases huw : u i = w
         · rw [if_pos huw, if_pos huw, one_mul]
         · rw [if_neg huw, if_neg huw, zero_mul])
  have key : N * ∏ a ∈ childFacs fg i i,
        (∑ y : Fin n → α, if y i = w then subProd fg i (Sum.inr a) y else 0)
      = cR * fg.unnormMarginal i w := by
    calc N * ∏ a ∈ childFacs fg i i,
          (∑ y : Fin n → α, if y i = w then subProd fg i (Sum.inr a) y else 0)
        = (∑ x : Fin n → α, (if x i = w then (1 : ℝ) else 0)) * ∏ a ∈ childFacs fg i i,
            (∑ y : Fin n → α, if y i = w then subProd fg i (Sum.inr a) y else 0) := by
          rw [hNw w]
      _ = ∑ x : Fin n → α, (if x i = w then (1 : ℝ) else 0) * ∏ a ∈ childFacs fg i i,
            (∑ y : Fin n → α, if y i = x i then subProd fg i (Sum.inr a) y else 0) := h2.symm
      _ = cR * ∑ u : Fin n → α, (if u i = w then (1 : ℝ) else 0) *
            ∏ a ∈ childFacs fg i i, subProd fg i (Sum.inr a) u := h1
      _ = cR * fg.unnormMarginal i w := by rw [h3]
  have hQ := eq_div_mul_of_mul_eq hNpos.ne' key
  have hUB : unnormBelief fg (bpRounds fg T uniformMessages) i w
      = (∏ a ∈ childFacs fg i i, c a) * ∏ a ∈ childFacs fg i i,
          (∑ y : Fin n → α, if y i = w then subProd fg i (Sum.inr a) y else 0) := by
    show ∏ a ∈ nbrs fg i, bpRounds fg T uniformMessages a i w = _
    rw [nbrs_root fg ht i]
    first
      | (rw [← Finset.prod_mul_distrib]
         exact Finset.prod_congr rfl (fun a ha => hc a ha w))
      | exact (Finset.prod_congr rfl (fun a ha => hc a ha w)).trans Finset.prod_mul_distrib
      | (rw [Finset.prod_congr rfl (fun a ha => hc a ha w), Finset.prod_mul_distrib]
         done)
  rw [hUB, hQ]
  ring

/-- Normalisation removes a nonzero constant: if `f w = C * g w` for every `w` with `C ≠ 0`, then
`f` and `g` have the same normalisation (also when the total is `0`, as `x / 0 = 0`). -/
private theorem div_sum_eq_of_eq_const_mul {β : Type} [Fintype β] (f g : β → ℝ) (C : ℝ) (hC : C ≠ 0)
    (h : ∀ w, f w = C * g w) (v : β) : f v / ∑ w, f w = g v / ∑ w, g w := by
  have hs : ∑ w, f w = C * ∑ w, g w := by
    rw [Finset.mul_sum]
    exact Finset.sum_congr rfl (fun w _ => h w)
  rw [hs, h v]
  first
    | exact mul_div_mul_left (g v) (∑ w, g w) hC
    | (calc C * g v / (C * ∑ w, g w) = (C * C⁻¹) * (g v / ∑ w, g w) := by ring
        _ = g v / ∑ w, g w := by rw [mul_inv_cancel₀ hC, one_mul])

end Root

section Pearl

/-- Pearl's theorem on flat tree factor graphs (SPEC 3.2).

Suppose the bipartite variable–factor graph of a factor graph is a tree. Run flat sum-product BP
from uniform messages for `T` rounds, where `T` is at least the eccentricity of the variable `i`:
the largest number of edges of the bipartite graph between `i` and any other node. Then the
belief of `i` equals its exact marginal, the joint weight summed over all full assignments and
normalised. The eccentricity of a node is at most the diameter of the tree, so the statement
covers SPEC 3.2's "after at least diameter rounds". Coppola (arXiv:2603.17063) claims that the
transformer computes BP; this theorem is the exactness of BP on trees behind that claim. -/
theorem pearl_tree (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n) (T : ℕ)
    (hT : ecc fg (Sum.inl i) ≤ T) (v : α) :
    belief fg (bpRounds fg T uniformMessages) i v = fg.marginal i v := by
  obtain ⟨C, hC, hCw⟩ := unnormBelief_eq_const_mul fg ht i T hT v
  have hb : belief fg (bpRounds fg T uniformMessages) i v
      = fg.unnormMarginal i v / ∑ w, fg.unnormMarginal i w :=
    div_sum_eq_of_eq_const_mul (fun w => unnormBelief fg (bpRounds fg T uniformMessages) i w)
      (fun w => fg.unnormMarginal i w) C hC.ne' hCw v
  show _ = fg.unnormMarginal i v / fg.partition
  rw [hb, FactorGraph.sum_unnormMarginal]

/-- Pearl's theorem on flat tree factor graphs, after `numNodes fg` rounds or more (SPEC 3.2).

The number of nodes of the bipartite graph (variables plus factors) bounds both the
eccentricity of every node and the diameter of the tree. So on a tree factor graph, after at
least that many rounds of flat sum-product BP from uniform messages, the belief of every variable
is its exact marginal. This is the exactness of BP on trees behind the BP equivalence claimed by
Coppola (arXiv:2603.17063). -/
theorem pearl_tree_numNodes (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n) (T : ℕ)
    (hT : numNodes fg ≤ T) (v : α) :
    belief fg (bpRounds fg T uniformMessages) i v = fg.marginal i v :=
  pearl_tree fg ht i T
    (le_trans (TBN.TreeGraph.ecc_le_numNodes fg (And.left ht) (Sum.inl i)) hT) v

end Pearl

end TBN.TreeBP

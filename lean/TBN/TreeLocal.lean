import TBN.TreeGraph
import TBN.BlockSum
import Mathlib.Data.Finset.Sigma

/-!
# The local structure of a tree factor graph rooted at a variable

Pearl's theorem for flat tree factor graphs (SPEC 3.2) is proved by rooting the bipartite
variable–factor graph of a tree factor graph at a variable `i` (the node `Sum.inl i`) and following
breadth-first parents (`TBN.TreeGraph.bfsPar`). This file collects the purely combinatorial facts
about that rooted tree that the message computation of `TBN.TreeBP` needs: which variables and
factors are children of which, how far they are from the root, how the product of all factors
splits along subtrees, and which variables each subtree product reads.

## Main definitions

* `facs fg i w`, `vars fg i w`: the factors and the variables in the subtree of node `w`.
* `subProd fg i w x`: the product of the tables of the factors in the subtree of `w`.
* `childVars fg i a`: the variables whose parent is factor `a`;
  `childFacs fg i j`: the factors whose parent is variable `j`.

## Main statements

* `erase_scope_eq`, `erase_nbrs_eq`, `nbrs_root`: the neighbours BP multiplies over, other than the
  parent, are exactly the children.
* `bfsDist_grandchild`, `bfsDist_child_root`: distances of grandchildren and of the root's children.
* `subProd_factor`: a factor's subtree product is its table times its grandchildren's subtree
  products; `joint_eq_prod_subProd`: the joint weight is the product of the subtree products of
  the root's children.
* `table_readsOnly`, `subProd_readsOnly`, `disjoint_scope_vars`, `disjoint_vars`,
  `disjoint_root_vars`: which variables the blocks read, and that distinct blocks read disjoint
  sets of variables (the hypotheses of the block lemmas of `TBN.BlockSum`).

## Implementation notes

Every edge of a tree joins a node to its breadth-first parent (`TBN.TreeGraph.adj_eq_parent`),
so all statements about neighbours reduce to statements about parents, and all disjointness
statements reduce to distances from the root (a node's subtree only contains nodes at least as far
from the root as the node itself). The root `Sum.inl i` is its own parent, so it is nobody's child.

## References

* Coppola, *Transformers are Bayesian Networks*, arXiv:2603.17063 (2026): BP equivalence.
* F. R. Kschischang, B. J. Frey, H.-A. Loeliger, *Factor graphs and the sum-product algorithm*,
  IEEE Trans. Inform. Theory 47 (2001).
* J. Pearl, *Probabilistic Reasoning in Intelligent Systems*, Morgan Kaufmann (1988).
-/

namespace TBN.TreeBP

open TBN.FactorGraph TBN.SumProduct TBN.TreeGraph

variable {n : ℕ} {ι α : Type} [Fintype ι] [DecidableEq ι] [Fintype α] [DecidableEq α]

section Defs

/-- The factors in the subtree of node `w`, for the bipartite graph rooted at variable `i`. -/
noncomputable def facs (fg : FactorGraph n ι α) (i : Fin n) (w : Fin n ⊕ ι) : Finset ι :=
  Finset.univ.filter (fun c => Sum.inr c ∈ subtree fg (Sum.inl i) w)

/-- The variables in the subtree of node `w`, for the bipartite graph rooted at variable `i`. -/
noncomputable def vars (fg : FactorGraph n ι α) (i : Fin n) (w : Fin n ⊕ ι) : Finset (Fin n) :=
  Finset.univ.filter (fun j => Sum.inl j ∈ subtree fg (Sum.inl i) w)

/-- The product of the tables of the factors in the subtree of node `w` (root: variable `i`). -/
noncomputable def subProd (fg : FactorGraph n ι α) (i : Fin n) (w : Fin n ⊕ ι) (x : Fin n → α) :
    ℝ :=
  ∏ c ∈ facs fg i w, fg.table c x

/-- The variables whose breadth-first parent (root: variable `i`) is factor `a`. -/
noncomputable def childVars (fg : FactorGraph n ι α) (i : Fin n) (a : ι) : Finset (Fin n) :=
  Finset.univ.filter (fun j => bfsPar fg (Sum.inl i) (Sum.inl j) = Sum.inr a)

/-- The factors whose breadth-first parent (root: variable `i`) is variable `j`. -/
noncomputable def childFacs (fg : FactorGraph n ι α) (i : Fin n) (j : Fin n) : Finset ι :=
  Finset.univ.filter (fun b => bfsPar fg (Sum.inl i) (Sum.inr b) = Sum.inl j)

end Defs

section Membership

/-- Membership in `childVars`: `j` is a child of factor `a` when `a` is its breadth-first parent
(the rooted tree behind Pearl's theorem, SPEC 3.2; Coppola arXiv:2603.17063, BP equivalence). -/
theorem mem_childVars {fg : FactorGraph n ι α} {i j : Fin n} {a : ι} :
    j ∈ childVars fg i a ↔ bfsPar fg (Sum.inl i) (Sum.inl j) = Sum.inr a := by
  unfold childVars
  first
    | exact Finset.mem_filter.trans (and_iff_right (Finset.mem_univ j))
    | exact ⟨fun h => (Finset.mem_filter.1 h).2,
        fun h => Finset.mem_filter.2 ⟨Finset.mem_univ j, h⟩⟩
    | (simp only [Finset.mem_filter, Finset.mem_univ, true_and]; done)
    | simp

/-- Membership in `childFacs`: `b` is a child of variable `j` when `j` is its breadth-first parent
(the rooted tree behind Pearl's theorem, SPEC 3.2; Coppola arXiv:2603.17063, BP equivalence). -/
theorem mem_childFacs {fg : FactorGraph n ι α} {i j : Fin n} {b : ι} :
    b ∈ childFacs fg i j ↔ bfsPar fg (Sum.inl i) (Sum.inr b) = Sum.inl j := by
  unfold childFacs
  first
    | exact Finset.mem_filter.trans (and_iff_right (Finset.mem_univ b))
    | exact ⟨fun h => (Finset.mem_filter.1 h).2,
        fun h => Finset.mem_filter.2 ⟨Finset.mem_univ b, h⟩⟩
    | (simp only [Finset.mem_filter, Finset.mem_univ, true_and]; done)
    | simp

/-- Membership in `facs`. -/
private theorem mem_facs_iff {fg : FactorGraph n ι α} {i : Fin n} {w : Fin n ⊕ ι} {c : ι} :
    c ∈ facs fg i w ↔ Sum.inr c ∈ subtree fg (Sum.inl i) w := by
  unfold facs
  first
    | exact Finset.mem_filter.trans (and_iff_right (Finset.mem_univ c))
    | exact ⟨fun h => (Finset.mem_filter.1 h).2,
        fun h => Finset.mem_filter.2 ⟨Finset.mem_univ c, h⟩⟩
    | (simp only [Finset.mem_filter, Finset.mem_univ, true_and]; done)
    | simp

/-- Membership in `vars`. -/
private theorem mem_vars_iff {fg : FactorGraph n ι α} {i : Fin n} {w : Fin n ⊕ ι} {k : Fin n} :
    k ∈ vars fg i w ↔ Sum.inl k ∈ subtree fg (Sum.inl i) w := by
  unfold vars
  first
    | exact Finset.mem_filter.trans (and_iff_right (Finset.mem_univ k))
    | exact ⟨fun h => (Finset.mem_filter.1 h).2,
        fun h => Finset.mem_filter.2 ⟨Finset.mem_univ k, h⟩⟩
    | (simp only [Finset.mem_filter, Finset.mem_univ, true_and]; done)
    | simp

/-- Membership in `nbrs`. -/
private theorem mem_nbrs_iff {fg : FactorGraph n ι α} {j : Fin n} {b : ι} :
    b ∈ nbrs fg j ↔ j ∈ fg.scope b := by
  unfold nbrs
  first
    | exact Finset.mem_filter.trans (and_iff_right (Finset.mem_univ b))
    | exact ⟨fun h => (Finset.mem_filter.1 h).2,
        fun h => Finset.mem_filter.2 ⟨Finset.mem_univ b, h⟩⟩
    | (simp only [Finset.mem_filter, Finset.mem_univ, true_and]; done)
    | simp

end Membership

section Adjacency

/-- An edge from a variable to a factor is a scope membership. -/
private theorem mem_of_adj_inl_inr {fg : FactorGraph n ι α} {j : Fin n} {a : ι}
    (h : adj fg (Sum.inl j) (Sum.inr a) = true) : j ∈ fg.scope a := by
  first
    | exact of_decide_eq_true h
    | (have h' : decide (j ∈ fg.scope a) = true := h
       exact of_decide_eq_true h')
    | simpa [adj] using h

/-- An edge from a factor to a variable is a scope membership. -/
private theorem mem_of_adj_inr_inl {fg : FactorGraph n ι α} {j : Fin n} {a : ι}
    (h : adj fg (Sum.inr a) (Sum.inl j) = true) : j ∈ fg.scope a := by
  first
    | exact of_decide_eq_true h
    | (have h' : decide (j ∈ fg.scope a) = true := h
       exact of_decide_eq_true h')
    | simpa [adj] using h

/-- A scope membership is an edge. -/
private theorem adj_inl_inr_of_mem {fg : FactorGraph n ι α} {j : Fin n} {a : ι}
    (h : j ∈ fg.scope a) : adj fg (Sum.inl j) (Sum.inr a) = true := by
  first
    | exact decide_eq_true h
    | (show decide (j ∈ fg.scope a) = true
       exact decide_eq_true h)
    | simp [adj, h]

/-- No edge joins two factors. -/
private theorem adj_inr_inr_false (fg : FactorGraph n ι α) (a b : ι) :
    adj fg (Sum.inr a) (Sum.inr b) = false := by
  first
    | rfl
    | (simp [adj]; done)
    | decide

/-- No edge joins two variables. -/
private theorem adj_inl_inl_false (fg : FactorGraph n ι α) (j k : Fin n) :
    adj fg (Sum.inl j) (Sum.inl k) = false := by
  first
    | rfl
    | (simp [adj]; done)
    | decide

/-- A factor node is not the root variable node. -/
private theorem inr_ne_root (i : Fin n) (a : ι) : (Sum.inr a : Fin n ⊕ ι) ≠ Sum.inl i := by
  intro h
  cases h

/-- A variable whose parent is a factor is not the root (the root is its own parent). -/
private theorem inl_ne_root_of_bfsPar (fg : FactorGraph n ι α) {i j : Fin n} {a : ι}
    (h : bfsPar fg (Sum.inl i) (Sum.inl j) = Sum.inr a) : (Sum.inl j : Fin n ⊕ ι) ≠ Sum.inl i := by
  intro hji
  -- no `subst` (which variable survives is not ours to choose) and no `rw ... at h`
  have h2 : bfsPar fg (Sum.inl i) (Sum.inl j) = Sum.inl i := by
    first
      | (rw [hji]; exact bfsPar_self fg (Sum.inl i))
      | (rw [Sum.inl.inj hji]; exact bfsPar_self fg (Sum.inl i))
      | exact hji ▸ bfsPar_self fg (Sum.inl i)
  have h3 : (Sum.inl i : Fin n ⊕ ι) = Sum.inr a := h2.symm.trans h
  cases h3

/-- The children of a factor node are variable nodes. -/
private theorem child_of_factor {fg : FactorGraph n ι α} (hc : Connected fg)
    {r c : Fin n ⊕ ι} {a : ι} (hcr : c ≠ r) (h : bfsPar fg r c = Sum.inr a) :
    ∃ j, c = Sum.inl j := by
  have hadj := adj_bfsPar fg hc hcr
  rw [h] at hadj
  rcases c with j | b
  · exact ⟨j, rfl⟩
  · first
      | (rw [adj_inr_inr_false] at hadj
         exact absurd hadj (by decide))
      | exact absurd (hadj.symm.trans (adj_inr_inr_false fg a b)) (by decide)

/-- The children of a variable node are factor nodes. -/
private theorem child_of_var {fg : FactorGraph n ι α} (hc : Connected fg)
    {r c : Fin n ⊕ ι} {j : Fin n} (hcr : c ≠ r) (h : bfsPar fg r c = Sum.inl j) :
    ∃ b, c = Sum.inr b := by
  have hadj := adj_bfsPar fg hc hcr
  rw [h] at hadj
  rcases c with k | b
  · first
      | (rw [adj_inl_inl_false] at hadj
         exact absurd hadj (by decide))
      | exact absurd (hadj.symm.trans (adj_inl_inl_false fg j k)) (by decide)
  · exact ⟨b, rfl⟩

/-- Two non-root nodes cannot be each other's parents (distances would increase both ways). -/
private theorem not_mutual_bfsPar (fg : FactorGraph n ι α) (hc : Connected fg)
    {r u w : Fin n ⊕ ι} (hu : u ≠ r) (hw : w ≠ r) (h1 : bfsPar fg r u = w)
    (h2 : bfsPar fg r w = u) : False := by
  have e1 := bfsDist_bfsPar fg hc hu
  have e2 := bfsDist_bfsPar fg hc hw
  rw [h1] at e1
  rw [h2] at e2
  omega

/-- Membership in a subtree: the node itself, or a member of the subtree of one of its children. -/
private theorem mem_subtree_iff_child (fg : FactorGraph n ι α) (hc : Connected fg)
    (r w u : Fin n ⊕ ι) :
    u ∈ subtree fg r w ↔ u = w ∨ ∃ c, c ≠ r ∧ bfsPar fg r c = w ∧ u ∈ subtree fg r c := by
  rw [subtree_eq_insert_biUnion fg hc r w, Finset.mem_insert, Finset.mem_biUnion]
  constructor
  · rintro (h | ⟨c, hcm, hu⟩)
    · exact Or.inl h
    · first
        | exact Or.inr ⟨c, (Finset.mem_filter.1 hcm).2.1, (Finset.mem_filter.1 hcm).2.2, hu⟩
        | (simp only [Finset.mem_filter, Finset.mem_univ, true_and] at hcm
           exact Or.inr ⟨c, hcm.1, hcm.2, hu⟩)
        | (rw [Finset.mem_filter] at hcm
           exact Or.inr ⟨c, hcm.2.1, hcm.2.2, hu⟩)
  · rintro (h | ⟨c, h1, h2, hu⟩)
    · exact Or.inl h
    · refine Or.inr ⟨c, ?_, hu⟩
      first
        | exact Finset.mem_filter.2 ⟨Finset.mem_univ c, h1, h2⟩
        | (simp only [Finset.mem_filter, Finset.mem_univ, true_and]
           exact ⟨h1, h2⟩)

end Adjacency

section Children

/-- A factor's parent variable is in its scope (every tree edge is a parent edge; SPEC 3.2,
Pearl's theorem on tree factor graphs; Coppola arXiv:2603.17063, BP equivalence). -/
theorem mem_scope_of_bfsPar (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n) {a : ι}
    {p : Fin n} (hp : bfsPar fg (Sum.inl i) (Sum.inr a) = Sum.inl p) : p ∈ fg.scope a := by
  have h := adj_bfsPar fg ht.1 (inr_ne_root i a)
  rw [hp] at h
  exact mem_of_adj_inl_inr h

/-- In a tree rooted at variable `i`, the variables of a factor's scope other than its parent are
exactly its children: the variables BP's factor-to-variable message sums over (SPEC 3.2, Pearl's
theorem; Coppola arXiv:2603.17063, BP equivalence). -/
theorem erase_scope_eq (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n) {a : ι} {p : Fin n}
    (hp : bfsPar fg (Sum.inl i) (Sum.inr a) = Sum.inl p) :
    (fg.scope a).erase p = childVars fg i a := by
  ext j
  rw [Finset.mem_erase, mem_childVars]
  constructor
  · rintro ⟨hjp, hj⟩
    rcases adj_eq_parent fg ht (Sum.inl i) (adj_inl_inr_of_mem hj) with ⟨_, h⟩ | ⟨_, h⟩
    · rw [hp] at h
      exact absurd (Sum.inl.inj h).symm hjp
    · exact h
  · intro h
    refine ⟨?_, ?_⟩
    · intro hjp
      rw [hjp] at h
      exact not_mutual_bfsPar fg ht.1 (inl_ne_root_of_bfsPar fg h) (inr_ne_root i a) h hp
    · have hadj := adj_bfsPar fg ht.1 (inl_ne_root_of_bfsPar fg h)
      rw [h] at hadj
      exact mem_of_adj_inr_inl hadj

/-- In a tree rooted at variable `i`, the factors containing a child variable `j` of factor `a`,
other than `a`, are exactly the children of `j`: the factors BP's variable-to-factor message
multiplies over (SPEC 3.2, Pearl's theorem; Coppola arXiv:2603.17063, BP equivalence). -/
theorem erase_nbrs_eq (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n) {a : ι} {j : Fin n}
    (hj : j ∈ childVars fg i a) : (nbrs fg j).erase a = childFacs fg i j := by
  have hj' : bfsPar fg (Sum.inl i) (Sum.inl j) = Sum.inr a := mem_childVars.1 hj
  ext b
  rw [Finset.mem_erase, mem_childFacs, mem_nbrs_iff]
  constructor
  · rintro ⟨hba, hb⟩
    rcases adj_eq_parent fg ht (Sum.inl i) (adj_inl_inr_of_mem hb) with ⟨_, h⟩ | ⟨_, h⟩
    · exact h
    · rw [hj'] at h
      exact absurd (Sum.inr.inj h).symm hba
  · intro h
    refine ⟨?_, mem_scope_of_bfsPar fg ht i h⟩
    intro hba
    rw [hba] at h
    exact not_mutual_bfsPar fg ht.1 (inl_ne_root_of_bfsPar fg hj') (inr_ne_root i a) hj' h

/-- In a tree rooted at variable `i`, the factors containing `i` are exactly the root's children:
the messages BP's belief at `i` multiplies (SPEC 3.2, Pearl's theorem; Coppola
arXiv:2603.17063, BP equivalence). -/
theorem nbrs_root (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n) :
    nbrs fg i = childFacs fg i i := by
  ext b
  rw [mem_nbrs_iff, mem_childFacs]
  constructor
  · intro hb
    rcases adj_eq_parent fg ht (Sum.inl i) (adj_inl_inr_of_mem hb) with ⟨_, h⟩ | ⟨h, _⟩
    · exact h
    · exact (h rfl).elim
  · intro h
    exact mem_scope_of_bfsPar fg ht i h

/-- A grandchild factor `b` of factor `a` (through the child variable `j`) is two steps farther
from the root than `a` (the induction of Pearl's theorem on trees, SPEC 3.2; Coppola
arXiv:2603.17063, BP equivalence). -/
theorem bfsDist_grandchild (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n) {a b : ι}
    {j : Fin n} (hj : j ∈ childVars fg i a) (hb : b ∈ childFacs fg i j) :
    bfsDist fg (Sum.inl i) (Sum.inr b) = bfsDist fg (Sum.inl i) (Sum.inr a) + 2 := by
  have hj' : bfsPar fg (Sum.inl i) (Sum.inl j) = Sum.inr a := mem_childVars.1 hj
  have hb' : bfsPar fg (Sum.inl i) (Sum.inr b) = Sum.inl j := mem_childFacs.1 hb
  have e1 := bfsDist_bfsPar fg ht.1 (inr_ne_root i b)
  have e2 := bfsDist_bfsPar fg ht.1 (inl_ne_root_of_bfsPar fg hj')
  rw [hb'] at e1
  rw [hj'] at e2
  omega

/-- The children of the root variable `i` are at distance one from it (SPEC 3.2, Pearl's theorem
on trees; Coppola arXiv:2603.17063, BP equivalence). -/
theorem bfsDist_child_root (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n) {a : ι}
    (ha : a ∈ childFacs fg i i) : bfsDist fg (Sum.inl i) (Sum.inr a) = 1 := by
  have ha' : bfsPar fg (Sum.inl i) (Sum.inr a) = Sum.inl i := mem_childFacs.1 ha
  have e1 := bfsDist_bfsPar fg ht.1 (inr_ne_root i a)
  have e2 := bfsDist_self fg (Sum.inl i)
  rw [ha'] at e1
  omega

end Children

section Products

/-- Disjoint subtrees have disjoint factor sets. -/
private theorem disjoint_facs_of {fg : FactorGraph n ι α} {i : Fin n} {w w' : Fin n ⊕ ι}
    (h : Disjoint (subtree fg (Sum.inl i) w) (subtree fg (Sum.inl i) w')) :
    Disjoint (facs fg i w) (facs fg i w') :=
  Finset.disjoint_left.2 (fun _ h1 h2 =>
    Finset.disjoint_left.1 h (mem_facs_iff.1 h1) (mem_facs_iff.1 h2))

/-- Disjoint subtrees have disjoint variable sets. -/
private theorem disjoint_vars_of {fg : FactorGraph n ι α} {i : Fin n} {w w' : Fin n ⊕ ι}
    (h : Disjoint (subtree fg (Sum.inl i) w) (subtree fg (Sum.inl i) w')) :
    Disjoint (vars fg i w) (vars fg i w') :=
  Finset.disjoint_left.2 (fun _ h1 h2 =>
    Finset.disjoint_left.1 h (mem_vars_iff.1 h1) (mem_vars_iff.1 h2))

/-- Pairwise disjointness on a finset, in the form `Finset.prod_biUnion` takes. -/
private theorem pairwiseDisjoint_of {β γ : Type} (s : Finset β) (t : β → Finset γ)
    (h : ∀ x ∈ s, ∀ y ∈ s, x ≠ y → Disjoint (t x) (t y)) :
    (↑s : Set β).PairwiseDisjoint t := by
  intro x hx y hy hxy
  first
    | exact h x hx y hy hxy
    | exact h x (Finset.mem_coe.1 hx) y (Finset.mem_coe.1 hy) hxy
    | (simp only [Function.onFun]; exact h x (Finset.mem_coe.1 hx) y (Finset.mem_coe.1 hy) hxy)

/-- The factors in the subtree of factor `a`: `a` itself, or a factor in the subtree of a
grandchild. -/
private theorem mem_facs_inr (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n) (a c : ι) :
    c ∈ facs fg i (Sum.inr a) ↔
      c = a ∨ ∃ k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j),
        c ∈ facs fg i (Sum.inr k.2) := by
  constructor
  · intro h
    rcases (mem_subtree_iff_child fg ht.1 (Sum.inl i) (Sum.inr a) (Sum.inr c)).1
        (mem_facs_iff.1 h) with h1 | ⟨u, hu, hpu, hcu⟩
    · exact Or.inl (Sum.inr.inj h1)
    · obtain ⟨j, rfl⟩ := child_of_factor ht.1 hu hpu
      rcases (mem_subtree_iff_child fg ht.1 (Sum.inl i) (Sum.inl j) (Sum.inr c)).1 hcu with
        h2 | ⟨u', hu', hpu', hcu'⟩
      · cases h2
      · obtain ⟨b, rfl⟩ := child_of_var ht.1 hu' hpu'
        exact Or.inr ⟨⟨j, b⟩, Finset.mem_sigma.2 ⟨mem_childVars.2 hpu, mem_childFacs.2 hpu'⟩,
          mem_facs_iff.2 hcu'⟩
  · rintro (h | ⟨⟨j, b⟩, hk, hck⟩)
    · rw [h]
      exact mem_facs_iff.2 (self_mem_subtree fg _ _)
    · obtain ⟨hj, hb⟩ := Finset.mem_sigma.1 hk
      have hj' : bfsPar fg (Sum.inl i) (Sum.inl j) = Sum.inr a := mem_childVars.1 hj
      have hb' : bfsPar fg (Sum.inl i) (Sum.inr b) = Sum.inl j := mem_childFacs.1 hb
      have hcb : Sum.inr c ∈ subtree fg (Sum.inl i) (Sum.inr b) := mem_facs_iff.1 hck
      have h1 : Sum.inr b ∈ subtree fg (Sum.inl i) (bfsPar fg (Sum.inl i) (Sum.inr b)) :=
        mem_subtree_bfsPar fg
      rw [hb'] at h1
      have h2 : Sum.inl j ∈ subtree fg (Sum.inl i) (bfsPar fg (Sum.inl i) (Sum.inl j)) :=
        mem_subtree_bfsPar fg
      rw [hj'] at h2
      exact mem_facs_iff.2 (subtree_trans fg h2 (subtree_trans fg h1 hcb))

/-- The factors in the subtree of factor `a`, as `a` and a union over the grandchildren. -/
private theorem facs_inr_eq (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n) (a : ι) :
    facs fg i (Sum.inr a) = insert a (((childVars fg i a).sigma (fun j => childFacs fg i j)).biUnion
      (fun k => facs fg i (Sum.inr k.2))) := by
  ext c
  first
    | (rw [Finset.mem_insert, Finset.mem_biUnion]
       exact mem_facs_inr fg ht i a c)
    | (simp only [Finset.mem_insert, Finset.mem_biUnion]
       exact mem_facs_inr fg ht i a c)
    | exact (mem_facs_inr fg ht i a c).trans
        ((or_congr Iff.rfl Finset.mem_biUnion.symm).trans Finset.mem_insert.symm)

/-- A factor is in no subtree of its grandchildren (they are farther from the root). -/
private theorem not_mem_grandchildren (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n)
    (a : ι) : a ∉ ((childVars fg i a).sigma (fun j => childFacs fg i j)).biUnion
      (fun k => facs fg i (Sum.inr k.2)) := by
  intro h
  obtain ⟨⟨j, b⟩, hk, hak⟩ := Finset.mem_biUnion.1 h
  obtain ⟨hj, hb⟩ := Finset.mem_sigma.1 hk
  have hj1 : j ∈ childVars fg i a := hj
  have hb1 : b ∈ childFacs fg i j := hb
  have hab : Sum.inr a ∈ subtree fg (Sum.inl i) (Sum.inr b) := mem_facs_iff.1 hak
  have h1 := bfsDist_le_of_mem_subtree fg ht.1 hab
  have h2 := bfsDist_grandchild fg ht i hj1 hb1
  omega

/-- Distinct grandchildren of a factor have disjoint factor sets. -/
private theorem pairwise_grandchildren (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n)
    (a : ι) :
    ∀ k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j),
      ∀ k' ∈ (childVars fg i a).sigma (fun j => childFacs fg i j), k ≠ k' →
        Disjoint (facs fg i (Sum.inr k.2)) (facs fg i (Sum.inr k'.2)) := by
  rintro ⟨j, b⟩ hk ⟨j', b'⟩ hk' hne
  obtain ⟨hj, hb⟩ := Finset.mem_sigma.1 hk
  obtain ⟨hj', hb'⟩ := Finset.mem_sigma.1 hk'
  have hj1 : j ∈ childVars fg i a := hj
  have hb1 : b ∈ childFacs fg i j := hb
  have hj2 : j' ∈ childVars fg i a := hj'
  have hb2 : b' ∈ childFacs fg i j' := hb'
  have hbb : b ≠ b' := by
    intro hbb
    have e1 : bfsPar fg (Sum.inl i) (Sum.inr b) = Sum.inl j := mem_childFacs.1 hb1
    have e2 : bfsPar fg (Sum.inl i) (Sum.inr b') = Sum.inl j' := mem_childFacs.1 hb2
    rw [← hbb, e1] at e2
    have hjj : j = j' := Sum.inl.inj e2
    apply hne
    rw [hjj, hbb]
  have hd1 := bfsDist_grandchild fg ht i hj1 hb1
  have hd2 := bfsDist_grandchild fg ht i hj2 hb2
  have hne' : (Sum.inr b : Fin n ⊕ ι) ≠ Sum.inr b' := fun e => hbb (Sum.inr.inj e)
  have hd : bfsDist fg (Sum.inl i) (Sum.inr b) = bfsDist fg (Sum.inl i) (Sum.inr b') := by
    omega
  have hsub : Disjoint (subtree fg (Sum.inl i) (Sum.inr b)) (subtree fg (Sum.inl i) (Sum.inr b')) :=
    disjoint_subtree fg ht.1 hne' hd
  exact disjoint_facs_of hsub

/-- Every factor lies in the subtree of one of the root's children. -/
private theorem mem_facs_root (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n) (c : ι) :
    ∃ a ∈ childFacs fg i i, c ∈ facs fg i (Sum.inr a) := by
  have h : Sum.inr c ∈ subtree fg (Sum.inl i) (Sum.inl i) := by
    rw [subtree_root fg ht.1 (Sum.inl i)]
    exact Finset.mem_univ _
  rcases (mem_subtree_iff_child fg ht.1 (Sum.inl i) (Sum.inl i) (Sum.inr c)).1 h with
    h1 | ⟨u, hu, hpu, hcu⟩
  · cases h1
  · obtain ⟨b, rfl⟩ := child_of_var ht.1 hu hpu
    exact ⟨b, mem_childFacs.2 hpu, mem_facs_iff.2 hcu⟩

/-- All factors, as the union of the factor sets of the root's children's subtrees. -/
private theorem univ_eq_biUnion (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n) :
    (Finset.univ : Finset ι) = (childFacs fg i i).biUnion (fun a => facs fg i (Sum.inr a)) := by
  ext c
  exact ⟨fun _ => Finset.mem_biUnion.2 (mem_facs_root fg ht i c), fun _ => Finset.mem_univ c⟩

/-- Distinct children of the root have disjoint factor sets. -/
private theorem pairwise_root (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n) :
    ∀ a ∈ childFacs fg i i, ∀ a' ∈ childFacs fg i i, a ≠ a' →
      Disjoint (facs fg i (Sum.inr a)) (facs fg i (Sum.inr a')) := by
  intro a ha a' ha' hne
  have hne' : (Sum.inr a : Fin n ⊕ ι) ≠ Sum.inr a' := fun e => hne (Sum.inr.inj e)
  have h1 := bfsDist_child_root fg ht i ha
  have h2 := bfsDist_child_root fg ht i ha'
  have hd : bfsDist fg (Sum.inl i) (Sum.inr a) = bfsDist fg (Sum.inl i) (Sum.inr a') := by
    omega
  have hsub : Disjoint (subtree fg (Sum.inl i) (Sum.inr a)) (subtree fg (Sum.inl i) (Sum.inr a')) :=
    disjoint_subtree fg ht.1 hne' hd
  exact disjoint_facs_of hsub

/-- The subtree product of a factor `a` is its own table times the subtree products of its
grandchildren (the children of its child variables): the product structure that makes the
sum-product recursion exact on trees (SPEC 3.2, Pearl's theorem; Coppola arXiv:2603.17063, BP
equivalence). -/
theorem subProd_factor (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n) {a : ι} {p : Fin n}
    (hp : bfsPar fg (Sum.inl i) (Sum.inr a) = Sum.inl p) (x : Fin n → α) :
    subProd fg i (Sum.inr a) x
      = fg.table a x * ∏ k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j),
          subProd fg i (Sum.inr k.2) x := by
  show ∏ c ∈ facs fg i (Sum.inr a), fg.table c x
    = fg.table a x * ∏ k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j),
        ∏ c ∈ facs fg i (Sum.inr k.2), fg.table c x
  -- the subtree's factors: `a` and the disjoint union of the grandchildren's factor sets
  have hI : ∏ c ∈ facs fg i (Sum.inr a), fg.table c x
      = fg.table a x * ∏ c ∈ ((childVars fg i a).sigma (fun j => childFacs fg i j)).biUnion
          (fun k => facs fg i (Sum.inr k.2)), fg.table c x := by
    first
      | exact (congrArg (fun s : Finset ι => ∏ c ∈ s, fg.table c x) (facs_inr_eq fg ht i a)).trans
          (Finset.prod_insert (not_mem_grandchildren fg ht i a))
      | (rw [facs_inr_eq fg ht i a]
         exact Finset.prod_insert (not_mem_grandchildren fg ht i a))
  have hU : ∏ c ∈ ((childVars fg i a).sigma (fun j => childFacs fg i j)).biUnion
        (fun k => facs fg i (Sum.inr k.2)), fg.table c x
      = ∏ k ∈ (childVars fg i a).sigma (fun j => childFacs fg i j),
          ∏ c ∈ facs fg i (Sum.inr k.2), fg.table c x :=
    Finset.prod_biUnion (pairwiseDisjoint_of ((childVars fg i a).sigma (fun j => childFacs fg i j))
      (fun k => facs fg i (Sum.inr k.2)) (pairwise_grandchildren fg ht i a))
  first
    | exact hI.trans (congrArg (fun q : ℝ => fg.table a x * q) hU)
    | (rw [hI, hU]; done)
    | (rw [hI, hU]; rfl)

/-- In a tree rooted at variable `i`, the joint weight of an assignment is the product of the
subtree products of the root's children (SPEC 3.2, Pearl's theorem on tree factor graphs; Coppola
arXiv:2603.17063, BP equivalence). -/
theorem joint_eq_prod_subProd (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n)
    (x : Fin n → α) : fg.joint x = ∏ a ∈ childFacs fg i i, subProd fg i (Sum.inr a) x := by
  show fg.joint x = ∏ a ∈ childFacs fg i i, ∏ c ∈ facs fg i (Sum.inr a), fg.table c x
  have e0 : fg.joint x = ∏ c ∈ (Finset.univ : Finset ι), fg.table c x := rfl
  -- all factors: the disjoint union of the factor sets of the root's children's subtrees
  have e1 : ∏ c ∈ (Finset.univ : Finset ι), fg.table c x
      = ∏ c ∈ (childFacs fg i i).biUnion (fun a => facs fg i (Sum.inr a)), fg.table c x := by
    first
      | exact congrArg (fun s : Finset ι => ∏ c ∈ s, fg.table c x) (univ_eq_biUnion fg ht i)
      | (rw [← univ_eq_biUnion fg ht i]; done)
  have e2 : ∏ c ∈ (childFacs fg i i).biUnion (fun a => facs fg i (Sum.inr a)), fg.table c x
      = ∏ a ∈ childFacs fg i i, ∏ c ∈ facs fg i (Sum.inr a), fg.table c x :=
    Finset.prod_biUnion (pairwiseDisjoint_of (childFacs fg i i) (fun a => facs fg i (Sum.inr a))
      (pairwise_root fg ht i))
  exact e0.trans (e1.trans e2)

end Products

section Reads

/-- A factor's table reads only the variables of its scope (the field `table_local` of a factor
graph, in the form of `TBN.BlockSum.ReadsOnly`; SPEC 3.2, Coppola arXiv:2603.17063). -/
theorem table_readsOnly (fg : FactorGraph n ι α) (a : ι) :
    TBN.BlockSum.ReadsOnly (fg.table a) (fg.scope a) := by
  intro x y h
  exact fg.table_local a x y h

/-- Every scope variable of a factor in the subtree of `b` is `b`'s parent `j` or lies in the
subtree of `b`. -/
private theorem scope_subset_of_mem_facs (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n)
    {b : ι} {j : Fin n} (hb : bfsPar fg (Sum.inl i) (Sum.inr b) = Sum.inl j) {c : ι}
    (hcm : c ∈ facs fg i (Sum.inr b)) :
    ∀ k ∈ fg.scope c, k ∈ insert j (vars fg i (Sum.inr b)) := by
  intro k hk
  have hcb : Sum.inr c ∈ subtree fg (Sum.inl i) (Sum.inr b) := mem_facs_iff.1 hcm
  rw [Finset.mem_insert, mem_vars_iff]
  rcases adj_eq_parent fg ht (Sum.inl i) (adj_inl_inr_of_mem hk) with ⟨_, h⟩ | ⟨_, h⟩
  · -- `k` is the parent of `c`
    by_cases hcb' : c = b
    · rw [hcb', hb] at h
      exact Or.inl (Sum.inl.inj h).symm
    · right
      have hne : (Sum.inr c : Fin n ⊕ ι) ≠ Sum.inr b := fun e => hcb' (Sum.inr.inj e)
      have h0 := bfsPar_mem_subtree fg ht.1 hcb hne
      rw [h] at h0
      exact h0
  · -- `k` is a child of `c`
    right
    have h0 : Sum.inl k ∈ subtree fg (Sum.inl i) (bfsPar fg (Sum.inl i) (Sum.inl k)) :=
      mem_subtree_bfsPar fg
    rw [h] at h0
    exact subtree_trans fg hcb h0

/-- The subtree product of a factor `b` with parent variable `j` reads only `j` and the variables
of `b`'s subtree (the block structure of Pearl's theorem on trees, SPEC 3.2; Coppola
arXiv:2603.17063, BP equivalence). -/
theorem subProd_readsOnly (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n) {b : ι}
    {j : Fin n} (hb : bfsPar fg (Sum.inl i) (Sum.inr b) = Sum.inl j) :
    TBN.BlockSum.ReadsOnly (subProd fg i (Sum.inr b)) (insert j (vars fg i (Sum.inr b))) := by
  intro x y hxy
  show ∏ c ∈ facs fg i (Sum.inr b), fg.table c x = ∏ c ∈ facs fg i (Sum.inr b), fg.table c y
  exact Finset.prod_congr rfl (fun c hcm => fg.table_local c x y
    (fun k hk => hxy k (scope_subset_of_mem_facs fg ht i hb hcm k hk)))

/-- The scope of a factor `a` (with parent `p`) is disjoint from the variables of the subtree of
any grandchild `b` of `a` (SPEC 3.2, Pearl's theorem on trees; Coppola arXiv:2603.17063, BP
equivalence). -/
theorem disjoint_scope_vars (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n) {a b : ι}
    {p j : Fin n} (hp : bfsPar fg (Sum.inl i) (Sum.inr a) = Sum.inl p)
    (hj : j ∈ childVars fg i a) (hb : b ∈ childFacs fg i j) :
    Disjoint (fg.scope a) (vars fg i (Sum.inr b)) := by
  have hd := bfsDist_grandchild fg ht i hj hb
  have hpa := bfsDist_bfsPar fg ht.1 (inr_ne_root i a)
  rw [hp] at hpa
  refine Finset.disjoint_left.2 (fun k hk hkb => ?_)
  have hkb' : Sum.inl k ∈ subtree fg (Sum.inl i) (Sum.inr b) := mem_vars_iff.1 hkb
  have hle := bfsDist_le_of_mem_subtree fg ht.1 hkb'
  rcases adj_eq_parent fg ht (Sum.inl i) (adj_inl_inr_of_mem hk) with ⟨_, h⟩ | ⟨hkr, h⟩
  · -- `k` is the parent `p` of `a`
    rw [hp] at h
    have hpk : p = k := Sum.inl.inj h
    rw [← hpk] at hle
    omega
  · -- `k` is a child of `a`
    have e := bfsDist_bfsPar fg ht.1 hkr
    rw [h] at e
    omega

/-- The variables of the subtrees of two distinct factors at the same distance from the root are
disjoint (SPEC 3.2, Pearl's theorem on trees; Coppola arXiv:2603.17063, BP equivalence). -/
theorem disjoint_vars (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n) {b b' : ι}
    (hne : b ≠ b')
    (hd : bfsDist fg (Sum.inl i) (Sum.inr b) = bfsDist fg (Sum.inl i) (Sum.inr b')) :
    Disjoint (vars fg i (Sum.inr b)) (vars fg i (Sum.inr b')) := by
  have hne' : (Sum.inr b : Fin n ⊕ ι) ≠ Sum.inr b' := fun e => hne (Sum.inr.inj e)
  exact disjoint_vars_of (disjoint_subtree fg ht.1 hne' hd)

/-- The root variable `i` is not in the subtree of any of its children (SPEC 3.2, Pearl's theorem
on trees; Coppola arXiv:2603.17063, BP equivalence). -/
theorem disjoint_root_vars (fg : FactorGraph n ι α) (ht : IsTree fg) (i : Fin n) {a : ι}
    (ha : a ∈ childFacs fg i i) : Disjoint ({i} : Finset (Fin n)) (vars fg i (Sum.inr a)) := by
  refine Finset.disjoint_left.2 (fun k hk hka => ?_)
  rw [Finset.mem_singleton] at hk
  rw [hk] at hka
  have h1 := bfsDist_le_of_mem_subtree fg ht.1 (mem_vars_iff.1 hka)
  have h2 := bfsDist_child_root fg ht i ha
  have h3 := bfsDist_self fg (Sum.inl i)
  omega

end Reads

end TBN.TreeBP

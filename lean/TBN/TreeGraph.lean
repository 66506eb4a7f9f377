import TBN.SumProduct
import Mathlib.Data.Finset.Sigma
import Mathlib.Logic.Function.Iterate
import Mathlib.Data.Nat.Lattice

/-!
# Rooted trees inside the bipartite graph of a factor graph

Breadth-first distances, BFS parents and subtrees in the bipartite variable–factor graph of a
`TBN.FactorGraph.FactorGraph` (the graph of `TBN.SumProduct.adj`), and the counting fact behind
the tree predicate `TBN.SumProduct.IsTree` ("connected and `|E| + 1 = |V|`", SPEC 3.2): in a
connected graph every non-root node has a BFS parent, the parent edges are pairwise distinct, so
`|V| ≤ |E| + 1`; in a tree equality holds, so every edge is a parent edge. These are the graph
facts Pearl's theorem for flat tree factor graphs (`TBN.TreeBP`) is proved from.

## Main definitions

* `bfsDist fg r w`: the least `k` with `w ∈ reach fg r k` (`0` if there is none).
* `bfsPar fg r w`: a neighbour of `w` one step closer to `r` (`w` itself if there is none; in
  particular `bfsPar fg r r = r`).
* `ecc fg r`: the largest distance from `r`.
* `subtree fg r w`: the nodes whose chain of BFS parents passes through `w`.
* (private, auxiliary) `edgeOf`: the edge `⟨a, j⟩` joining a factor `a` and a variable `j`, as an
  element of the edge set `Finset.univ.sigma fg.scope` (`none` for two nodes of the same kind).

## Main statements

* `bfsDist_self`, `eq_of_bfsDist_eq_zero`, `bfsDist_le_ecc`, `ecc_le_numNodes`.
* `bfsPar_self`, `adj_bfsPar`, `bfsDist_bfsPar`: the BFS parent of a non-root node is a
  neighbour one step closer to the root.
* `numNodes_le_numEdges_succ`: a connected bipartite graph has at least `|V| - 1` edges.
* `adj_eq_parent`: in a tree every edge joins a node to its BFS parent (from any root).
* `mem_subtree`, `subtree_root`, `disjoint_subtree`, `subtree_trans`,
  `subtree_eq_insert_biUnion`: subtrees, their disjointness at equal depth and their
  decomposition into the subtrees of the children.

## Implementation notes

`bfsDist` is an `sInf` over `ℕ` (so no decidability instance is baked into it) and `bfsPar`,
`subtree` use classical choice and classical decidability; every statement about them is proved
from the defining properties only. The counting argument maps each non-root node `w` to the edge
`edgeOf w (bfsPar fg r w)` in `Option` of the edge type, so no default edge is needed.

## References

* Coppola, *Transformers are Bayesian Networks*, arXiv:2603.17063 (2026): BP equivalence.
* F. R. Kschischang, B. J. Frey, H.-A. Loeliger, *Factor graphs and the sum-product algorithm*,
  IEEE Trans. Inform. Theory 47 (2001).
* J. Pearl, *Probabilistic Reasoning in Intelligent Systems*, Morgan Kaufmann (1988).
-/

namespace TBN.TreeGraph

open TBN.FactorGraph TBN.SumProduct

variable {n : ℕ} {ι α : Type} [Fintype ι] [DecidableEq ι] [Fintype α] [DecidableEq α]

section Reach

/-- Breadth-first reachability in zero steps: only the start node. -/
private theorem reach_zero (fg : FactorGraph n ι α) (u : Fin n ⊕ ι) : reach fg u 0 = {u} := by
  first
    | rfl
    | simp [reach]

/-- Breadth-first reachability in `k + 1` steps: one `expand` of the nodes reached in `k`. -/
private theorem reach_succ (fg : FactorGraph n ι α) (u : Fin n ⊕ ι) (k : ℕ) :
    reach fg u (k + 1) = expand fg (reach fg u k) := by
  first
    | rfl
    | simp [reach]

/-- A node is in the expansion of `S` iff it is in `S` or is adjacent to a node of `S`. -/
private theorem mem_expand (fg : FactorGraph n ι α) (S : Finset (Fin n ⊕ ι)) (u : Fin n ⊕ ι) :
    u ∈ expand fg S ↔ u ∈ S ∨ ∃ w ∈ S, adj fg w u = true := by
  first
    | (simp only [expand, Finset.mem_union, Finset.mem_biUnion, Finset.mem_filter,
        Finset.mem_univ, true_and]; done)
    | (unfold expand; simp)

/-- Reachability grows by one step. -/
private theorem reach_subset_succ (fg : FactorGraph n ι α) (u : Fin n ⊕ ι) (k : ℕ) :
    reach fg u k ⊆ reach fg u (k + 1) := by
  intro x hx
  rw [reach_succ, mem_expand]
  exact Or.inl hx

/-- Reachability grows with the number of steps (auxiliary form). -/
private theorem reach_subset_add (fg : FactorGraph n ι α) (u : Fin n ⊕ ι) (k d : ℕ) :
    reach fg u k ⊆ reach fg u (k + d) := by
  induction d with
  | zero =>
    first
      | exact Finset.Subset.refl _
      | simp
  | succ d ih =>
    first
      | exact Finset.Subset.trans ih (reach_subset_succ fg u (k + d))
      | (rw [← Nat.add_assoc]; exact Finset.Subset.trans ih (reach_subset_succ fg u (k + d)))

/-- Reachability is monotone in the number of steps. -/
private theorem reach_mono (fg : FactorGraph n ι α) (u : Fin n ⊕ ι) {k m : ℕ} (h : k ≤ m) :
    reach fg u k ⊆ reach fg u m := by
  first
    | (obtain ⟨d, rfl⟩ := Nat.exists_eq_add_of_le h
       exact reach_subset_add fg u k d)
    | (have hm : m = k + (m - k) := by omega
       rw [hm]
       exact reach_subset_add fg u k (m - k))

/-- In a connected graph every node is reached from every node within `numNodes` steps. -/
private theorem mem_reach_of_connected (fg : FactorGraph n ι α)
    (hc : Connected fg) (r w : Fin n ⊕ ι) :
    w ∈ reach fg r (numNodes fg) := by
  have h : reach fg r (numNodes fg) = Finset.univ :=
    (show ∀ u : Fin n ⊕ ι, reach fg u (numNodes fg) = Finset.univ from hc) r
  rw [h]
  exact Finset.mem_univ w

end Reach

section Adj

/-- A variable and a factor are adjacent iff the variable is in the factor's scope. -/
private theorem adj_inl_inr (fg : FactorGraph n ι α) {j : Fin n} {a : ι} :
    adj fg (Sum.inl j) (Sum.inr a) = true ↔ j ∈ fg.scope a := by
  first
    | (show decide (j ∈ fg.scope a) = true ↔ j ∈ fg.scope a
       exact ⟨of_decide_eq_true, decide_eq_true⟩)
    | simp [adj]

/-- A factor and a variable are adjacent iff the variable is in the factor's scope. -/
private theorem adj_inr_inl (fg : FactorGraph n ι α) {j : Fin n} {a : ι} :
    adj fg (Sum.inr a) (Sum.inl j) = true ↔ j ∈ fg.scope a := by
  first
    | (show decide (j ∈ fg.scope a) = true ↔ j ∈ fg.scope a
       exact ⟨of_decide_eq_true, decide_eq_true⟩)
    | simp [adj]

/-- Two variables are never adjacent. -/
private theorem adj_inl_inl (fg : FactorGraph n ι α) (i j : Fin n) :
    adj fg (Sum.inl i) (Sum.inl j) = false := by
  first
    | rfl
    | simp [adj]

/-- Two factors are never adjacent. -/
private theorem adj_inr_inr (fg : FactorGraph n ι α) (a b : ι) :
    adj fg (Sum.inr a) (Sum.inr b) = false := by
  first
    | rfl
    | simp [adj]

end Adj

section Dist

/-- The breadth-first distance from `r` to `w`: the least `k` with `w ∈ reach fg r k`
(`0` if there is none, which cannot happen in a connected graph). -/
noncomputable def bfsDist (fg : FactorGraph n ι α) (r w : Fin n ⊕ ι) : ℕ :=
  sInf {k : ℕ | w ∈ reach fg r k}

/-- The distance is at most any number of steps that reaches the node. -/
private theorem bfsDist_le_of_mem (fg : FactorGraph n ι α) {r w : Fin n ⊕ ι} {k : ℕ}
    (h : w ∈ reach fg r k) : bfsDist fg r w ≤ k := by
  first
    | exact Nat.sInf_le h
    | (unfold bfsDist
       apply Nat.sInf_le
       first
         | (rw [Set.mem_setOf_eq]; exact h)
         | exact h)

/-- In a connected graph a node is reached in exactly `bfsDist` steps. -/
private theorem mem_reach_bfsDist (fg : FactorGraph n ι α) (hc : Connected fg) (r w : Fin n ⊕ ι) :
    w ∈ reach fg r (bfsDist fg r w) := by
  have hmem : numNodes fg ∈ {k : ℕ | w ∈ reach fg r k} := by
    first
      | (rw [Set.mem_setOf_eq]; exact mem_reach_of_connected fg hc r w)
      | exact mem_reach_of_connected fg hc r w
  have hne : ({k : ℕ | w ∈ reach fg r k} : Set ℕ).Nonempty := ⟨numNodes fg, hmem⟩
  have h := Nat.sInf_mem hne
  unfold bfsDist
  first
    | (rw [Set.mem_setOf_eq] at h; exact h)
    | exact h

/-- The root is at distance zero from itself. (SPEC 3.2 Pearl on trees) -/
theorem bfsDist_self (fg : FactorGraph n ι α) (r : Fin n ⊕ ι) : bfsDist fg r r = 0 := by
  have h : r ∈ reach fg r 0 := by
    rw [reach_zero]
    exact Finset.mem_singleton_self r
  have := bfsDist_le_of_mem fg h
  omega

/-- In a connected graph only the root is at distance zero. (SPEC 3.2 Pearl on trees) -/
theorem eq_of_bfsDist_eq_zero (fg : FactorGraph n ι α) (hc : Connected fg) {r w : Fin n ⊕ ι}
    (h : bfsDist fg r w = 0) : w = r := by
  have hm := mem_reach_bfsDist fg hc r w
  rw [h, reach_zero] at hm
  exact Finset.mem_singleton.mp hm

/-- In a connected graph, adjacent nodes have distances differing by at most one. -/
private theorem bfsDist_le_succ_of_adj (fg : FactorGraph n ι α)
    (hc : Connected fg) {r u w : Fin n ⊕ ι}
    (h : adj fg u w = true) : bfsDist fg r w ≤ bfsDist fg r u + 1 := by
  apply bfsDist_le_of_mem
  rw [reach_succ, mem_expand]
  exact Or.inr ⟨u, mem_reach_bfsDist fg hc r u, h⟩

/-- The eccentricity of `r`: the largest breadth-first distance from `r`. -/
noncomputable def ecc (fg : FactorGraph n ι α) (r : Fin n ⊕ ι) : ℕ :=
  Finset.univ.sup (fun w => bfsDist fg r w)

/-- Every distance from `r` is at most the eccentricity of `r`. (SPEC 3.2 Pearl on trees) -/
theorem bfsDist_le_ecc (fg : FactorGraph n ι α) (r w : Fin n ⊕ ι) :
    bfsDist fg r w ≤ ecc fg r := by
  unfold ecc
  first
    | exact Finset.le_sup (f := fun w => bfsDist fg r w) (Finset.mem_univ w)
    | exact Finset.le_sup (Finset.mem_univ w)
    | exact Finset.le_sup_of_le (Finset.mem_univ w) le_rfl

/-- In a connected graph the eccentricity of any node is at most the number of nodes. (SPEC 3.2
Pearl on trees) -/
theorem ecc_le_numNodes (fg : FactorGraph n ι α) (hc : Connected fg) (r : Fin n ⊕ ι) :
    ecc fg r ≤ numNodes fg := by
  have hw : ∀ w ∈ (Finset.univ : Finset (Fin n ⊕ ι)), bfsDist fg r w ≤ numNodes fg :=
    fun w _ => bfsDist_le_of_mem fg (mem_reach_of_connected fg hc r w)
  unfold ecc
  first
    | exact Finset.sup_le hw
    | exact Finset.sup_le_iff.mpr hw

/-- In a connected graph every node other than the root has a neighbour one step closer to the
root. -/
private theorem exists_parent (fg : FactorGraph n ι α) (hc : Connected fg) {r w : Fin n ⊕ ι}
    (hw : w ≠ r) : ∃ u, adj fg u w = true ∧ bfsDist fg r u + 1 = bfsDist fg r w := by
  have hmem := mem_reach_bfsDist fg hc r w
  have h0 : bfsDist fg r w ≠ 0 := fun h0 => hw (eq_of_bfsDist_eq_zero fg hc h0)
  obtain ⟨k, hk⟩ : ∃ k, bfsDist fg r w = k + 1 := ⟨bfsDist fg r w - 1, by omega⟩
  rw [hk, reach_succ, mem_expand] at hmem
  rcases hmem with hmem | ⟨u, hu, hadj⟩
  · have := bfsDist_le_of_mem fg hmem
    omega
  · refine ⟨u, hadj, ?_⟩
    have h1 := bfsDist_le_of_mem fg hu
    have h2 := bfsDist_le_succ_of_adj fg hc (r := r) hadj
    omega

end Dist

section Parent

open Classical in
/-- The BFS parent of `w` (towards `r`): a neighbour `u` of `w` with
`bfsDist u + 1 = bfsDist w` if one exists (classical choice), else `w` itself. -/
noncomputable def bfsPar (fg : FactorGraph n ι α) (r w : Fin n ⊕ ι) : Fin n ⊕ ι :=
  if h : ∃ u, adj fg u w = true ∧ bfsDist fg r u + 1 = bfsDist fg r w then Classical.choose h
  else w

/-- The defining property of the BFS parent, whenever a closer neighbour exists. -/
private theorem bfsPar_spec (fg : FactorGraph n ι α) {r w : Fin n ⊕ ι}
    (h : ∃ u, adj fg u w = true ∧ bfsDist fg r u + 1 = bfsDist fg r w) :
    adj fg (bfsPar fg r w) w = true ∧ bfsDist fg r (bfsPar fg r w) + 1 = bfsDist fg r w := by
  unfold bfsPar
  first
    | (rw [dif_pos h]; exact Classical.choose_spec h)
    | (split_ifs with h' <;> first | exact Classical.choose_spec h' | exact absurd h h')

/-- The root is its own BFS parent. (SPEC 3.2 Pearl on trees) -/
theorem bfsPar_self (fg : FactorGraph n ι α) (r : Fin n ⊕ ι) : bfsPar fg r r = r := by
  have h : ¬ ∃ u, adj fg u r = true ∧ bfsDist fg r u + 1 = bfsDist fg r r := by
    rintro ⟨u, -, hu⟩
    rw [bfsDist_self] at hu
    omega
  unfold bfsPar
  first
    | (rw [dif_neg h]; done)
    | (split_ifs with h' <;> first | exact absurd h' h | rfl)
    | simp only [dif_neg h]

/-- In a connected graph the BFS parent of a non-root node is adjacent to it. (SPEC 3.2 Pearl on
trees) -/
theorem adj_bfsPar (fg : FactorGraph n ι α) (hc : Connected fg) {r w : Fin n ⊕ ι}
    (hw : w ≠ r) : adj fg (bfsPar fg r w) w = true :=
  (bfsPar_spec fg (exists_parent fg hc hw)).1

/-- In a connected graph the BFS parent of a non-root node is one step closer to the root. (SPEC
3.2 Pearl on trees) -/
theorem bfsDist_bfsPar (fg : FactorGraph n ι α) (hc : Connected fg) {r w : Fin n ⊕ ι}
    (hw : w ≠ r) : bfsDist fg r (bfsPar fg r w) + 1 = bfsDist fg r w :=
  (bfsPar_spec fg (exists_parent fg hc hw)).2

/-- Two non-root nodes are never each other's BFS parents. -/
private theorem not_bfsPar_cycle (fg : FactorGraph n ι α) (hc : Connected fg) {r w₁ w₂ : Fin n ⊕ ι}
    (h₁ : w₁ ≠ r) (h₂ : w₂ ≠ r) (p₁ : bfsPar fg r w₁ = w₂) (p₂ : bfsPar fg r w₂ = w₁) :
    False := by
  have d₁ := bfsDist_bfsPar fg hc h₁
  have d₂ := bfsDist_bfsPar fg hc h₂
  rw [p₁] at d₁
  rw [p₂] at d₂
  omega

end Parent

section Counting

/-- The edge joining two nodes of the bipartite graph, as an element `⟨a, j⟩` (factor `a`,
variable `j`) of the edge type; `none` for two variables or two factors. It is symmetric. -/
private def edgeOf : Fin n ⊕ ι → Fin n ⊕ ι → Option ((_ : ι) × Fin n)
  | .inl _, .inl _ => none
  | .inl j, .inr a => some ⟨a, j⟩
  | .inr a, .inl j => some ⟨a, j⟩
  | .inr _, .inr _ => none

/-- The two ends of an edge `⟨a, j⟩` are the variable `j` and the factor `a`. -/
private theorem eq_of_edgeOf_eq_some {x y : Fin n ⊕ ι} {a : ι} {j : Fin n}
    (h : edgeOf x y = some ⟨a, j⟩) :
    (x = Sum.inl j ∧ y = Sum.inr a) ∨ (x = Sum.inr a ∧ y = Sum.inl j) := by
  cases x with
  | inl j₀ =>
    cases y with
    | inl j₁ =>
      first
        | exact absurd h (by simp [edgeOf])
        | cases h
    | inr a₀ =>
      first
        | (simp only [edgeOf, Option.some.injEq, Sigma.mk.injEq, heq_eq_eq] at h
           obtain ⟨rfl, rfl⟩ := h
           exact Or.inl ⟨rfl, rfl⟩)
        | (cases h; exact Or.inl ⟨rfl, rfl⟩)
        | (simp [edgeOf] at h
           obtain ⟨rfl, rfl⟩ := h
           simp)
  | inr a₀ =>
    cases y with
    | inl j₀ =>
      first
        | (simp only [edgeOf, Option.some.injEq, Sigma.mk.injEq, heq_eq_eq] at h
           obtain ⟨rfl, rfl⟩ := h
           exact Or.inr ⟨rfl, rfl⟩)
        | (cases h; exact Or.inr ⟨rfl, rfl⟩)
        | (simp [edgeOf] at h
           obtain ⟨rfl, rfl⟩ := h
           simp)
    | inr a₁ =>
      first
        | exact absurd h (by simp [edgeOf])
        | cases h

/-- Two node pairs with the same edge are the same pair, possibly swapped. -/
private theorem edgeOf_eq_edgeOf {x y x' y' : Fin n ⊕ ι} {e : (_ : ι) × Fin n}
    (h : edgeOf x y = some e) (h' : edgeOf x' y' = some e) :
    (x = x' ∧ y = y') ∨ (x = y' ∧ y = x') := by
  obtain ⟨a, j⟩ := e
  rcases eq_of_edgeOf_eq_some h with ⟨hx, hy⟩ | ⟨hx, hy⟩ <;>
    rcases eq_of_edgeOf_eq_some h' with ⟨hx', hy'⟩ | ⟨hx', hy'⟩ <;>
    first
      | exact Or.inl ⟨hx.trans hx'.symm, hy.trans hy'.symm⟩
      | exact Or.inr ⟨hx.trans hy'.symm, hy.trans hx'.symm⟩

/-- The edge of two adjacent nodes is an edge of the graph. -/
private theorem edgeOf_mem_image (fg : FactorGraph n ι α)
    {u w : Fin n ⊕ ι} (h : adj fg u w = true) :
    edgeOf w u ∈ (Finset.univ.sigma fg.scope).image some := by
  rw [Finset.mem_image]
  cases u with
  | inl j =>
    cases w with
    | inl j' =>
      first
        | (rw [adj_inl_inl] at h; exact absurd h (by decide))
        | simp [adj] at h
    | inr a =>
      exact ⟨⟨a, j⟩, Finset.mem_sigma.mpr ⟨Finset.mem_univ a, (adj_inl_inr fg).mp h⟩,
        rfl⟩
  | inr a =>
    cases w with
    | inl j =>
      exact ⟨⟨a, j⟩, Finset.mem_sigma.mpr ⟨Finset.mem_univ a, (adj_inr_inl fg).mp h⟩,
        rfl⟩
    | inr a' =>
      first
        | (rw [adj_inr_inr] at h; exact absurd h (by decide))
        | simp [adj] at h

/-- The edge set has `numEdges fg` elements. -/
private theorem card_edges (fg : FactorGraph n ι α) :
    (Finset.univ.sigma fg.scope).card = numEdges fg := by
  first
    | (rw [Finset.card_sigma]; rfl)
    | (rw [Finset.card_sigma]; done)
    | simp [numEdges]

/-- The number of nodes is the cardinality of the node type. -/
private theorem card_univ_nodes (fg : FactorGraph n ι α) :
    (Finset.univ : Finset (Fin n ⊕ ι)).card = numNodes fg := by
  first
    | (rw [Finset.card_univ, Fintype.card_sum, Fintype.card_fin]; rfl)
    | (rw [Finset.card_univ, Fintype.card_sum, Fintype.card_fin]; done)
    | simp [numNodes]

/-- Every non-root node is sent to the edge joining it to its BFS parent. -/
private theorem parent_edge_subset (fg : FactorGraph n ι α) (hc : Connected fg) (r : Fin n ⊕ ι) :
    (Finset.univ.erase r).image (fun w => edgeOf w (bfsPar fg r w))
      ⊆ (Finset.univ.sigma fg.scope).image some := by
  intro e he
  obtain ⟨w, hw, rfl⟩ := Finset.mem_image.mp he
  exact edgeOf_mem_image fg (adj_bfsPar fg hc (Finset.ne_of_mem_erase hw))

/-- Distinct non-root nodes have distinct parent edges (two nodes sharing one would be each
other's parents). -/
private theorem parent_edge_injOn (fg : FactorGraph n ι α) (hc : Connected fg) (r : Fin n ⊕ ι) :
    Set.InjOn (fun w => edgeOf w (bfsPar fg r w)) (Finset.univ.erase r : Set (Fin n ⊕ ι)) := by
  intro w₁ h₁ w₂ h₂ hfe
  have hw₁ : w₁ ≠ r := Finset.ne_of_mem_erase (Finset.mem_coe.mp h₁)
  have hw₂ : w₂ ≠ r := Finset.ne_of_mem_erase (Finset.mem_coe.mp h₂)
  have hfe' : edgeOf w₁ (bfsPar fg r w₁) = edgeOf w₂ (bfsPar fg r w₂) := hfe
  obtain ⟨e, -, he⟩ := Finset.mem_image.mp (edgeOf_mem_image fg (adj_bfsPar fg hc hw₁))
  -- `he : some e = edgeOf w₁ (bfsPar fg r w₁)`
  rcases edgeOf_eq_edgeOf he.symm (hfe'.symm.trans he.symm) with ⟨hx, -⟩ | ⟨hx, hy⟩
  · exact hx
  · -- `hx : w₁ = bfsPar fg r w₂`, `hy : bfsPar fg r w₁ = w₂`
    exact (not_bfsPar_cycle fg hc hw₁ hw₂ hy hx.symm).elim

/-- The number of non-root nodes is at most the number of edges. -/
private theorem card_erase_le_numEdges (fg : FactorGraph n ι α)
    (hc : Connected fg) (r : Fin n ⊕ ι) :
    (Finset.univ.erase r).card ≤ numEdges fg :=
  calc (Finset.univ.erase r).card
      = ((Finset.univ.erase r).image (fun w => edgeOf w (bfsPar fg r w))).card :=
        (Finset.card_image_of_injOn (parent_edge_injOn fg hc r)).symm
    _ ≤ ((Finset.univ.sigma fg.scope).image some).card :=
        Finset.card_le_card (parent_edge_subset fg hc r)
    _ ≤ (Finset.univ.sigma fg.scope).card := Finset.card_image_le
    _ = numEdges fg := card_edges fg

/-- A connected bipartite graph has at least `|V| - 1` edges: `|V| ≤ |E| + 1` (the inequality
half of the tree predicate of SPEC 3.2 Pearl, Coppola arXiv:2603.17063: the BFS parent edges of
the non-root nodes are pairwise distinct). -/
theorem numNodes_le_numEdges_succ (fg : FactorGraph n ι α) (hc : Connected fg) :
    numNodes fg ≤ numEdges fg + 1 := by
  rw [← card_univ_nodes fg]
  rcases Finset.eq_empty_or_nonempty (Finset.univ : Finset (Fin n ⊕ ι)) with h | ⟨r, -⟩
  · rw [h, Finset.card_empty]
    exact Nat.zero_le _
  · have h1 := Finset.card_erase_add_one (Finset.mem_univ r)
    have h2 := card_erase_le_numEdges fg hc r
    omega

/-- In a tree the parent edges are all the edges. -/
private theorem image_parent_edge_eq (fg : FactorGraph n ι α) (ht : IsTree fg) (r : Fin n ⊕ ι) :
    (Finset.univ.erase r).image (fun w => edgeOf w (bfsPar fg r w))
      = (Finset.univ.sigma fg.scope).image some := by
  apply Finset.eq_of_subset_of_card_le (parent_edge_subset fg ht.1 r)
  have h1 := Finset.card_erase_add_one (Finset.mem_univ r)
  have h2 := card_univ_nodes fg
  have h3 : numEdges fg + 1 = numNodes fg := ht.2
  have e1 := Finset.card_image_of_injOn (parent_edge_injOn fg ht.1 r)
  have e2 := Finset.card_image_of_injective (Finset.univ.sigma fg.scope) (Option.some_injective _)
  have e3 := card_edges fg
  first
    | omega
    | (rw [e1, e2, e3]
       omega)

/-- In a tree every edge joins a node to its BFS parent, from any root: if `u` and `w` are
adjacent, then `u` is the parent of `w` or `w` is the parent of `u` (SPEC 3.2 Pearl, Coppola
arXiv:2603.17063: the tree predicate `|E| + 1 = |V|` leaves no edge outside the BFS tree). -/
theorem adj_eq_parent (fg : FactorGraph n ι α) (ht : IsTree fg) (r : Fin n ⊕ ι)
    {u w : Fin n ⊕ ι} (h : adj fg u w = true) :
    (w ≠ r ∧ bfsPar fg r w = u) ∨ (u ≠ r ∧ bfsPar fg r u = w) := by
  have hmem := edgeOf_mem_image fg h
  have hmem' :
      edgeOf w u ∈ (Finset.univ.erase r).image (fun x => edgeOf x (bfsPar fg r x)) := by
    rw [image_parent_edge_eq fg ht r]
    exact hmem
  obtain ⟨x, hx, hxe⟩ := Finset.mem_image.mp hmem'
  have hxe' : edgeOf x (bfsPar fg r x) = edgeOf w u := hxe
  obtain ⟨e, -, he⟩ := Finset.mem_image.mp hmem
  have hxr : x ≠ r := Finset.ne_of_mem_erase hx
  rcases edgeOf_eq_edgeOf (hxe'.trans he.symm) he.symm with ⟨h1, h2⟩ | ⟨h1, h2⟩
  · left
    first
      | (rw [← h1]; exact ⟨hxr, h2⟩)
      | (subst h1; exact ⟨hxr, h2⟩)
  · right
    first
      | (rw [← h1]; exact ⟨hxr, h2⟩)
      | (subst h1; exact ⟨hxr, h2⟩)

end Counting

section Subtree

/-- One more BFS-parent step, applied last. -/
private theorem bfsPar_iterate_succ (fg : FactorGraph n ι α)
    (r : Fin n ⊕ ι) (k : ℕ) (x : Fin n ⊕ ι) :
    (bfsPar fg r)^[k + 1] x = bfsPar fg r ((bfsPar fg r)^[k] x) := by
  first
    | exact Function.iterate_succ_apply' (bfsPar fg r) k x
    | (induction k generalizing x with
       | zero => rfl
       | succ k ih => exact ih (bfsPar fg r x))

/-- The root is fixed by every iterate of the BFS parent map. -/
private theorem bfsPar_iterate_root (fg : FactorGraph n ι α) (r : Fin n ⊕ ι) (k : ℕ) :
    (bfsPar fg r)^[k] r = r := by
  -- `f` and `x` named: no higher-order unification of `?f ?x` against `bfsPar fg r r`
  first
    | exact Function.iterate_fixed (f := bfsPar fg r) (x := r) (bfsPar_self fg r) k
    | (induction k with
       | zero => rfl
       | succ k ih =>
         show (bfsPar fg r)^[k] (bfsPar fg r r) = r
         rw [bfsPar_self fg r]
         exact ih)

/-- Each of the first `bfsDist u` parent steps from `u` lowers the distance by one. -/
private theorem bfsDist_iterate (fg : FactorGraph n ι α) (hc : Connected fg) {r u : Fin n ⊕ ι} :
    ∀ k, k ≤ bfsDist fg r u → bfsDist fg r ((bfsPar fg r)^[k] u) + k = bfsDist fg r u := by
  intro k
  induction k with
  | zero =>
    intro _
    first
      | rfl
      | simp
  | succ k ih =>
    intro hk
    have h1 := ih (by omega)
    have hne : (bfsPar fg r)^[k] u ≠ r := by
      intro h
      rw [h, bfsDist_self] at h1
      omega
    have h2 := bfsDist_bfsPar fg hc hne
    have h3 : (bfsPar fg r)^[k + 1] u = bfsPar fg r ((bfsPar fg r)^[k] u) :=
      bfsPar_iterate_succ fg r k u
    first
      | (rw [h3]; omega)
      | (rw [bfsPar_iterate_succ]; omega)
      | (simp only [h3]; omega)

/-- `bfsDist u` parent steps lead from `u` to the root. -/
private theorem bfsPar_iterate_bfsDist (fg : FactorGraph n ι α)
    (hc : Connected fg) (r u : Fin n ⊕ ι) :
    (bfsPar fg r)^[bfsDist fg r u] u = r := by
  have h := bfsDist_iterate fg hc (r := r) (u := u) (bfsDist fg r u) (Nat.le_refl _)
  apply eq_of_bfsDist_eq_zero fg hc
  omega

/-- At least `bfsDist u` parent steps lead from `u` to the root (and stay there). -/
private theorem bfsPar_iterate_of_le (fg : FactorGraph n ι α) (hc : Connected fg) {r u : Fin n ⊕ ι}
    {k : ℕ} (hk : bfsDist fg r u ≤ k) : (bfsPar fg r)^[k] u = r := by
  have hk' : k = (k - bfsDist fg r u) + bfsDist fg r u := by omega
  have e1 : (bfsPar fg r)^[k] u
      = (bfsPar fg r)^[k - bfsDist fg r u] ((bfsPar fg r)^[bfsDist fg r u] u) := by
    first
      | exact (congrArg (fun m => (bfsPar fg r)^[m] u) hk').trans
          (Function.iterate_add_apply (bfsPar fg r) (k - bfsDist fg r u) (bfsDist fg r u) u)
      | (rw [← Function.iterate_add_apply, ← hk'])
  rw [e1, bfsPar_iterate_bfsDist fg hc r u]
  exact bfsPar_iterate_root fg r _

open Classical in
/-- The subtree of `w` (rooted at `r`): the nodes whose chain of BFS parents reaches `w`. -/
noncomputable def subtree (fg : FactorGraph n ι α) (r w : Fin n ⊕ ι) : Finset (Fin n ⊕ ι) :=
  Finset.univ.filter (fun u => ∃ k, (bfsPar fg r)^[k] u = w)

/-- Membership in a subtree: some number of BFS-parent steps leads to its top node. (SPEC 3.2 Pearl
on trees) -/
theorem mem_subtree (fg : FactorGraph n ι α) (r w u : Fin n ⊕ ι) :
    u ∈ subtree fg r w ↔ ∃ k, (bfsPar fg r)^[k] u = w := by
  unfold subtree
  -- The filter's `DecidablePred` instance is classical (`open Classical in` above); `simp` keeps
  -- the instance it unified with, while `rw` would re-synthesize it (hence `classical` there).
  first
    | (simp only [Finset.mem_filter, Finset.mem_univ, true_and]; done)
    | (classical
       rw [Finset.mem_filter]
       exact ⟨fun h => h.2, fun h => ⟨Finset.mem_univ u, h⟩⟩)
    | (classical simp)
    | simp

/-- Membership in a subtree, by distances: `u` is below `w` iff `w` is not farther from the root
and exactly `bfsDist u - bfsDist w` parent steps lead from `u` to `w`. -/
private theorem mem_subtree_iff (fg : FactorGraph n ι α) (hc : Connected fg) {r w u : Fin n ⊕ ι} :
    u ∈ subtree fg r w ↔ bfsDist fg r w ≤ bfsDist fg r u ∧
      (bfsPar fg r)^[bfsDist fg r u - bfsDist fg r w] u = w := by
  rw [mem_subtree]
  constructor
  · rintro ⟨k, hk⟩
    by_cases hle : k ≤ bfsDist fg r u
    · have h := bfsDist_iterate fg hc k hle
      rw [hk] at h
      have hk' : k = bfsDist fg r u - bfsDist fg r w := by omega
      rw [← hk']
      exact ⟨by omega, hk⟩
    · have hr : w = r := hk.symm.trans (bfsPar_iterate_of_le fg hc (r := r) (u := u) (k := k)
        (by omega))
      rw [hr, bfsDist_self, Nat.sub_zero]
      exact ⟨Nat.zero_le _, bfsPar_iterate_bfsDist fg hc r u⟩
  · rintro ⟨-, h⟩
    exact ⟨_, h⟩

/-- Every node is in its own subtree. (SPEC 3.2 Pearl on trees) -/
theorem self_mem_subtree (fg : FactorGraph n ι α) (r w : Fin n ⊕ ι) : w ∈ subtree fg r w :=
  (mem_subtree fg r w w).mpr ⟨0, rfl⟩

/-- Every node is in the subtree of its BFS parent. (SPEC 3.2 Pearl on trees) -/
theorem mem_subtree_bfsPar (fg : FactorGraph n ι α) {r u : Fin n ⊕ ι} :
    u ∈ subtree fg r (bfsPar fg r u) :=
  (mem_subtree fg r (bfsPar fg r u) u).mpr ⟨1, rfl⟩

/-- In a connected graph the subtree of the root is the whole graph. (SPEC 3.2 Pearl on trees) -/
theorem subtree_root (fg : FactorGraph n ι α) (hc : Connected fg) (r : Fin n ⊕ ι) :
    subtree fg r r = Finset.univ := by
  ext u
  exact ⟨fun _ => Finset.mem_univ u,
    fun _ => (mem_subtree fg r r u).mpr ⟨bfsDist fg r u, bfsPar_iterate_bfsDist fg hc r u⟩⟩

/-- The nodes of a subtree are at least as far from the root as its top node. (SPEC 3.2 Pearl on
trees) -/
theorem bfsDist_le_of_mem_subtree (fg : FactorGraph n ι α) (hc : Connected fg)
    {r w u : Fin n ⊕ ι} (h : u ∈ subtree fg r w) : bfsDist fg r w ≤ bfsDist fg r u :=
  ((mem_subtree_iff fg hc).mp h).1

/-- The nodes of a subtree other than its top node are strictly farther from the root. (SPEC 3.2
Pearl on trees) -/
theorem bfsDist_lt_of_mem_subtree (fg : FactorGraph n ι α) (hc : Connected fg)
    {r w u : Fin n ⊕ ι} (h : u ∈ subtree fg r w) (hne : u ≠ w) :
    bfsDist fg r w < bfsDist fg r u := by
  obtain ⟨h1, h2⟩ := (mem_subtree_iff fg hc).mp h
  by_contra hlt
  have h0 : bfsDist fg r u - bfsDist fg r w = 0 := by omega
  rw [h0] at h2
  first
    | exact hne h2
    | (rw [Function.iterate_zero_apply] at h2; exact hne h2)

/-- Subtrees of distinct nodes at the same distance from the root are disjoint. (SPEC 3.2 Pearl on
trees) -/
theorem disjoint_subtree (fg : FactorGraph n ι α) (hc : Connected fg) {r c₁ c₂ : Fin n ⊕ ι}
    (hne : c₁ ≠ c₂) (hd : bfsDist fg r c₁ = bfsDist fg r c₂) :
    Disjoint (subtree fg r c₁) (subtree fg r c₂) := by
  rw [Finset.disjoint_left]
  intro u h₁ h₂
  obtain ⟨-, e₁⟩ := (mem_subtree_iff fg hc).mp h₁
  obtain ⟨-, e₂⟩ := (mem_subtree_iff fg hc).mp h₂
  rw [hd] at e₁
  exact hne (e₁.symm.trans e₂)

/-- The subtree of a node of a subtree is contained in it. (SPEC 3.2 Pearl on trees) -/
theorem subtree_trans (fg : FactorGraph n ι α) {r w u : Fin n ⊕ ι} (h : u ∈ subtree fg r w) :
    subtree fg r u ⊆ subtree fg r w := by
  intro x hx
  obtain ⟨m, hm⟩ := (mem_subtree fg r w u).mp h
  obtain ⟨k, hk⟩ := (mem_subtree fg r u x).mp hx
  refine (mem_subtree fg r w x).mpr ⟨m + k, ?_⟩
  rw [Function.iterate_add_apply, hk, hm]

/-- The BFS parent of a node of a subtree, other than its top node, is in the subtree. (SPEC 3.2
Pearl on trees) -/
theorem bfsPar_mem_subtree (fg : FactorGraph n ι α) (hc : Connected fg) {r w u : Fin n ⊕ ι}
    (h : u ∈ subtree fg r w) (hne : u ≠ w) : bfsPar fg r u ∈ subtree fg r w := by
  obtain ⟨k, hk⟩ := (mem_subtree fg r w u).mp h
  cases k with
  | zero =>
    first
      | exact absurd hk hne
      | exact (hne (by simpa using hk)).elim
  | succ m =>
    refine (mem_subtree fg r w (bfsPar fg r u)).mpr ⟨m, ?_⟩
    first
      | exact hk
      | (rw [Function.iterate_succ_apply] at hk; exact hk)

/-- A node of a subtree other than its top node lies in the subtree of a child of the top node
(a non-root node whose BFS parent is the top node). -/
private theorem exists_child_of_mem_subtree (fg : FactorGraph n ι α) (hc : Connected fg)
    {r w u : Fin n ⊕ ι} (h : u ∈ subtree fg r w) (hne : u ≠ w) :
    ∃ c, c ≠ r ∧ bfsPar fg r c = w ∧ u ∈ subtree fg r c := by
  have hlt := bfsDist_lt_of_mem_subtree fg hc h hne
  obtain ⟨-, h2⟩ := (mem_subtree_iff fg hc).mp h
  obtain ⟨m, hm⟩ : ∃ m, bfsDist fg r u - bfsDist fg r w = m + 1 :=
    ⟨bfsDist fg r u - bfsDist fg r w - 1, by omega⟩
  have h3 : (bfsPar fg r)^[m + 1] u = bfsPar fg r ((bfsPar fg r)^[m] u) :=
    bfsPar_iterate_succ fg r m u
  rw [hm, h3] at h2
  have hd := bfsDist_iterate fg hc (r := r) (u := u) m (by omega)
  refine ⟨(bfsPar fg r)^[m] u, ?_, h2, (mem_subtree fg r _ u).mpr ⟨m, rfl⟩⟩
  intro hcr
  rw [hcr, bfsDist_self] at hd
  omega

/-- A subtree is its top node together with the subtrees of the top node's children (the
non-root nodes whose BFS parent it is). (SPEC 3.2 Pearl on trees) -/
theorem subtree_eq_insert_biUnion (fg : FactorGraph n ι α) (hc : Connected fg)
    (r w : Fin n ⊕ ι) :
    subtree fg r w = insert w ((Finset.univ.filter (fun c => c ≠ r ∧ bfsPar fg r c = w)).biUnion
      (subtree fg r)) := by
  ext u
  rw [Finset.mem_insert, Finset.mem_biUnion]
  constructor
  · intro h
    by_cases huw : u = w
    · exact Or.inl huw
    · right
      obtain ⟨c, hcr, hpc, huc⟩ := exists_child_of_mem_subtree fg hc h huw
      exact ⟨c, Finset.mem_filter.mpr ⟨Finset.mem_univ c, hcr, hpc⟩, huc⟩
  · rintro (huw | ⟨c, hcS, hu⟩)
    · rw [huw]
      exact self_mem_subtree fg r w
    · obtain ⟨-, -, hpc⟩ := Finset.mem_filter.mp hcS
      have h' := subtree_trans fg (mem_subtree_bfsPar fg (r := r) (u := c)) hu
      rw [hpc] at h'
      exact h'

end Subtree

end TBN.TreeGraph

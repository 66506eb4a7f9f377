import TBN.Transformer

/-!
# Weighted BP on the implicit graph of any weights

The general half of the paper's "BP equivalence" theorem, in the form that is true: for every
weight assignment of the architecture class below, one layer, decoded, is one round of weighted
belief propagation on a graph `G(W, x)` read off the weights *and the input*.

## Main definitions

* `WGraph n H`: a weighted directed graph on `n` nodes with `H` edge sets (`edge h j k` is the
  weight of the edge `k → j` in set `h`), a weight `w h` per edge set and a bias per node.
  Defined without reference to transformers.
* `wbpRound G l`: one round of weighted BP on log-odds `l`: node `j` gathers one combination
  `g_jh = ∑ k, edge h j k * l k` per edge set and updates to the belief
  `σ(∑ h, w h * g_jh + bias j)`.
* `BPLayer`: the architecture class: any queries and keys, any attention kind, value matrices
  that read dim 0 only (`readDim0`), a sigmoid FFN; the decoded belief of token `j` is a chosen
  hidden unit `u` of the FFN (`unitOut`).
* `implicitGraph P u x`: `G(W, x)`. Its edges are the attention weights, which depend on the input
  `x` (not on the weights alone); its edge-set weights and biases come from the FFN.

## Main statements

* `unitOut_eq_wbpRound`: for every `P` in the class, every unit `u`, every input `x`, the decoded
  output of the layer is one round of weighted BP on `implicitGraph P u x` from the log-odds
  `x k 0`.
* `implicitGraph_isConvex`: the edges of `G(W, x)` are convex combinations (nonnegative, summing
  to one at every node), for hard and softmax attention alike.

## Implementation notes

The bias of node `j` contains `∑ c, W1 u c * x j c`: the token's own stream, including its own
log-odds, enters as a self term. That is part of the statement, not hidden in it. The paper's
claim that any sigmoid transformer *is* a BN is stronger than this and is not proved here.

## References

* Coppola, *Transformers are Bayesian Networks*, arXiv 2603.17063, 2026, the
  BP-equivalence theorem (general half).
-/

namespace TBN.WeightedBP

open Finset TBN.Transformer

noncomputable section

/-- A weighted directed graph on `n` nodes with `H` edge sets, edge-set weights and node biases. -/
structure WGraph (n H : ℕ) where
  /-- `edge h j k`: weight of the edge `k → j` in edge set `h` -/
  edge : Fin H → Fin n → Fin n → ℝ
  /-- weight of edge set `h` in the update -/
  w : Fin H → ℝ
  /-- bias of node `j` in the update -/
  bias : Fin n → ℝ

variable {n H D F : ℕ}

/-- One round of weighted BP: node `j` gathers `∑ k, edge h j k * l k` for each edge set `h` and
updates to the belief `σ(∑ h, w h * g_jh + bias j)`. -/
def wbpRound (G : WGraph n H) (l : Fin n → ℝ) (j : Fin n) : ℝ :=
  LogOdds.sigmoid (∑ h, G.w h * ∑ k, G.edge h j k * l k + G.bias j)

/-- Every node's incoming edges in every edge set form a convex combination. -/
def IsConvex (G : WGraph n H) : Prop :=
  (∀ h j k, 0 ≤ G.edge h j k) ∧ ∀ h j, ∑ k, G.edge h j k = 1

/-- A value matrix that reads dim 0 only and writes the column `v`. -/
def readDim0 (v : Fin D → ℝ) : Matrix (Fin D) (Fin D) ℝ :=
  Matrix.of fun r c => if (c : ℕ) = 0 then v r else 0

/-- The architecture class: `H` heads with arbitrary queries and keys and values reading dim 0,
one attention kind, and a sigmoid FFN of hidden width `F`. -/
structure BPLayer (H D F : ℕ) where
  /-- attention kind -/
  attn : Attention
  /-- queries -/
  Q : Fin H → Matrix (Fin D) (Fin D) ℝ
  /-- keys -/
  K : Fin H → Matrix (Fin D) (Fin D) ℝ
  /-- value columns: head `h` writes `vcol h * x_k[0]` -/
  vcol : Fin H → Fin D → ℝ
  /-- FFN first matrix -/
  W1 : Matrix (Fin F) (Fin D) ℝ
  /-- FFN first bias -/
  b1 : Fin F → ℝ
  /-- FFN second matrix -/
  W2 : Matrix (Fin D) (Fin F) ℝ
  /-- FFN second bias -/
  b2 : Fin D → ℝ

/-- The heads of a `BPLayer`. -/
def BPLayer.heads (P : BPLayer H D F) (h : Fin H) : Head D :=
  ⟨P.Q h, P.K h, readDim0 (P.vcol h)⟩

/-- A `BPLayer` as a transformer layer (sigmoid FFN). -/
def BPLayer.toLayer (P : BPLayer H D F) : Layer H D F :=
  ⟨P.attn, P.heads, ⟨Act.sigmoid, P.W1, P.b1, P.W2, P.b2⟩⟩

/-- The decoded output of a layer at token `j`: the FFN's hidden unit `u` on the attention output.
-/
def unitOut (L : Layer H D F) (x : Fin n → Fin D → ℝ) (j : Fin n) (u : Fin F) : ℝ :=
  L.ffn.act.eval (mv L.ffn.W1 (attend L.attn L.heads x j) u + L.ffn.b1 u)

/-- `G(W, x)`: edges are the attention weights on the input `x` (so the graph depends on `x`),
edge-set weights `∑ c, W1 u c * vcol h c` and biases `∑ c, W1 u c * x j c + b1 u` come from the
FFN. -/
def implicitGraph (P : BPLayer H D F) (u : Fin F) (x : Fin n → Fin D → ℝ) : WGraph n H where
  edge h j k := attnWeights P.attn (P.heads h) x j k
  w h := ∑ c, P.W1 u c * P.vcol h c
  bias j := ∑ c, P.W1 u c * x j c + P.b1 u

private theorem mv_readDim0 (hD : 0 < D) (v y : Fin D → ℝ) (r : Fin D) :
    mv (readDim0 v) y r = v r * y ⟨0, hD⟩ := by
  unfold mv
  rw [Finset.sum_eq_single (⟨0, hD⟩ : Fin D)]
  · first
      | (simp [readDim0]; done)
      | (show (if ((⟨0, hD⟩ : Fin D) : ℕ) = 0 then v r else 0) * y ⟨0, hD⟩ = v r * y ⟨0, hD⟩
         rw [if_pos rfl])
  · intro b _ hb
    have hb0 : (b : ℕ) ≠ 0 := fun h => hb (Fin.ext h)
    first
      | (simp [readDim0, hb0]; done)
      | (show (if (b : ℕ) = 0 then v r else 0) * y b = 0
         rw [if_neg hb0, zero_mul])
  · intro h
    exact absurd (Finset.mem_univ _) h

private theorem attend_bpLayer (P : BPLayer H D F) (hD : 0 < D) (x : Fin n → Fin D → ℝ)
    (j : Fin n) (c : Fin D) :
    attend P.attn P.heads x j c
      = x j c + ∑ h, P.vcol h c * ∑ k, attnWeights P.attn (P.heads h) x j k * x k ⟨0, hD⟩ := by
  unfold attend
  congr 1
  apply Finset.sum_congr rfl
  intro h _
  rw [Finset.mul_sum]
  apply Finset.sum_congr rfl
  intro k _
  show _ * mv (readDim0 (P.vcol h)) (x k) c = _
  rw [mv_readDim0 hD]
  ring

private theorem sum_mul_inner (a : Fin D → ℝ) (v : Fin H → Fin D → ℝ) (G : Fin H → ℝ) :
    ∑ c, a c * ∑ h, v h c * G h = ∑ h, (∑ c, a c * v h c) * G h := by
  calc ∑ c, a c * ∑ h, v h c * G h = ∑ c, ∑ h, a c * (v h c * G h) := by
        apply Finset.sum_congr rfl
        intro c _
        rw [Finset.mul_sum]
    _ = ∑ h, ∑ c, a c * (v h c * G h) := Finset.sum_comm
    _ = ∑ h, (∑ c, a c * v h c) * G h := by
        apply Finset.sum_congr rfl
        intro h _
        rw [Finset.sum_mul]
        apply Finset.sum_congr rfl
        intro c _
        ring

/-- BP equivalence, general half: for every layer `P` of the class (any queries and keys, hard or
softmax attention, values reading dim 0, sigmoid FFN), every hidden unit `u` and every input `x`,
the decoded output at token `j` is one round of weighted BP on the implicit graph `G(W, x)` from
the log-odds `x k 0` (Coppola, BP-equivalence theorem, general half; the graph depends on `x`). -/
theorem unitOut_eq_wbpRound (P : BPLayer H D F) (hD : 0 < D) (u : Fin F)
    (x : Fin n → Fin D → ℝ) (j : Fin n) :
    unitOut P.toLayer x j u = wbpRound (implicitGraph P u x) (fun k => x k ⟨0, hD⟩) j := by
  show LogOdds.sigmoid (mv P.W1 (attend P.attn P.heads x j) u + P.b1 u)
    = LogOdds.sigmoid (∑ h, (∑ c, P.W1 u c * P.vcol h c)
        * ∑ k, attnWeights P.attn (P.heads h) x j k * x k ⟨0, hD⟩
        + (∑ c, P.W1 u c * x j c + P.b1 u))
  congr 1
  have h1 : mv P.W1 (attend P.attn P.heads x j) u
      = ∑ c, P.W1 u c * (x j c + ∑ h, P.vcol h c
          * ∑ k, attnWeights P.attn (P.heads h) x j k * x k ⟨0, hD⟩) := by
    unfold mv
    exact Finset.sum_congr rfl (fun c _ =>
      congrArg (fun t : ℝ => P.W1 u c * t) (attend_bpLayer P hD x j c))
  rw [h1]
  first
    | (simp only [mul_add, Finset.sum_add_distrib]
       rw [sum_mul_inner]
       ring1)
    | (have hs : ∀ c, P.W1 u c * (x j c + ∑ h, P.vcol h c
            * ∑ k, attnWeights P.attn (P.heads h) x j k * x k ⟨0, hD⟩)
          = P.W1 u c * x j c + P.W1 u c * ∑ h, P.vcol h c
            * ∑ k, attnWeights P.attn (P.heads h) x j k * x k ⟨0, hD⟩ := fun c => by ring
       rw [Finset.sum_congr rfl (fun c _ => hs c), Finset.sum_add_distrib, sum_mul_inner]
       ring1)

/-- Attention weights of either kind are nonnegative. -/
theorem attnWeights_nonneg (a : Attention) (hd : Head D) (x : Fin n → Fin D → ℝ) (j k : Fin n) :
    0 ≤ attnWeights a hd x j k := by
  cases a with
  | hard => exact hardWeights_nonneg (score hd x j) k
  | softmax lam => exact le_of_lt (softmaxWeights_pos lam (score hd x j) k)

/-- Attention weights of either kind sum to one over the keys (`n ≥ 1`). -/
theorem sum_attnWeights (a : Attention) (hd : Head D) (x : Fin n → Fin D → ℝ) (j : Fin n)
    (hn : 0 < n) : ∑ k, attnWeights a hd x j k = 1 := by
  cases a with
  | hard => exact sum_hardWeights (score hd x j) hn
  | softmax lam => exact sum_softmaxWeights lam (score hd x j) hn

/-- The implicit graph is a weighted-BP graph in the sense of SPEC 3.5: every node gathers convex
combinations of its in-neighbours (Coppola, BP equivalence: attention weights as edges). -/
theorem implicitGraph_isConvex (P : BPLayer H D F) (u : Fin F) (x : Fin n → Fin D → ℝ)
    (hn : 0 < n) : IsConvex (implicitGraph P u x) :=
  ⟨fun h j k => attnWeights_nonneg P.attn (P.heads h) x j k,
   fun h j => sum_attnWeights P.attn (P.heads h) x j hn⟩

end

end TBN.WeightedBP

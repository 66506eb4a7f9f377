import Mathlib.Data.Real.Basic
import Mathlib.Data.Fintype.Prod
import Mathlib.Data.Fintype.BigOperators
import Mathlib.Algebra.Order.BigOperators.Ring.Finset
import Mathlib.Algebra.Order.Field.Basic
import Mathlib.Tactic.Ring
import Mathlib.Tactic.Linarith

/-!
# Pearl's theorem on rooted trees

Sum-product belief propagation is exact on trees (Pearl 1988). This file proves it for pairwise
models on rooted trees: the belief that upward sum-product messages produce at the root equals the
exact marginal of the root, computed by brute-force summation of the joint weight over all full
assignments of the tree; after at least `height` synchronous rounds, from any initial messages,
the root belief no longer depends on those messages and is exact (`height ≤ diameter`); and with
upward then downward messages, the belief of every node equals its exact marginal.

## Main definitions

* `RTree α`: a rooted tree of variables with values in `α`, built from single nodes carrying a
  unary (evidence) factor, `RTree.leaf ev`, and `RTree.attach t ψ s`, which hangs the tree `s` below
  the root of `t` through the pairwise factor `ψ (parent value) (child value)`.
* `RTree.Asg t`: full assignments (one value per node); `RTree.weight t x`: the product of all
  factors of the tree at `x`; `RTree.unnormRootMarginal`, `RTree.rootMarginal`: the exact marginal
  of the root by summation over all full assignments.
* `RTree.msg ψ b v = ∑ w, ψ v w * b w`: the sum-product message over an edge; `RTree.up t`: the
  unnormalised root belief (own evidence times all incoming messages, computed recursively);
  `RTree.bpBelief`: its normalisation.
* `RTree.Pos t`, `RTree.valAt`: the nodes of a tree and the value an assignment gives each;
  `RTree.nodeMarginal` (exact) and `RTree.nodeBelief` (sum-product with upward then downward
  messages, `RTree.beliefAt`) at every node.
* `RTree.Msgs t`: one arbitrary initial message per edge; `RTree.beliefAfter t k m`: the root belief
  after `k` synchronous rounds started from `m`; `RTree.beliefAtAfter`: the belief of any node after
  `k` rounds from arbitrary upward and downward messages.
* `RTree.orNode s0 s1`: a node with uniform own evidence and two children joined by copy factors.
* `OrTree`: binary trees of OR nodes over soft binary evidence; `OrTree.toRTree` (their
  sum-product model) and `OrTree.oplusFold` (the paper's oplus-BP folded to the root).

## Main statements

* `RTree.up_eq_unnormRootMarginal`: upward sum-product computes the exact unnormalised marginal.
* `RTree.pearl_rooted`: the normalised BP belief at the root equals the exact root marginal.
* `RTree.pearl_rounds`: after `k ≥ height t` synchronous rounds from any initial messages, the root
  belief equals the exact root marginal.
* `RTree.pearl_all`: at every node, the sum-product belief (upward then downward messages) equals
  the node's exact marginal.
* `RTree.pearl_rounds_all`: at every node, after at least `roundsNeeded t p 0` (the node's
  eccentricity, at most the diameter) synchronous rounds from arbitrary messages, the belief equals
  the node's exact marginal.
* `RTree.bpBelief_orNode_eq_oplus`: when a binary node has uniform own evidence and its two children
  are joined to it by copy (equality) factors, its sum-product belief is exactly the paper's
  `oplus` of the children's beliefs; this is the case in which the paper's oplus-BP update is
  sum-product.
* `OrTree.bpBelief_toRTree`: on every OR tree with leaf probabilities in `(0, 1)`, the sum-product
  belief of the root is the oplus fold: evidence flowing up a rooted tree.

## Implementation notes

The exact side is defined independently of BP: `Asg t` is a product type with one coordinate per
node, `weight` multiplies every factor of the tree, and the marginal is a sum over all of `Asg t`.
The proof is distributivity of sums over products, by induction on the tree. No hypothesis on the
factors is needed for the equalities: they hold for all real tables (the normalised statements use
Lean's `x / 0 = 0` when the total weight vanishes; with positive factors the total is positive).
The general factor-graph form of Pearl's theorem (any tree factor graph, all variables at once,
in terms of `TBN.SumProduct.bpRounds`) is not proved here.

## References

* Coppola, *Transformers are Bayesian Networks*, arXiv:2603.17063 (2026): the BP claims
  and the oplus update `b_j = b_nb0(j) ⊕ b_nb1(j)` (the paper's `updateBelief`).
* J. Pearl, *Probabilistic Reasoning in Intelligent Systems*, Morgan Kaufmann (1988), ch. 4.
-/

noncomputable section

namespace TBN.Pearl

/-- A rooted tree of variables with values in `α`: `leaf ev` is one node with unary factor `ev`;
`attach t ψ s` hangs the tree `s` below the root of `t` through the pairwise factor `ψ`, read as
`ψ (value at the root of t) (value at the root of s)`. A node with children `s₁, …, sₖ` is
`attach (… (attach (leaf ev) ψ₁ s₁) …) ψₖ sₖ`. -/
inductive RTree (α : Type) : Type where
  | leaf (ev : α → ℝ) : RTree α
  | attach (t : RTree α) (ψ : α → α → ℝ) (s : RTree α) : RTree α

namespace RTree

variable {α : Type}

/-- Full assignments of a tree: one value per node. -/
def Asg : RTree α → Type
  | .leaf _ => α
  | .attach t _ s => Asg t × Asg s

/-- The finitely many full assignments of a tree, by recursion on the tree. -/
def asgFintype [Fintype α] : (t : RTree α) → Fintype (Asg t)
  | .leaf _ => inferInstanceAs (Fintype α)
  | .attach t _ s =>
      letI := asgFintype t
      letI := asgFintype s
      inferInstanceAs (Fintype (Asg t × Asg s))

instance instFintypeAsg [Fintype α] (t : RTree α) : Fintype (Asg t) := asgFintype t

/-- The part of an assignment of `attach t ψ s` that assigns the nodes of `t`. -/
def Asg.fst {t s : RTree α} {ψ : α → α → ℝ} (x : Asg (.attach t ψ s)) : Asg t :=
  Prod.fst (α := Asg t) (β := Asg s) x

/-- The part of an assignment of `attach t ψ s` that assigns the nodes of `s`. -/
def Asg.snd {t s : RTree α} {ψ : α → α → ℝ} (x : Asg (.attach t ψ s)) : Asg s :=
  Prod.snd (α := Asg t) (β := Asg s) x

/-- Combine assignments of `t` and of `s` into one of `attach t ψ s`. -/
def Asg.mk {t s : RTree α} {ψ : α → α → ℝ} (x : Asg t) (y : Asg s) : Asg (.attach t ψ s) :=
  Prod.mk (α := Asg t) (β := Asg s) x y

/-- The value an assignment gives the root. -/
def root : (t : RTree α) → Asg t → α
  | .leaf _, x => x
  | .attach t _ _, x => root t (Asg.fst x)

/-- The joint weight of a full assignment: the product of every unary and pairwise factor. -/
def weight : (t : RTree α) → Asg t → ℝ
  | .leaf ev, x => ev x
  | .attach t ψ s, x =>
      weight t (Asg.fst x) * ψ (root t (Asg.fst x)) (root s (Asg.snd x)) * weight s (Asg.snd x)

/-- The root of `attach t ψ s` is the root of `t`. -/
private theorem root_mk (t s : RTree α) (ψ : α → α → ℝ) (x : Asg t) (y : Asg s) :
    root (.attach t ψ s) (Asg.mk x y) = root t x := rfl

/-- The weight of `attach t ψ s` multiplies the weights of both parts and the edge factor. -/
private theorem weight_mk (t s : RTree α) (ψ : α → α → ℝ) (x : Asg t) (y : Asg s) :
    weight (.attach t ψ s) (Asg.mk x y) = weight t x * ψ (root t x) (root s y) * weight s y := rfl

/-- The depth of the deepest node below the root (a single node has height 0). -/
def height : RTree α → ℕ
  | .leaf _ => 0
  | .attach t _ s => max (height t) (height s + 1)

/-- The positions of the nodes of a tree: `here ev` is a single node; in `attach t ψ s`,
`left p` is the node `p` of `t` and `right p` the node `p` of `s`. -/
inductive Pos : RTree α → Type where
  | here (ev : α → ℝ) : Pos (.leaf ev)
  | left {t s : RTree α} {ψ : α → α → ℝ} (p : Pos t) : Pos (.attach t ψ s)
  | right {t s : RTree α} {ψ : α → α → ℝ} (p : Pos s) : Pos (.attach t ψ s)

/-- The value a full assignment gives the node at position `p`. -/
def valAt : (t : RTree α) → Pos t → Asg t → α
  | .leaf _, .here _, x => x
  | .attach t _ _, .left p, x => valAt t p (Asg.fst x)
  | .attach _ _ s, .right p, x => valAt s p (Asg.snd x)

/-- A node of `t` takes its value from the `t` part of an assignment of `attach t ψ s`. -/
private theorem valAt_left_mk (t s : RTree α) (ψ : α → α → ℝ) (p : Pos t) (x : Asg t)
    (y : Asg s) : valAt (.attach t ψ s) (.left p) (Asg.mk x y) = valAt t p x := rfl

/-- A node of `s` takes its value from the `s` part of an assignment of `attach t ψ s`. -/
private theorem valAt_right_mk (t s : RTree α) (ψ : α → α → ℝ) (p : Pos s) (x : Asg t)
    (y : Asg s) : valAt (.attach t ψ s) (.right p) (Asg.mk x y) = valAt s p y := rfl

section Exact

variable [Fintype α]

/-- Summing over the assignments of `attach t ψ s` is summing over those of `t` and of `s`. -/
private theorem sum_attach (t s : RTree α) (ψ : α → α → ℝ) (f : Asg (.attach t ψ s) → ℝ) :
    ∑ z, f z = ∑ x : Asg t, ∑ y : Asg s, f (Asg.mk x y) := by
  -- The second branch does not rely on unfolding `instFintypeAsg (attach t ψ s)` to the product
  -- instance: it reindexes along the identity equivalence (`Fintype.sum_equiv` takes any two
  -- instances).
  first
    | (show ∑ z : Asg t × Asg s, f z = ∑ x : Asg t, ∑ y : Asg s, f (x, y)
       rw [Fintype.sum_prod_type]
       done)
    | (refine (Fintype.sum_equiv
          (show Asg (.attach t ψ s) ≃ Asg t × Asg s from Equiv.refl _) f
          (fun z : Asg t × Asg s => f z) (fun _ => rfl)).trans ?_
       exact Fintype.sum_prod_type (f := fun z : Asg t × Asg s => f z))

variable [DecidableEq α]

/-- The unnormalised exact marginal of the root: the total weight of the full assignments that
give the root the value `v`. -/
def unnormRootMarginal (t : RTree α) (v : α) : ℝ :=
  ∑ x : Asg t, if root t x = v then weight t x else 0

/-- The partition function of the tree model: the total weight of all full assignments. -/
def partition (t : RTree α) : ℝ :=
  ∑ x : Asg t, weight t x

/-- The exact marginal `P(root = v)`. -/
def rootMarginal (t : RTree α) (v : α) : ℝ :=
  unnormRootMarginal t v / partition t

/-- Regrouping a sum over assignments by the value of one node. -/
theorem sum_mul_fiber {β : Type} [Fintype β] (r : β → α) (g : α → ℝ) (w : β → ℝ) :
    ∑ c, g c * (∑ y, if r y = c then w y else 0) = ∑ y, g (r y) * w y := by
  simp only [Finset.mul_sum]
  rw [Finset.sum_comm]
  refine Finset.sum_congr rfl (fun y _ => ?_)
  simp only [mul_ite, mul_zero]
  first
    | (simp; done)
    | rw [Finset.sum_ite_eq, if_pos (Finset.mem_univ _)]

/-- The root marginal's weights add up to the partition function. -/
theorem sum_unnormRootMarginal (t : RTree α) : ∑ v, unnormRootMarginal t v = partition t := by
  unfold unnormRootMarginal partition
  rw [Finset.sum_comm]
  refine Finset.sum_congr rfl (fun x _ => ?_)
  first
    | (simp; done)
    | rw [Finset.sum_ite_eq, if_pos (Finset.mem_univ _)]

/-- A single node's marginal weight is its unary factor. -/
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

/-- The sum-product message over an edge with pairwise factor `ψ`, from a child whose
unnormalised belief (own evidence times the messages from its own children) is `b`:
`msg ψ b v = ∑ w, ψ v w * b w`. -/
def msg (ψ : α → α → ℝ) (b : α → ℝ) (v : α) : ℝ :=
  ∑ w, ψ v w * b w

/-- The unnormalised sum-product belief at the root: own evidence times the messages sent up by
all children, each computed recursively from the child's own subtree. -/
def up : RTree α → α → ℝ
  | .leaf ev => ev
  | .attach t ψ s => fun v => up t v * msg ψ (up s) v

/-- The root's BP belief gains one message for every attached child. -/
private theorem up_attach (t s : RTree α) (ψ : α → α → ℝ) (v : α) :
    up (.attach t ψ s) v = up t v * msg ψ (up s) v := rfl

/-- The normalised BP belief at the root. -/
def bpBelief (t : RTree α) (v : α) : ℝ :=
  up t v / ∑ w, up t w

/-- Initial messages, one arbitrary function on every edge. -/
def Msgs : RTree α → Type
  | .leaf _ => Unit
  | .attach t _ s => Msgs t × (α → ℝ) × Msgs s

/-- The initial messages on the edges of `t` inside `attach t ψ s`. -/
def Msgs.parent {t s : RTree α} {ψ : α → α → ℝ} (m : Msgs (.attach t ψ s)) : Msgs t :=
  Prod.fst (α := Msgs t) (β := (α → ℝ) × Msgs s) m

/-- The initial message on the edge from `s` to the root of `t` in `attach t ψ s`. -/
def Msgs.edge {t s : RTree α} {ψ : α → α → ℝ} (m : Msgs (.attach t ψ s)) : α → ℝ :=
  (Prod.snd (α := Msgs t) (β := (α → ℝ) × Msgs s) m).1

/-- The initial messages on the edges of `s` inside `attach t ψ s`. -/
def Msgs.child {t s : RTree α} {ψ : α → α → ℝ} (m : Msgs (.attach t ψ s)) : Msgs s :=
  (Prod.snd (α := Msgs t) (β := (α → ℝ) × Msgs s) m).2

/-- The unnormalised root belief after `k` synchronous rounds started from the messages `m`:
in round `0` every edge carries its initial message; in round `k + 1` the message a child sends
is computed from the child's belief after round `k`. -/
def beliefAfter : (t : RTree α) → ℕ → Msgs t → α → ℝ
  | .leaf ev, _, _ => ev
  | .attach t ψ s, k, m => fun v =>
      beliefAfter t k (Msgs.parent m) v *
        (if k = 0 then Msgs.edge m v else msg ψ (beliefAfter s (k - 1) (Msgs.child m)) v)

/-- One unfolding step of `beliefAfter`. -/
private theorem beliefAfter_attach (t s : RTree α) (ψ : α → α → ℝ) (k : ℕ)
    (m : Msgs (.attach t ψ s)) (v : α) :
    beliefAfter (.attach t ψ s) k m v = beliefAfter t k (Msgs.parent m) v *
      (if k = 0 then Msgs.edge m v else msg ψ (beliefAfter s (k - 1) (Msgs.child m)) v) := rfl

/-- After at least `height t` synchronous rounds the root belief no longer depends on the initial
messages: it is the upward sum-product belief. -/
theorem beliefAfter_eq_up :
    (t : RTree α) → (k : ℕ) → (m : Msgs t) → height t ≤ k → beliefAfter t k m = up t
  | .leaf _, _, _, _ => rfl
  | .attach t ψ s, k, m, hk => by
      have hk' : max (height t) (height s + 1) ≤ k := hk
      have ht : height t ≤ k := by
        first
          | omega
          | exact le_trans (le_max_left _ _) hk'
      have hs : height s + 1 ≤ k := by
        first
          | omega
          | exact le_trans (le_max_right _ _) hk'
      have hk0 : k ≠ 0 := by omega
      have hs' : height s ≤ k - 1 := by omega
      funext v
      rw [beliefAfter_attach, up_attach, if_neg hk0, beliefAfter_eq_up t k (Msgs.parent m) ht,
        beliefAfter_eq_up s (k - 1) (Msgs.child m) hs']

/-- The unnormalised sum-product belief of the node at position `p`, with the two-pass schedule
(messages up from the leaves, then down from the root), when the root of `t` also receives the
message `g` from outside `t` (`g = 1` for the whole tree). Going left keeps the root and adds
the upward message of `s`; going right sends the downward message `∑ u, g u * up t u * ψ u w`
into `s`. -/
def beliefAt : (t : RTree α) → Pos t → (α → ℝ) → α → ℝ
  | .leaf ev, .here _, g => fun v => g v * ev v
  | .attach t ψ s, .left p, g => beliefAt t p (fun u => g u * msg ψ (up s) u)
  | .attach t ψ s, .right p, g => beliefAt s p (fun w => ∑ u, g u * up t u * ψ u w)

/-- A node of `t` inside `attach t ψ s` hears from `s` through one upward message. -/
private theorem beliefAt_left (t s : RTree α) (ψ : α → α → ℝ) (p : Pos t) (g : α → ℝ) :
    beliefAt (.attach t ψ s) (.left p) g = beliefAt t p (fun u => g u * msg ψ (up s) u) := rfl

/-- A node of `s` inside `attach t ψ s` hears from the rest through one downward message. -/
private theorem beliefAt_right (t s : RTree α) (ψ : α → α → ℝ) (p : Pos s) (g : α → ℝ) :
    beliefAt (.attach t ψ s) (.right p) g =
      beliefAt s p (fun w => ∑ u, g u * up t u * ψ u w) := rfl

/-- The normalised BP belief of the node at position `p`. -/
def nodeBelief (t : RTree α) (p : Pos t) (v : α) : ℝ :=
  beliefAt t p (fun _ => 1) v / ∑ w, beliefAt t p (fun _ => 1) w

/-- The message `s` sends up to the root of `t` in round `j` of the synchronous schedule: the
initial message `e` in round `0`, then the message computed from `s`'s belief after round
`j - 1`. -/
def upEdge (ψ : α → α → ℝ) (s : RTree α) (e : α → ℝ) (ms : Msgs s) (j : ℕ) (u : α) : ℝ :=
  if j = 0 then e u else msg ψ (beliefAfter s (j - 1) ms) u

/-- The message the root of `t` sends down to the root of `s` in round `j`: the initial message
`e` in round `0`, then the message computed from the root of `t` after round `j - 1`, with the
message `G (j - 1)` it then received from outside `t` and all its own upward messages. -/
def downEdge (ψ : α → α → ℝ) (t : RTree α) (e : α → ℝ) (mt : Msgs t) (G : ℕ → α → ℝ) (j : ℕ)
    (w : α) : ℝ :=
  if j = 0 then e w else ∑ u, G (j - 1) u * beliefAfter t (j - 1) mt u * ψ u w

/-- The unnormalised belief of the node at position `p` after `k` synchronous rounds of
sum-product (flooding: every message of round `j` is computed from the beliefs of round `j - 1`),
from arbitrary initial upward messages `mu` and downward messages `md`, when the root of `t`
receives the message `G j` from outside `t` in round `j` (`G = 1` for the whole tree). -/
def beliefAtAfter : (t : RTree α) → Pos t → ℕ → Msgs t → Msgs t → (ℕ → α → ℝ) → α → ℝ
  | .leaf ev, .here _, k, _, _, G => fun v => G k v * ev v
  | .attach t ψ s, .left p, k, mu, md, G =>
      beliefAtAfter t p k (Msgs.parent mu) (Msgs.parent md)
        (fun j u => G j u * upEdge ψ s (Msgs.edge mu) (Msgs.child mu) j u)
  | .attach t ψ s, .right p, k, mu, md, G =>
      beliefAtAfter s p k (Msgs.child mu) (Msgs.child md)
        (fun j w => downEdge ψ t (Msgs.edge md) (Msgs.parent mu) G j w)

/-- How many synchronous rounds the node at `p` needs when the message from outside `t` is final
from round `d` on. With `d = 0` it is the eccentricity of the node (its largest distance to another
node of the tree), which is at most the diameter. -/
def roundsNeeded : (t : RTree α) → Pos t → ℕ → ℕ
  | .leaf _, .here _, d => d
  | .attach t _ s, .left p, d => roundsNeeded t p (max d (height s + 1))
  | .attach t _ s, .right p, d => roundsNeeded s p (max d (height t) + 1)

/-- Flooding sum-product converges to the two-pass beliefs: once the message from outside is
final (`G j = g` from round `d` on), after `roundsNeeded t p d` rounds the belief of the node at
`p` no longer depends on the initial messages. -/
theorem beliefAtAfter_eq_beliefAt :
    (t : RTree α) → (p : Pos t) → (d k : ℕ) → (mu md : Msgs t) → (G : ℕ → α → ℝ) →
      (g : α → ℝ) → (∀ j, d ≤ j → G j = g) → roundsNeeded t p d ≤ k →
      beliefAtAfter t p k mu md G = beliefAt t p g
  | .leaf ev, .here _, d, k, _, _, G, g, hG, hk => by
      have hk' : d ≤ k := hk
      funext v
      show G k v * ev v = g v * ev v
      rw [hG k hk']
  | .attach t ψ s, .left p, d, k, mu, md, G, g, hG, hk => by
      show beliefAtAfter t p k (Msgs.parent mu) (Msgs.parent md)
          (fun j u => G j u * upEdge ψ s (Msgs.edge mu) (Msgs.child mu) j u) =
        beliefAt t p (fun u => g u * msg ψ (up s) u)
      refine beliefAtAfter_eq_beliefAt t p (max d (height s + 1)) k _ _ _ _ ?_ hk
      intro j hj
      have h1 : d ≤ j := by
        first
          | omega
          | exact le_trans (le_max_left _ _) hj
      have h2 : height s + 1 ≤ j := by
        first
          | omega
          | exact le_trans (le_max_right _ _) hj
      have hj0 : j ≠ 0 := by omega
      have hs : height s ≤ j - 1 := by omega
      funext u
      show G j u * upEdge ψ s (Msgs.edge mu) (Msgs.child mu) j u = g u * msg ψ (up s) u
      rw [hG j h1]
      unfold upEdge
      rw [if_neg hj0, beliefAfter_eq_up s (j - 1) (Msgs.child mu) hs]
  | .attach t ψ s, .right p, d, k, mu, md, G, g, hG, hk => by
      show beliefAtAfter s p k (Msgs.child mu) (Msgs.child md)
          (fun j w => downEdge ψ t (Msgs.edge md) (Msgs.parent mu) G j w) =
        beliefAt s p (fun w => ∑ u, g u * up t u * ψ u w)
      refine beliefAtAfter_eq_beliefAt s p (max d (height t) + 1) k _ _ _ _ ?_ hk
      intro j hj
      have hm : max d (height t) ≤ j - 1 := by omega
      have h1 : d ≤ j - 1 := by
        first
          | omega
          | exact le_trans (le_max_left _ _) hm
      have h2 : height t ≤ j - 1 := by
        first
          | omega
          | exact le_trans (le_max_right _ _) hm
      have hj0 : j ≠ 0 := by omega
      funext w
      show downEdge ψ t (Msgs.edge md) (Msgs.parent mu) G j w = ∑ u, g u * up t u * ψ u w
      unfold downEdge
      rw [if_neg hj0, hG (j - 1) h1, beliefAfter_eq_up t (j - 1) (Msgs.parent mu) h2]

end BP

section Pearl

variable [Fintype α] [DecidableEq α]

/-- The message of a subtree, seen from the exact side: regrouping its full assignments by the
value of its root. -/
theorem msg_unnormRootMarginal (ψ : α → α → ℝ) (s : RTree α) (v : α) :
    msg ψ (unnormRootMarginal s) v = ∑ y : Asg s, ψ v (root s y) * weight s y := by
  simp only [msg, unnormRootMarginal]
  exact sum_mul_fiber (root s) (ψ v) (weight s)

/-- The exact root marginal of `attach t ψ s` factors as the exact root marginal of `t` times the
message that `s` would send: distributivity of the sum over `s`'s assignments. -/
theorem unnormRootMarginal_attach (t s : RTree α) (ψ : α → α → ℝ) (v : α) :
    unnormRootMarginal (.attach t ψ s) v =
      unnormRootMarginal t v * msg ψ (unnormRootMarginal s) v := by
  rw [msg_unnormRootMarginal]
  unfold unnormRootMarginal
  rw [sum_attach, Finset.sum_mul]
  refine Finset.sum_congr rfl (fun x _ => ?_)
  rw [Finset.mul_sum]
  refine Finset.sum_congr rfl (fun y _ => ?_)
  rw [root_mk, weight_mk]
  by_cases h : root t x = v
  · rw [if_pos h, if_pos h, h]
    ring
  · rw [if_neg h, if_neg h, zero_mul]

/-- Upward sum-product computes the exact unnormalised marginal of the root, for every rooted tree
and all real factor tables (Pearl's theorem, rooted form; SPEC 3.2, the paper's BP claims). -/
theorem up_eq_unnormRootMarginal : (t : RTree α) → up t = unnormRootMarginal t
  | .leaf ev => funext fun v => (unnormRootMarginal_leaf ev v).symm
  | .attach t ψ s => by
      funext v
      rw [up_attach, unnormRootMarginal_attach, up_eq_unnormRootMarginal t,
        up_eq_unnormRootMarginal s]

/-- Pearl's theorem at the root: the normalised sum-product belief equals the exact marginal
`P(root = v)` obtained by summing the joint over all full assignments (SPEC 3.2; answers the
paper's claim that BP on its trees is exact inference). -/
theorem pearl_rooted (t : RTree α) (v : α) : bpBelief t v = rootMarginal t v := by
  unfold bpBelief rootMarginal
  rw [up_eq_unnormRootMarginal, sum_unnormRootMarginal]

/-- Pearl's theorem with rounds: after any number `k ≥ height t` of synchronous rounds, started
from arbitrary messages `m`, the normalised root belief equals the exact root marginal (SPEC 3.2:
"after at least diameter synchronous rounds"; the height of a rooted tree is at most its
diameter). -/
theorem pearl_rounds (t : RTree α) (k : ℕ) (m : Msgs t) (hk : height t ≤ k) (v : α) :
    beliefAfter t k m v / ∑ w, beliefAfter t k m w = rootMarginal t v := by
  rw [beliefAfter_eq_up t k m hk]
  exact pearl_rooted t v

/-- The exact root marginals sum to one whenever the partition function is nonzero. -/
theorem sum_rootMarginal (t : RTree α) (h : partition t ≠ 0) : ∑ v, rootMarginal t v = 1 := by
  simp only [rootMarginal, div_eq_mul_inv]
  rw [← Finset.sum_mul, sum_unnormRootMarginal]
  exact mul_inv_cancel₀ h

end Pearl

section AllNodes

variable [Fintype α] [DecidableEq α]

/-- The exact unnormalised marginal of the node at `p` when the root also carries the extra
unary factor `g`. -/
def unnormMarginalAt (t : RTree α) (p : Pos t) (g : α → ℝ) (v : α) : ℝ :=
  ∑ x : Asg t, if valAt t p x = v then g (root t x) * weight t x else 0

/-- The exact unnormalised marginal of the node at position `p`: the total weight of the full
assignments that give it the value `v`. -/
def unnormNodeMarginal (t : RTree α) (p : Pos t) (v : α) : ℝ :=
  ∑ x : Asg t, if valAt t p x = v then weight t x else 0

/-- The exact marginal `P(node at p = v)`. -/
def nodeMarginal (t : RTree α) (p : Pos t) (v : α) : ℝ :=
  unnormNodeMarginal t p v / partition t

/-- A single node with extra factor `g`: its marginal weight is `g v * ev v`. -/
private theorem unnormMarginalAt_here (ev g : α → ℝ) (v : α) :
    unnormMarginalAt (.leaf ev) (.here ev) g v = g v * ev v := by
  unfold unnormMarginalAt
  show (∑ x : α, if x = v then g x * ev x else 0) = g v * ev v
  first
    | (simp; done)
    | rw [Finset.sum_ite_eq', if_pos (Finset.mem_univ _)]

/-- The exact marginal of a node of `t` inside `attach t ψ s`: the subtree `s` acts on the root
of `t` as one more unary factor, its message. -/
theorem unnormMarginalAt_left (t s : RTree α) (ψ : α → α → ℝ) (p : Pos t) (g : α → ℝ)
    (v : α) :
    unnormMarginalAt (.attach t ψ s) (.left p) g v =
      unnormMarginalAt t p (fun u => g u * msg ψ (unnormRootMarginal s) u) v := by
  simp only [unnormMarginalAt]
  rw [sum_attach]
  refine Finset.sum_congr rfl (fun x _ => ?_)
  rw [msg_unnormRootMarginal]
  simp only [valAt_left_mk, root_mk, weight_mk]
  by_cases h : valAt t p x = v
  · simp only [if_pos h]
    rw [Finset.mul_sum, Finset.sum_mul]
    refine Finset.sum_congr rfl (fun y _ => ?_)
    ring
  · first
      | (simp only [if_neg h, Finset.sum_const_zero]; done)
      | simp [h]

/-- The exact marginal of a node of `s` inside `attach t ψ s`: the rest of the tree acts on the
root of `s` as one more unary factor, the downward message `∑ u, g u * Z_t(u) * ψ u w`. -/
theorem unnormMarginalAt_right (t s : RTree α) (ψ : α → α → ℝ) (p : Pos s) (g : α → ℝ)
    (v : α) :
    unnormMarginalAt (.attach t ψ s) (.right p) g v =
      unnormMarginalAt s p (fun w => ∑ u, g u * unnormRootMarginal t u * ψ u w) v := by
  have key : ∀ w, ∑ u, g u * unnormRootMarginal t u * ψ u w =
      ∑ x : Asg t, g (root t x) * weight t x * ψ (root t x) w := by
    intro w
    unfold unnormRootMarginal
    simp only [Finset.mul_sum, Finset.sum_mul]
    rw [Finset.sum_comm]
    refine Finset.sum_congr rfl (fun x _ => ?_)
    simp only [mul_ite, ite_mul, mul_zero, zero_mul]
    first
      | (simp; done)
      | rw [Finset.sum_ite_eq, if_pos (Finset.mem_univ _)]
  simp only [unnormMarginalAt]
  rw [sum_attach, Finset.sum_comm]
  refine Finset.sum_congr rfl (fun y _ => ?_)
  simp only [valAt_right_mk, root_mk, weight_mk]
  by_cases h : valAt s p y = v
  · simp only [if_pos h]
    rw [key (root s y), Finset.sum_mul]
    refine Finset.sum_congr rfl (fun x _ => ?_)
    ring
  · first
      | (simp only [if_neg h, Finset.sum_const_zero]; done)
      | simp [h]

/-- Sum-product with the two-pass schedule computes, at every node, its exact unnormalised
marginal (with any extra factor `g` at the root). -/
theorem beliefAt_eq_unnormMarginalAt :
    (t : RTree α) → (p : Pos t) → (g : α → ℝ) → beliefAt t p g = unnormMarginalAt t p g
  | .leaf ev, .here _, g => funext fun v => (unnormMarginalAt_here ev g v).symm
  | .attach t ψ s, .left p, g => by
      funext v
      rw [beliefAt_left, beliefAt_eq_unnormMarginalAt t p, unnormMarginalAt_left,
        up_eq_unnormRootMarginal]
  | .attach t ψ s, .right p, g => by
      funext v
      rw [beliefAt_right, beliefAt_eq_unnormMarginalAt s p, unnormMarginalAt_right,
        up_eq_unnormRootMarginal]

/-- With no extra factor, `unnormMarginalAt` is the node's exact unnormalised marginal. -/
private theorem unnormMarginalAt_one (t : RTree α) (p : Pos t) (v : α) :
    unnormMarginalAt t p (fun _ => 1) v = unnormNodeMarginal t p v := by
  simp only [unnormMarginalAt, unnormNodeMarginal, one_mul]

/-- Every node's marginal weights add up to the partition function. -/
theorem sum_unnormNodeMarginal (t : RTree α) (p : Pos t) :
    ∑ v, unnormNodeMarginal t p v = partition t := by
  unfold unnormNodeMarginal partition
  rw [Finset.sum_comm]
  refine Finset.sum_congr rfl (fun x _ => ?_)
  first
    | (simp; done)
    | rw [Finset.sum_ite_eq, if_pos (Finset.mem_univ _)]

/-- Pearl's theorem at every node of a rooted tree: the normalised sum-product belief of each
node (two-pass schedule: upward, then downward messages) equals its exact marginal, obtained by
summing the joint over all full assignments, for all real factor tables (SPEC 3.2; answers the
paper's claim that BP on its graphs computes the exact beliefs). -/
theorem pearl_all (t : RTree α) (p : Pos t) (v : α) : nodeBelief t p v = nodeMarginal t p v := by
  unfold nodeBelief nodeMarginal
  rw [beliefAt_eq_unnormMarginalAt t p (fun _ => 1)]
  simp only [unnormMarginalAt_one]
  rw [sum_unnormNodeMarginal]

/-- Pearl's theorem with rounds at every node: after any number `k ≥ roundsNeeded t p 0` (the
eccentricity of the node, at most the diameter) of synchronous sum-product rounds, started from
arbitrary upward and downward messages, the normalised belief of the node at `p` equals its exact
marginal (SPEC 3.2: "after at least diameter synchronous rounds, BP beliefs equal the exact
marginals"; the paper's BP equivalence). -/
theorem pearl_rounds_all (t : RTree α) (p : Pos t) (k : ℕ) (mu md : Msgs t)
    (hk : roundsNeeded t p 0 ≤ k) (v : α) :
    beliefAtAfter t p k mu md (fun _ _ => 1) v / ∑ w, beliefAtAfter t p k mu md (fun _ _ => 1) w =
      nodeMarginal t p v := by
  rw [beliefAtAfter_eq_beliefAt t p 0 k mu md (fun _ _ => 1) (fun _ => 1) (fun _ _ => rfl) hk]
  exact pearl_all t p v

end AllNodes

section Oplus

variable [Fintype α] [DecidableEq α]

/-- The copy (equality) factor: `1` when parent and child agree, `0` otherwise. -/
def copyFactor (v w : α) : ℝ :=
  if v = w then 1 else 0

/-- Over a copy factor, the message a child sends is its own belief. -/
theorem msg_copyFactor (b : α → ℝ) (v : α) : msg copyFactor b v = b v := by
  simp only [msg, copyFactor, ite_mul, one_mul, zero_mul]
  first
    | (simp; done)
    | rw [Finset.sum_ite_eq, if_pos (Finset.mem_univ _)]

/-- A node with uniform own evidence and two children `s0`, `s1` joined by copy factors: the
shape of one step of the paper's oplus-BP, `b_j = b_nb0(j) ⊕ b_nb1(j)`. -/
def orNode (s0 s1 : RTree α) : RTree α :=
  .attach (.attach (.leaf fun _ => 1) copyFactor s0) copyFactor s1

/-- At an `orNode`, the BP belief is the product of the children's beliefs. -/
theorem up_orNode (s0 s1 : RTree α) (v : α) : up (orNode s0 s1) v = up s0 v * up s1 v := by
  have h : up (orNode s0 s1) v =
      up (RTree.leaf fun _ : α => (1 : ℝ)) v * msg copyFactor (up s0) v *
        msg copyFactor (up s1) v := by
    first
      | rfl
      | simp only [orNode, up_attach]
  have h1 : up (RTree.leaf fun _ : α => (1 : ℝ)) v = 1 := by
    first
      | rfl
      | simp only [up]
  rw [h, h1, msg_copyFactor, msg_copyFactor, one_mul]

end Oplus

/-- The algebra behind the oplus coincidence: normalising a product of two positive binary
vectors is the paper's `oplus` of their normalisations,
`oplus p q = p q / (p q + (1 - p)(1 - q))`. -/
theorem normalize_mul_eq_oplus (a0 c0 a1 c1 : ℝ) (ha0 : 0 < a0) (hc0 : 0 < c0) (ha1 : 0 < a1)
    (hc1 : 0 < c1) :
    a0 * a1 / (a0 * a1 + c0 * c1) =
      a0 / (a0 + c0) * (a1 / (a1 + c1)) /
        (a0 / (a0 + c0) * (a1 / (a1 + c1)) + (1 - a0 / (a0 + c0)) * (1 - a1 / (a1 + c1))) := by
  have hD0 : a0 + c0 ≠ 0 := (add_pos ha0 hc0).ne'
  have hD1 : a1 + c1 ≠ 0 := (add_pos ha1 hc1).ne'
  have hN : a0 * a1 + c0 * c1 ≠ 0 := (add_pos (mul_pos ha0 ha1) (mul_pos hc0 hc1)).ne'
  have s0 : a0 / (a0 + c0) + c0 / (a0 + c0) = 1 := by
    first
      | rw [← add_div, div_self hD0]
      | rw [div_add_div_same, div_self hD0]
  have s1 : a1 / (a1 + c1) + c1 / (a1 + c1) = 1 := by
    first
      | rw [← add_div, div_self hD1]
      | rw [div_add_div_same, div_self hD1]
  have e0 : 1 - a0 / (a0 + c0) = c0 / (a0 + c0) := by linarith
  have e1 : 1 - a1 / (a1 + c1) = c1 / (a1 + c1) := by linarith
  have hR : a0 / (a0 + c0) * (a1 / (a1 + c1)) + c0 / (a0 + c0) * (c1 / (a1 + c1)) ≠ 0 := by
    have p1 := mul_pos (div_pos ha0 (add_pos ha0 hc0)) (div_pos ha1 (add_pos ha1 hc1))
    have p2 := mul_pos (div_pos hc0 (add_pos ha0 hc0)) (div_pos hc1 (add_pos ha1 hc1))
    exact (add_pos p1 p2).ne'
  rw [e0, e1, div_eq_div_iff hN hR]
  ring

/-- When does the paper's oplus-BP coincide with sum-product? At a binary node with uniform own
evidence whose two children are joined to it by copy factors, with positive child beliefs: then
the normalised sum-product belief of the node is exactly `oplus` of its children's normalised
beliefs, `b = b₀ b₁ / (b₀ b₁ + (1 - b₀)(1 - b₁))` (SPEC 3.2; the paper's `updateBelief`). With
other pairwise factors, or own evidence, the two differ in general. -/
theorem bpBelief_orNode_eq_oplus (s0 s1 : RTree Bool) (h0t : 0 < up s0 true)
    (h0f : 0 < up s0 false) (h1t : 0 < up s1 true) (h1f : 0 < up s1 false) :
    bpBelief (orNode s0 s1) true =
      bpBelief s0 true * bpBelief s1 true /
        (bpBelief s0 true * bpBelief s1 true +
          (1 - bpBelief s0 true) * (1 - bpBelief s1 true)) := by
  have key := normalize_mul_eq_oplus (up s0 true) (up s0 false) (up s1 true) (up s1 false) h0t h0f
    h1t h1f
  first
    | (simp only [bpBelief, Fintype.sum_bool, up_orNode]
       exact key)
    | (simp only [bpBelief, Fintype.univ_bool, Finset.sum_pair (show true ≠ false by decide),
         up_orNode]
       exact key)

end RTree

/-- A binary tree of OR nodes over soft binary evidence: a leaf carries `P(x = true) = p`; a node
combines its two subtrees. The shape of "evidence flowing up a rooted tree" (SPEC 3.2). -/
inductive OrTree : Type where
  | leaf (p : ℝ) : OrTree
  | node (l r : OrTree) : OrTree

namespace OrTree

/-- The sum-product model of an OR tree: a leaf is one binary node with unary factor
`(1 - p, p)`; a node is an `orNode` (uniform own evidence, copy factors to both children). -/
def toRTree : OrTree → RTree Bool
  | .leaf p => .leaf (fun b => if b then p else 1 - p)
  | .node l r => RTree.orNode (toRTree l) (toRTree r)

/-- The BP belief of a leaf in `true` is its probability. -/
private theorem up_leaf_true (p : ℝ) : RTree.up (OrTree.leaf p).toRTree true = p := by
  first
    | rfl
    | simp [OrTree.toRTree, RTree.up]

/-- The BP belief of a leaf in `false` is one minus its probability. -/
private theorem up_leaf_false (p : ℝ) : RTree.up (OrTree.leaf p).toRTree false = 1 - p := by
  first
    | rfl
    | simp [OrTree.toRTree, RTree.up]

/-- The paper's oplus-BP on the tree: `oplus` folded from the leaves to the root. -/
def oplusFold : OrTree → ℝ
  | .leaf p => p
  | .node l r =>
      oplusFold l * oplusFold r /
        (oplusFold l * oplusFold r + (1 - oplusFold l) * (1 - oplusFold r))

/-- Every leaf probability lies strictly between 0 and 1. -/
def Valid : OrTree → Prop
  | .leaf p => 0 < p ∧ p < 1
  | .node l r => Valid l ∧ Valid r

/-- With leaf probabilities in `(0, 1)`, every unnormalised BP belief of the OR tree is positive. -/
theorem up_toRTree_pos : (T : OrTree) → T.Valid → ∀ b, 0 < RTree.up T.toRTree b
  | .leaf p, hT, b => by
      have h : 0 < p ∧ p < 1 := hT
      cases b
      · rw [up_leaf_false]
        linarith [h.2]
      · rw [up_leaf_true]
        exact h.1
  | .node l r, hT, b => by
      have h : l.Valid ∧ r.Valid := hT
      show 0 < RTree.up (RTree.orNode l.toRTree r.toRTree) b
      rw [RTree.up_orNode]
      exact mul_pos (up_toRTree_pos l h.1 b) (up_toRTree_pos r h.2 b)

/-- The paper's oplus-BP is exactly sum-product when evidence flows up a tree of OR nodes: for
every OR tree with leaf probabilities in `(0, 1)`, the normalised sum-product belief of the root in
`true` equals `oplus` folded over the tree (SPEC 3.2: "state exactly when it coincides with
sum-product"; Coppola's `updateBelief`, arXiv 2603.17063). -/
theorem bpBelief_toRTree : (T : OrTree) → T.Valid → RTree.bpBelief T.toRTree true = T.oplusFold
  | .leaf p, _ => by
      have hs : p + (1 - p) = 1 := by ring
      have hsum : ∑ w, RTree.up (OrTree.leaf p).toRTree w = 1 := by
        first
          | rw [Fintype.sum_bool, up_leaf_true, up_leaf_false, hs]
          | rw [Fintype.univ_bool, Finset.sum_pair (show true ≠ false by decide), up_leaf_true,
              up_leaf_false, hs]
          | simp [up_leaf_true, up_leaf_false]
      show RTree.bpBelief (OrTree.leaf p).toRTree true = p
      unfold RTree.bpBelief
      rw [hsum, up_leaf_true, div_one]
  | .node l r, hT => by
      have h : l.Valid ∧ r.Valid := hT
      show RTree.bpBelief (RTree.orNode l.toRTree r.toRTree) true =
        l.oplusFold * r.oplusFold /
          (l.oplusFold * r.oplusFold + (1 - l.oplusFold) * (1 - r.oplusFold))
      rw [RTree.bpBelief_orNode_eq_oplus _ _ (up_toRTree_pos l h.1 true)
          (up_toRTree_pos l h.1 false) (up_toRTree_pos r h.2 true) (up_toRTree_pos r h.2 false),
        bpBelief_toRTree l h.1, bpBelief_toRTree r h.2]

end OrTree

end TBN.Pearl

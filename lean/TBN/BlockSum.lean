import Mathlib.Data.Real.Basic
import Mathlib.Data.Fintype.Pi
import Mathlib.Data.Fintype.BigOperators
import Mathlib.Algebra.Order.BigOperators.Group.Finset
import Mathlib.Algebra.Order.BigOperators.Ring.Finset
import Mathlib.Logic.Equiv.Basic
import Mathlib.Tactic.Ring

/-!
# Block sums over full assignments

Graph-free analysis of sums over all full assignments `x : Fin n → α`, the sums that flat
sum-product belief propagation (`TBN.SumProduct`) computes. On a tree, the message a factor sends
up is a sum over all full assignments of a product of blocks that read pairwise disjoint sets of
variables; this file proves that such a sum factorises into a product of per-block sums, up to a
positive constant (the variables outside a block are summed freely, which only contributes a
count of assignments). This is the distributive law behind Pearl's theorem (`TBN.TreeBP`).

## Main definitions

* `ReadsOnly f S`: the real function `f` on full assignments depends only on the coordinates in
  `S`.

## Main statements

* `fiber_pos`, `fiber_card_eq`: the number of full assignments giving one coordinate a fixed value
  is positive and does not depend on the value.
* `sum_ite_mul_const`: a sum restricted to a fiber of a function constant on that fiber.
* `sum_mul_fiber`: two blocks on disjoint coordinate sets: summing the second block over the
  assignments that agree with `x` at one coordinate `j` and then summing over `x` gives, up to a
  positive constant, the sum of the product of the blocks.
* `sum_mul_prod_blocks`: the same for finitely many blocks with pairwise disjoint coordinate sets
  (the distributive law of sum-product on a tree).

## Implementation notes

Everything is stated over full assignments `Fin n → α` rather than over assignments of a subset
of the variables, so that all sums range over one `Fintype` (as in `TBN.FactorGraph`). A function
that ignores some coordinates then gets summed over them too, which multiplies by a fiber count:
this is why the statements are "there is a constant `c > 0` with ... = c * ...". In
`sum_mul_fiber` and `sum_mul_prod_blocks` the constant is chosen before the block `G`, so one
constant serves a whole family of `G`s. The two-block step swaps the coordinates in `T` between
two full assignments (an involution of pairs of assignments); the fiber count of a coordinate does
not depend on the value, by the involution swapping two values at that coordinate.

## References

* Coppola, *Transformers are Bayesian Networks*, arXiv:2603.17063 (2026): the belief
  propagation claims (BP equivalence; exactness on trees, SPEC 3.2).
* F. R. Kschischang, B. J. Frey, H.-A. Loeliger, *Factor graphs and the sum-product algorithm*,
  IEEE Trans. Inform. Theory 47 (2001).
* J. Pearl, *Probabilistic Reasoning in Intelligent Systems*, Morgan Kaufmann (1988).
-/

namespace TBN.BlockSum

variable {n : ℕ} {α : Type}

/-- `f` reads only the coordinates in `S`: two full assignments that agree on `S` get the same
value. -/
def ReadsOnly (f : (Fin n → α) → ℝ) (S : Finset (Fin n)) : Prop :=
  ∀ x y : Fin n → α, (∀ j ∈ S, x j = y j) → f x = f y

/-- A function that reads only `S` reads only any larger set `T`. -/
theorem ReadsOnly.mono {f : (Fin n → α) → ℝ} {S T : Finset (Fin n)} (h : ReadsOnly f S)
    (hST : S ⊆ T) : ReadsOnly f T := by
  intro x y hxy
  exact h x y (fun j hj => hxy j (hST hj))

/-- The pointwise product of two functions that read only `S` reads only `S`. -/
theorem readsOnly_mul {f g : (Fin n → α) → ℝ} {S : Finset (Fin n)} (hf : ReadsOnly f S)
    (hg : ReadsOnly g S) : ReadsOnly (fun x => f x * g x) S := by
  intro x y hxy
  show f x * g x = f y * g y
  rw [hf x y hxy, hg x y hxy]

/-- A finite product of functions that all read only `S` reads only `S`. -/
theorem readsOnly_prod {κ : Type} (K : Finset κ) (f : κ → (Fin n → α) → ℝ) (S : Finset (Fin n))
    (h : ∀ k ∈ K, ReadsOnly (f k) S) : ReadsOnly (fun x => ∏ k ∈ K, f k x) S := by
  intro x y hxy
  show ∏ k ∈ K, f k x = ∏ k ∈ K, f k y
  exact Finset.prod_congr rfl (fun k hk => h k hk x y hxy)

/-- A constant function reads no coordinate, hence only `S` for any `S`. -/
theorem readsOnly_const (c : ℝ) (S : Finset (Fin n)) : ReadsOnly (fun _ : Fin n → α => c) S := by
  intro x y _
  rfl

variable [Fintype α] [DecidableEq α]

/-- Restricting a function that reads only `S` to the assignments giving a coordinate `j ∈ S` the
value `v` (zero elsewhere) still reads only `S`. -/
theorem readsOnly_ite (j : Fin n) (v : α) (f : (Fin n → α) → ℝ) (S : Finset (Fin n))
    (hj : j ∈ S) (hf : ReadsOnly f S) : ReadsOnly (fun x => if x j = v then f x else 0) S := by
  intro x y hxy
  show (if x j = v then f x else 0) = (if y j = v then f y else 0)
  rw [hxy j hj, hf x y hxy]

/-! ### Fibers of one coordinate -/

/-- Swap the values `v` and `v'` at coordinate `j` (other coordinates unchanged). -/
private def coordSwap (j : Fin n) (v v' : α) (x : Fin n → α) (k : Fin n) : α :=
  if k = j then Equiv.swap v v' (x k) else x k

private theorem coordSwap_apply (j : Fin n) (v v' : α) (x : Fin n → α) (k : Fin n) :
    coordSwap j v v' x k = if k = j then Equiv.swap v v' (x k) else x k :=
  rfl

private theorem coordSwap_coordSwap (j : Fin n) (v v' : α) (x : Fin n → α) :
    coordSwap j v v' (coordSwap j v v' x) = x := by
  funext k
  by_cases hk : k = j
  · first
      | (rw [coordSwap_apply, coordSwap_apply, if_pos hk, if_pos hk, Equiv.swap_apply_self]; done)
      | (simp only [coordSwap, if_pos hk, Equiv.swap_apply_self]; done)
      | simp [coordSwap, hk]
  · first
      | (rw [coordSwap_apply, coordSwap_apply, if_neg hk, if_neg hk]; done)
      | (simp only [coordSwap, if_neg hk]; done)
      | simp [coordSwap, hk]

/-- `coordSwap` as an equivalence (it is an involution). -/
private def coordSwapEquiv (j : Fin n) (v v' : α) : (Fin n → α) ≃ (Fin n → α) where
  toFun := coordSwap j v v'
  invFun := coordSwap j v v'
  left_inv := fun x => coordSwap_coordSwap j v v' x
  right_inv := fun x => coordSwap_coordSwap j v v' x

private theorem coordSwapEquiv_apply (j : Fin n) (v v' : α) (x : Fin n → α) :
    coordSwapEquiv j v v' x = coordSwap j v v' x :=
  rfl

private theorem coordSwap_at (j : Fin n) (v v' : α) (x : Fin n → α) :
    coordSwap j v v' x j = Equiv.swap v v' (x j) := by
  first
    | exact if_pos rfl
    | (rw [coordSwap_apply, if_pos rfl]; done)
    | simp [coordSwap]

private theorem coordSwapEquiv_apply_iff (j : Fin n) (v v' : α) (x : Fin n → α) :
    coordSwapEquiv j v v' x j = v' ↔ x j = v := by
  have hat : coordSwapEquiv j v v' x j = Equiv.swap v v' (x j) := by
    first
      | exact coordSwap_at j v v' x
      | (rw [coordSwapEquiv_apply, coordSwap_at]; done)
  rw [hat]
  first
    | (constructor
       · intro h
         rw [← Equiv.swap_apply_self v v' (x j), h, Equiv.swap_apply_right]
       · intro h
         rw [h, Equiv.swap_apply_left])
    | (rw [Equiv.swap_apply_eq_iff, Equiv.swap_apply_right])

/-- The number of full assignments giving coordinate `j` the value `v`, as a real number, is
positive (SPEC 3.2 Pearl, Coppola arXiv:2603.17063: the constants of flat BP are fiber counts). -/
theorem fiber_pos [Nonempty α] (j : Fin n) (v : α) :
    0 < ∑ x : Fin n → α, (if x j = v then (1 : ℝ) else 0) := by
  have hnn : ∀ x ∈ (Finset.univ : Finset (Fin n → α)),
      (0 : ℝ) ≤ (fun y : Fin n → α => if y j = v then (1 : ℝ) else 0) x := by
    intro x _
    show (0 : ℝ) ≤ (if x j = v then (1 : ℝ) else 0)
    by_cases h : x j = v
    · rw [if_pos h]
      exact zero_le_one
    · exact le_of_eq (if_neg h).symm
  have h1 : (0 : ℝ) < (fun y : Fin n → α => if y j = v then (1 : ℝ) else 0) (fun _ => v) := by
    show (0 : ℝ) < (if v = v then (1 : ℝ) else 0)
    rw [if_pos rfl]
    exact one_pos
  first
    | exact lt_of_lt_of_le h1
        (Finset.single_le_sum (f := fun y : Fin n → α => if y j = v then (1 : ℝ) else 0) hnn
          (Finset.mem_univ _))
    | exact Finset.sum_pos' hnn ⟨fun _ => v, Finset.mem_univ _, h1⟩

/-- All fibers of a coordinate have the same size: as many full assignments give coordinate `j`
the value `v` as the value `v'` (SPEC 3.2 Pearl, Coppola arXiv:2603.17063: the constant of flat BP
does not depend on the value). -/
theorem fiber_card_eq (j : Fin n) (v v' : α) :
    (∑ x : Fin n → α, (if x j = v then (1 : ℝ) else 0))
      = ∑ x : Fin n → α, (if x j = v' then (1 : ℝ) else 0) := by
  calc (∑ x : Fin n → α, (if x j = v then (1 : ℝ) else 0))
      = ∑ x : Fin n → α, (fun y : Fin n → α => if y j = v' then (1 : ℝ) else 0)
          (coordSwapEquiv j v v' x) := by
        refine Finset.sum_congr rfl (fun x _ => ?_)
        have hx := coordSwapEquiv_apply_iff j v v' x
        show (if x j = v then (1 : ℝ) else 0)
          = (if coordSwapEquiv j v v' x j = v' then (1 : ℝ) else 0)
        by_cases h : x j = v
        · rw [if_pos h, if_pos (hx.2 h)]
        · rw [if_neg h, if_neg (fun h' => h (hx.1 h'))]
    _ = ∑ x : Fin n → α, (fun y : Fin n → α => if y j = v' then (1 : ℝ) else 0) x := by
        first
          | exact Equiv.sum_comp (coordSwapEquiv j v v')
              (fun y : Fin n → α => if y j = v' then (1 : ℝ) else 0)
          | exact Fintype.sum_equiv (coordSwapEquiv j v v') _ _ (fun _ => rfl)

/-- A sum restricted to the fiber `x j = v`, of a function that is constant (equal to `Q`) on
that fiber, is the fiber count times `Q` (SPEC 3.2 Pearl, Coppola arXiv:2603.17063). -/
theorem sum_ite_mul_const (j : Fin n) (v : α) (P : (Fin n → α) → ℝ) (Q : ℝ)
    (h : ∀ x : Fin n → α, x j = v → P x = Q) :
    ∑ x : Fin n → α, (if x j = v then (1 : ℝ) else 0) * P x
      = (∑ x : Fin n → α, (if x j = v then (1 : ℝ) else 0)) * Q := by
  rw [Finset.sum_mul]
  refine Finset.sum_congr rfl (fun x _ => ?_)
  by_cases hx : x j = v
  · rw [if_pos hx, h x hx]
  · rw [if_neg hx, zero_mul, zero_mul]

/-! ### Two blocks -/

/-- The assignment equal to `y` on `T` and to `x` off `T`. -/
private def blkMix (T : Finset (Fin n)) (x y : Fin n → α) : Fin n → α :=
  fun k => if k ∈ T then y k else x k

private theorem blkMix_mem {T : Finset (Fin n)} {x y : Fin n → α} {k : Fin n} (hk : k ∈ T) :
    blkMix T x y k = y k := by
  show (if k ∈ T then y k else x k) = y k
  exact if_pos hk

private theorem blkMix_not_mem {T : Finset (Fin n)} {x y : Fin n → α} {k : Fin n} (hk : k ∉ T) :
    blkMix T x y k = x k := by
  show (if k ∈ T then y k else x k) = x k
  exact if_neg hk

private theorem blkMix_blkMix (T : Finset (Fin n)) (x y : Fin n → α) :
    blkMix T (blkMix T x y) (blkMix T y x) = x := by
  funext k
  by_cases hk : k ∈ T
  · rw [blkMix_mem hk, blkMix_mem hk]
  · rw [blkMix_not_mem hk, blkMix_not_mem hk]

/-- At any coordinate `j`, the two mixed assignments agree iff the original ones do. -/
private theorem blkMix_cond (T : Finset (Fin n)) (x y : Fin n → α) (j : Fin n) :
    blkMix T y x j = blkMix T x y j ↔ y j = x j := by
  by_cases hj : j ∈ T
  · rw [blkMix_mem hj, blkMix_mem hj]
    exact eq_comm
  · first
      | (rw [blkMix_not_mem hj, blkMix_not_mem hj]; done)
      | (rw [blkMix_not_mem hj, blkMix_not_mem hj]; exact Iff.rfl)

/-- Exchanging the coordinates in `T` between two full assignments: an involution of pairs. -/
private def pairSwap (T : Finset (Fin n)) :
    (Fin n → α) × (Fin n → α) ≃ (Fin n → α) × (Fin n → α) where
  toFun p := (blkMix T p.1 p.2, blkMix T p.2 p.1)
  invFun p := (blkMix T p.1 p.2, blkMix T p.2 p.1)
  left_inv p := by
    rcases p with ⟨x, y⟩
    first
      | (show (blkMix T (blkMix T x y) (blkMix T y x), blkMix T (blkMix T y x) (blkMix T x y))
            = (x, y)
         rw [blkMix_blkMix, blkMix_blkMix]
         done)
      | (simp only [blkMix_blkMix]; done)
      | exact Prod.ext (blkMix_blkMix T x y) (blkMix_blkMix T y x)
  right_inv p := by
    rcases p with ⟨x, y⟩
    first
      | (show (blkMix T (blkMix T x y) (blkMix T y x), blkMix T (blkMix T y x) (blkMix T x y))
            = (x, y)
         rw [blkMix_blkMix, blkMix_blkMix]
         done)
      | (simp only [blkMix_blkMix]; done)
      | exact Prod.ext (blkMix_blkMix T x y) (blkMix_blkMix T y x)

private theorem pairSwap_apply (T : Finset (Fin n)) (x y : Fin n → α) :
    pairSwap T (x, y) = (blkMix T x y, blkMix T y x) :=
  rfl

/-- Two blocks (SPEC 3.2 Pearl, Coppola arXiv:2603.17063: one step of the sum-product
distributive law). `G` reads `S`, `F` reads `T` and the coordinate `j`, and `S`, `T` are disjoint
(`j` may lie anywhere). Summing `F` over the full assignments that agree with `x` at `j`, then
summing against `G x`, gives a positive constant times the sum of `G * F`. The constant (a fiber
count) is chosen before `G`, so one constant serves a whole family of `G`s. -/
theorem sum_mul_fiber [Nonempty α] (F : (Fin n → α) → ℝ) (S T : Finset (Fin n)) (j : Fin n)
    (hF : ReadsOnly F (insert j T)) (hST : Disjoint S T) :
    ∃ c : ℝ, 0 < c ∧ ∀ G : (Fin n → α) → ℝ, ReadsOnly G S →
      ∑ x, G x * (∑ y, if y j = x j then F y else 0) = c * ∑ u, G u * F u := by
  obtain ⟨v₀⟩ := (inferInstance : Nonempty α)
  refine ⟨∑ w : Fin n → α, (if w j = v₀ then (1 : ℝ) else 0), fiber_pos j v₀, ?_⟩
  intro G hG
  -- the pairs `(x, y)` and their images under `pairSwap T`
  have hΦΨ : ∀ x y : Fin n → α, (if y j = x j then G x * F y else 0)
      = (if blkMix T y x j = blkMix T x y j then G (blkMix T x y) * F (blkMix T x y) else 0) := by
    intro x y
    by_cases hc : y j = x j
    · have h1 : G (blkMix T x y) = G x :=
        hG (blkMix T x y) x (fun k hk => blkMix_not_mem (Finset.disjoint_left.1 hST hk))
      have h2 : F (blkMix T x y) = F y := by
        refine hF (blkMix T x y) y (fun k hk => ?_)
        rcases Finset.mem_insert.1 hk with hkj | hkT
        · rw [hkj]
          by_cases hjT : j ∈ T
          · exact blkMix_mem hjT
          · rw [blkMix_not_mem hjT]
            exact hc.symm
        · exact blkMix_mem hkT
      rw [if_pos hc, if_pos ((blkMix_cond T x y j).2 hc), h1, h2]
    · rw [if_neg hc, if_neg (fun h => hc ((blkMix_cond T x y j).1 h))]
  -- the count of the fiber of `u j` does not depend on `u j`
  have hN : ∀ u : Fin n → α, ∑ w : Fin n → α, (if w j = u j then G u * F u else 0)
      = (∑ w : Fin n → α, (if w j = v₀ then (1 : ℝ) else 0)) * (G u * F u) := by
    intro u
    rw [← fiber_card_eq j (u j) v₀, Finset.sum_mul]
    refine Finset.sum_congr rfl (fun w _ => ?_)
    by_cases hw : w j = u j
    · rw [if_pos hw, if_pos hw, one_mul]
    · rw [if_neg hw, if_neg hw, zero_mul]
  calc ∑ x : Fin n → α, G x * (∑ y : Fin n → α, if y j = x j then F y else 0)
      = ∑ x : Fin n → α, ∑ y : Fin n → α, (if y j = x j then G x * F y else 0) := by
        refine Finset.sum_congr rfl (fun x _ => ?_)
        rw [Finset.mul_sum]
        refine Finset.sum_congr rfl (fun y _ => ?_)
        by_cases hc : y j = x j
        · rw [if_pos hc, if_pos hc]
        · rw [if_neg hc, if_neg hc, mul_zero]
    _ = ∑ p : (Fin n → α) × (Fin n → α), (if p.2 j = p.1 j then G p.1 * F p.2 else 0) := by
        first
          | exact (Fintype.sum_prod_type' (f := fun x y : Fin n → α =>
              if y j = x j then G x * F y else 0)).symm
          | exact (Fintype.sum_prod_type (f := fun p : (Fin n → α) × (Fin n → α) =>
              if p.2 j = p.1 j then G p.1 * F p.2 else 0)).symm
          | (simp only [Fintype.sum_prod_type]; done)
    _ = ∑ p : (Fin n → α) × (Fin n → α),
          (fun q : (Fin n → α) × (Fin n → α) =>
            if q.2 j = q.1 j then G q.1 * F q.1 else 0) (pairSwap T p) := by
        refine Finset.sum_congr rfl (fun p _ => ?_)
        rcases p with ⟨x, y⟩
        first
          | exact hΦΨ x y
          | (rw [pairSwap_apply]; exact hΦΨ x y)
          | (simp only [pairSwap_apply]; exact hΦΨ x y)
    _ = ∑ p : (Fin n → α) × (Fin n → α),
          (fun q : (Fin n → α) × (Fin n → α) =>
            if q.2 j = q.1 j then G q.1 * F q.1 else 0) p := by
        first
          | exact Equiv.sum_comp (pairSwap T)
              (fun q : (Fin n → α) × (Fin n → α) => if q.2 j = q.1 j then G q.1 * F q.1 else 0)
          | exact Fintype.sum_equiv (pairSwap T) _ _ (fun _ => rfl)
    _ = ∑ u : Fin n → α, ∑ w : Fin n → α, (if w j = u j then G u * F u else 0) := by
        first
          | exact Fintype.sum_prod_type'
              (f := fun u w : Fin n → α => if w j = u j then G u * F u else 0)
          | exact Fintype.sum_prod_type (f := fun q : (Fin n → α) × (Fin n → α) =>
              if q.2 j = q.1 j then G q.1 * F q.1 else 0)
          | (simp only [Fintype.sum_prod_type]; done)
    _ = ∑ u : Fin n → α, (∑ w : Fin n → α, (if w j = v₀ then (1 : ℝ) else 0)) * (G u * F u) :=
        Finset.sum_congr rfl (fun u _ => hN u)
    _ = (∑ w : Fin n → α, (if w j = v₀ then (1 : ℝ) else 0)) * ∑ u : Fin n → α, G u * F u := by
        first
          | (rw [Finset.mul_sum]; done)
          | exact (Finset.mul_sum _ _ _).symm
          | (simp only [Finset.mul_sum]; done)

/-! ### Many blocks -/

/-- The empty family of blocks (the base case of `sum_mul_prod_blocks`). -/
private theorem prod_blocks_empty {κ : Type} (S : Finset (Fin n)) (F : κ → (Fin n → α) → ℝ)
    (j : κ → Fin n) :
    ∃ c : ℝ, 0 < c ∧ ∀ G : (Fin n → α) → ℝ, ReadsOnly G S →
      ∑ x : Fin n → α, G x * ∏ k ∈ (∅ : Finset κ),
          (∑ y : Fin n → α, if y (j k) = x (j k) then F k y else 0)
        = c * ∑ u : Fin n → α, G u * ∏ k ∈ (∅ : Finset κ), F k u := by
  refine ⟨1, one_pos, fun G _ => ?_⟩
  first
    | (simp only [Finset.prod_empty, mul_one, one_mul]; done)
    | simp

/-- One more block `a` (the induction step of `sum_mul_prod_blocks`): `ih` is the statement for
the blocks of `s`, as an implication from the hypotheses restricted to `s`. -/
private theorem prod_blocks_insert [Nonempty α] {κ : Type} [DecidableEq κ] (a : κ)
    (s : Finset κ) (ha : a ∉ s) (S : Finset (Fin n)) (F : κ → (Fin n → α) → ℝ)
    (T : κ → Finset (Fin n)) (j : κ → Fin n)
    (ih : (∀ k ∈ s, ReadsOnly (F k) (insert (j k) (T k))) → (∀ k ∈ s, j k ∈ S) →
      (∀ k ∈ s, Disjoint S (T k)) → (∀ k ∈ s, ∀ k' ∈ s, k ≠ k' → Disjoint (T k) (T k')) →
      ∃ c : ℝ, 0 < c ∧ ∀ G : (Fin n → α) → ℝ, ReadsOnly G S →
        ∑ x : Fin n → α, G x * ∏ k ∈ s,
            (∑ y : Fin n → α, if y (j k) = x (j k) then F k y else 0)
          = c * ∑ u : Fin n → α, G u * ∏ k ∈ s, F k u)
    (hF : ∀ k ∈ insert a s, ReadsOnly (F k) (insert (j k) (T k)))
    (hjS : ∀ k ∈ insert a s, j k ∈ S) (hST : ∀ k ∈ insert a s, Disjoint S (T k))
    (hTT : ∀ k ∈ insert a s, ∀ k' ∈ insert a s, k ≠ k' → Disjoint (T k) (T k')) :
    ∃ c : ℝ, 0 < c ∧ ∀ G : (Fin n → α) → ℝ, ReadsOnly G S →
      ∑ x : Fin n → α, G x * ∏ k ∈ insert a s,
          (∑ y : Fin n → α, if y (j k) = x (j k) then F k y else 0)
        = c * ∑ u : Fin n → α, G u * ∏ k ∈ insert a s, F k u := by
  have hmem : a ∈ insert a s := Finset.mem_insert_self a s
  have hsub : ∀ k ∈ s, k ∈ insert a s := fun k hk => Finset.mem_insert_of_mem hk
  obtain ⟨c₁, hc₁, h₁⟩ := ih (fun k hk => hF k (hsub k hk)) (fun k hk => hjS k (hsub k hk))
    (fun k hk => hST k (hsub k hk))
    (fun k hk k' hk' hne => hTT k (hsub k hk) k' (hsub k' hk') hne)
  -- the new block `a` is disjoint from `S` and from the blocks of `s`
  have hdisj : Disjoint (S ∪ s.biUnion T) (T a) := by
    rw [Finset.disjoint_left]
    intro i hi hiT
    rcases Finset.mem_union.1 hi with hiS | hiU
    · exact Finset.disjoint_left.1 (hST a hmem) hiS hiT
    · obtain ⟨k, hk, hik⟩ := Finset.mem_biUnion.1 hiU
      have hka : k ≠ a := by
        intro h
        apply ha
        rw [← h]
        exact hk
      exact Finset.disjoint_left.1 (hTT k (hsub k hk) a hmem hka) hik hiT
  obtain ⟨c₂, hc₂, h₂⟩ :=
    sum_mul_fiber (F a) (S ∪ s.biUnion T) (T a) (j a) (hF a hmem) hdisj
  refine ⟨c₁ * c₂, mul_pos hc₁ hc₂, fun G hG => ?_⟩
  -- `G` times the summed block `a` still reads only `S`
  have hG₁ : ReadsOnly
      (fun x => G x * ∑ y : Fin n → α, if y (j a) = x (j a) then F a y else 0) S := by
    refine readsOnly_mul hG ?_
    intro x x' hxx'
    show (∑ y : Fin n → α, if y (j a) = x (j a) then F a y else 0)
      = ∑ y : Fin n → α, if y (j a) = x' (j a) then F a y else 0
    rw [hxx' (j a) (hjS a hmem)]
  -- `G` times the blocks of `s` reads only `S ∪ s.biUnion T`
  have hsubS : S ⊆ S ∪ s.biUnion T := by
    intro i hi
    exact Finset.mem_union_left _ hi
  have hsubT : ∀ k ∈ s, insert (j k) (T k) ⊆ S ∪ s.biUnion T := by
    intro k hk i hi
    rcases Finset.mem_insert.1 hi with hij | hiT
    · rw [hij]
      exact Finset.mem_union_left _ (hjS k (hsub k hk))
    · exact Finset.mem_union_right _ (Finset.mem_biUnion.2 ⟨k, hk, hiT⟩)
  have hG₂ : ReadsOnly (fun u => G u * ∏ k ∈ s, F k u) (S ∪ s.biUnion T) :=
    readsOnly_mul (hG.mono hsubS)
      (readsOnly_prod s F _ (fun k hk => (hF k (hsub k hk)).mono (hsubT k hk)))
  have hX : ∑ u : Fin n → α, (G u * ∏ k ∈ s, F k u) * F a u
      = ∑ u : Fin n → α, G u * ∏ k ∈ insert a s, F k u := by
    refine Finset.sum_congr rfl (fun u _ => ?_)
    rw [Finset.prod_insert ha]
    ring
  calc ∑ x : Fin n → α,
        G x * ∏ k ∈ insert a s, (∑ y : Fin n → α, if y (j k) = x (j k) then F k y else 0)
      = ∑ x : Fin n → α, (G x * ∑ y : Fin n → α, if y (j a) = x (j a) then F a y else 0) *
          ∏ k ∈ s, (∑ y : Fin n → α, if y (j k) = x (j k) then F k y else 0) := by
        refine Finset.sum_congr rfl (fun x _ => ?_)
        rw [Finset.prod_insert ha]
        ring
    _ = c₁ * ∑ u : Fin n → α,
          (G u * ∑ y : Fin n → α, if y (j a) = u (j a) then F a y else 0) * ∏ k ∈ s, F k u :=
        h₁ _ hG₁
    _ = c₁ * ∑ u : Fin n → α,
          (G u * ∏ k ∈ s, F k u) * ∑ y : Fin n → α, if y (j a) = u (j a) then F a y else 0 := by
        have hY : ∑ u : Fin n → α,
              (G u * ∑ y : Fin n → α, if y (j a) = u (j a) then F a y else 0) * ∏ k ∈ s, F k u
            = ∑ u : Fin n → α,
              (G u * ∏ k ∈ s, F k u) * ∑ y : Fin n → α, if y (j a) = u (j a) then F a y else 0 :=
          Finset.sum_congr rfl (fun u _ => mul_right_comm _ _ _)
        rw [hY]
    _ = c₁ * (c₂ * ∑ u : Fin n → α, (G u * ∏ k ∈ s, F k u) * F a u) := by
        first
          | (rw [h₂ _ hG₂]; done)
          | exact congrArg (fun t => c₁ * t) (h₂ _ hG₂)
    _ = c₁ * c₂ * ∑ u : Fin n → α, G u * ∏ k ∈ insert a s, F k u := by
        rw [hX]
        ring

/-- Many blocks: the distributive law of sum-product on a tree (SPEC 3.2 Pearl, Coppola
arXiv:2603.17063; Kschischang-Frey-Loeliger 2001). `G` reads `S`; each block `F k` (`k ∈ K`)
reads its own set `T k` and one coordinate `j k ∈ S`; the `T k` are pairwise disjoint and disjoint
from `S`. Summing each block over the assignments that agree with `x` at `j k`, multiplying, and
summing against `G x` gives a positive constant times the sum of `G` times all blocks. The
constant is chosen before `G`. -/
theorem sum_mul_prod_blocks [Nonempty α] {κ : Type} [DecidableEq κ] (K : Finset κ)
    (S : Finset (Fin n)) (F : κ → (Fin n → α) → ℝ) (T : κ → Finset (Fin n)) (j : κ → Fin n)
    (hF : ∀ k ∈ K, ReadsOnly (F k) (insert (j k) (T k)))
    (hjS : ∀ k ∈ K, j k ∈ S) (hST : ∀ k ∈ K, Disjoint S (T k))
    (hTT : ∀ k ∈ K, ∀ k' ∈ K, k ≠ k' → Disjoint (T k) (T k')) :
    ∃ c : ℝ, 0 < c ∧ ∀ G : (Fin n → α) → ℝ, ReadsOnly G S →
      ∑ x, G x * ∏ k ∈ K, (∑ y, if y (j k) = x (j k) then F k y else 0)
        = c * ∑ u, G u * ∏ k ∈ K, F k u := by
  revert hF hjS hST hTT
  -- three independent routes to the same induction on `K` (the two cases are the lemmas above)
  first
    | (refine Finset.induction_on K ?_ ?_
       · intro _ _ _ _
         exact prod_blocks_empty S F j
       · intro a s ha ih hF hjS hST hTT
         exact prod_blocks_insert a s ha S F T j ih hF hjS hST hTT)
    | (induction K using Finset.induction_on with
       | empty =>
         intro _ _ _ _
         exact prod_blocks_empty S F j
       | @insert a s ha ih =>
         intro hF hjS hST hTT
         exact prod_blocks_insert a s ha S F T j ih hF hjS hST hTT)
    | exact @Finset.induction_on κ
        (fun K' : Finset κ => (∀ k ∈ K', ReadsOnly (F k) (insert (j k) (T k))) →
          (∀ k ∈ K', j k ∈ S) → (∀ k ∈ K', Disjoint S (T k)) →
          (∀ k ∈ K', ∀ k' ∈ K', k ≠ k' → Disjoint (T k) (T k')) →
          ∃ c : ℝ, 0 < c ∧ ∀ G : (Fin n → α) → ℝ, ReadsOnly G S →
            ∑ x : Fin n → α, G x * ∏ k ∈ K',
                (∑ y : Fin n → α, if y (j k) = x (j k) then F k y else 0)
              = c * ∑ u : Fin n → α, G u * ∏ k ∈ K', F k u)
        _ K (fun _ _ _ _ => prod_blocks_empty S F j)
        (fun a s ha ih hF hjS hST hTT => prod_blocks_insert a s ha S F T j ih hF hjS hST hTT)

end TBN.BlockSum

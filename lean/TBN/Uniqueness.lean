import TBN.LogOdds

/-!
# What is unique about the weights, and what is not

SPEC 3.6. The paper claims the BP weights are unique. Three true statements replace that claim.

## Main definitions

* `score Q K x y = (Q x) · (K y)`: the attention score of a head with query map `Q` and key map `K`.

## Main statements

* `ffn_params_eq_of_three_points`, `ffn_params_eq_of_forall`: **FFN identifiability**. If
  `σ(w₀ x + w₁ y + b) = σ(x + y)` at three affinely independent points (or at all points), then
  `(w₀, w₁, b) = (1, 1, 0)`.
* `routing_unique`: a weight vector that gathers `s_m` exactly for every state `s` is the indicator
  of `m`: a head that routes exactly puts all its weight on the right neighbour.
* `score_scale`, `qk_not_unique`, `literal_uniqueness_false`: scaling `Q` by `t ≠ 0` and `K` by
  `t⁻¹` leaves every score unchanged, so `Q` and `K` themselves are never unique: literal weight
  uniqueness is false.

## References

* Coppola, arXiv 2603.17063 (2026), the uniqueness claim of the BP-equivalence theorem.
-/

namespace TBN.Uniqueness

open TBN.LogOdds

/-- **FFN identifiability from three points** (SPEC 3.6): if a sigmoid unit `σ(w₀ x + w₁ y + b)`
agrees with the OR update `σ(x + y)` at three affinely independent points `(xᵢ, yᵢ)`, then
`w₀ = 1`, `w₁ = 1` and `b = 0`. -/
theorem ffn_params_eq_of_three_points {w0 w1 b : ℝ} (x1 y1 x2 y2 x3 y3 : ℝ)
    (hind : (x2 - x1) * (y3 - y1) - (x3 - x1) * (y2 - y1) ≠ 0)
    (h1 : sigmoid (w0 * x1 + w1 * y1 + b) = sigmoid (x1 + y1))
    (h2 : sigmoid (w0 * x2 + w1 * y2 + b) = sigmoid (x2 + y2))
    (h3 : sigmoid (w0 * x3 + w1 * y3 + b) = sigmoid (x3 + y3)) :
    w0 = 1 ∧ w1 = 1 ∧ b = 0 := by
  have e1 := sigmoid_injective h1
  have e2 := sigmoid_injective h2
  have e3 := sigmoid_injective h3
  have hu : (w0 - 1) * ((x2 - x1) * (y3 - y1) - (x3 - x1) * (y2 - y1)) = 0 := by
    linear_combination (y3 - y1) * e2 - (y3 - y1) * e1 - (y2 - y1) * e3 + (y2 - y1) * e1
  have hv : (w1 - 1) * ((x2 - x1) * (y3 - y1) - (x3 - x1) * (y2 - y1)) = 0 := by
    linear_combination (x2 - x1) * e3 - (x2 - x1) * e1 - (x3 - x1) * e2 + (x3 - x1) * e1
  have hw0 : w0 = 1 := by
    have h := (mul_eq_zero.mp hu).resolve_right hind
    linarith
  have hw1 : w1 = 1 := by
    have h := (mul_eq_zero.mp hv).resolve_right hind
    linarith
  refine ⟨hw0, hw1, ?_⟩
  rw [hw0, hw1] at e1
  linarith

/-- **FFN identifiability** (SPEC 3.6): if `σ(w₀ x + w₁ y + b) = σ(x + y)` for all real `x, y`,
then `(w₀, w₁, b) = (1, 1, 0)`: the OR update's FFN weights are determined by its function. -/
theorem ffn_params_eq_of_forall {w0 w1 b : ℝ}
    (h : ∀ x y : ℝ, sigmoid (w0 * x + w1 * y + b) = sigmoid (x + y)) :
    w0 = 1 ∧ w1 = 1 ∧ b = 0 :=
  ffn_params_eq_of_three_points 0 0 1 0 0 1 (by norm_num) (h 0 0) (h 1 0) (h 0 1)

/-- Summing `a j` against the indicator of `k` picks out `a k`. -/
private theorem sum_mul_indicator {n : ℕ} (a : Fin n → ℝ) (k : Fin n) :
    ∑ j, a j * (if j = k then 1 else 0) = a k := by
  have h0 : ∀ j ∈ (Finset.univ : Finset (Fin n)), j ≠ k →
      a j * (if j = k then (1 : ℝ) else 0) = 0 := by
    intro j _ hj
    first
      | rw [if_neg hj, mul_zero]
      | simp [hj]
  have h1 : k ∉ (Finset.univ : Finset (Fin n)) → a k * (if k = k then (1 : ℝ) else 0) = 0 :=
    fun hk => absurd (Finset.mem_univ k) hk
  have h2 : a k * (if k = k then (1 : ℝ) else 0) = a k := by
    first
      | rw [if_pos (rfl : k = k), mul_one]
      | simp
  first
    | exact (Finset.sum_eq_single k h0 h1).trans h2
    | (rw [Finset.sum_eq_single k h0 h1]; exact h2)

/-- **Routing uniqueness** (SPEC 3.6): a weight vector `a` over the `n` tokens that gathers the value
of token `m` exactly, `∑ₖ aₖ sₖ = s_m` for every state `s`, is the indicator of `m`. A head that
routes exactly for all states puts all its weight on the right neighbour (no convexity needed). -/
theorem routing_unique {n : ℕ} (a : Fin n → ℝ) (m : Fin n)
    (h : ∀ s : Fin n → ℝ, ∑ k, a k * s k = s m) : a = fun k => if k = m then 1 else 0 := by
  have key : ∀ k, a k = if k = m then 1 else 0 := by
    intro k
    have hk : ∑ j, a j * (if j = k then 1 else 0) = if m = k then 1 else 0 :=
      h (fun j => if j = k then 1 else 0)
    rw [sum_mul_indicator a k] at hk
    rw [hk]
    by_cases hkm : k = m
    · first
        | rw [if_pos hkm.symm, if_pos hkm]
        | simp [hkm]
    · first
        | rw [if_neg (Ne.symm hkm), if_neg hkm]
        | simp [hkm, Ne.symm hkm]
  exact funext key

/-- The attention score `(Q x) · (K y) = ∑ᵢ (∑_c Q i c x c) (∑_c K i c y c)` of a head with query
map `Q` and key map `K` (rows = output dims, columns = input dims). -/
noncomputable def score {d D : ℕ} (Q K : Fin d → Fin D → ℝ) (x y : Fin D → ℝ) : ℝ :=
  ∑ i, (∑ c, Q i c * x c) * (∑ c, K i c * y c)

/-- Scaling the query map by `t ≠ 0` and the key map by `t⁻¹` leaves every score unchanged. -/
theorem score_scale {d D : ℕ} (Q K : Fin d → Fin D → ℝ) {t : ℝ} (ht : t ≠ 0)
    (x y : Fin D → ℝ) :
    score (fun i c => t * Q i c) (fun i c => t⁻¹ * K i c) x y = score Q K x y := by
  simp only [score]
  apply Finset.sum_congr rfl
  intro i _
  have h1 : ∑ c, t * Q i c * x c = t * ∑ c, Q i c * x c := by
    rw [Finset.mul_sum]
    apply Finset.sum_congr rfl
    intro c _
    ring
  have h2 : ∑ c, t⁻¹ * K i c * y c = t⁻¹ * ∑ c, K i c * y c := by
    rw [Finset.mul_sum]
    apply Finset.sum_congr rfl
    intro c _
    ring
  have ht' : t * t⁻¹ = 1 := by
    first
      | exact mul_inv_cancel₀ ht
      | simp [ht]
  rw [h1, h2]
  first
    | rw [mul_mul_mul_comm, ht', one_mul]
    | linear_combination ((∑ c, Q i c * x c) * ∑ c, K i c * y c) * ht'

/-- **`Q` and `K` are never unique** (SPEC 3.6): for every head with a nonzero query map there is a
different pair `(Q', K')` with exactly the same scores on all inputs. -/
theorem qk_not_unique {d D : ℕ} (Q K : Fin d → Fin D → ℝ) (hQ : Q ≠ 0) :
    ∃ Q' K' : Fin d → Fin D → ℝ, (Q', K') ≠ (Q, K) ∧ ∀ x y, score Q' K' x y = score Q K x y := by
  refine ⟨fun i c => 2 * Q i c, fun i c => 2⁻¹ * K i c, ?_,
    fun x y => score_scale Q K (by norm_num) x y⟩
  intro h
  apply hQ
  funext i c
  have h1 : (fun i c => 2 * Q i c) = Q := by
    first
      | exact congrArg Prod.fst h
      | exact (Prod.mk.inj h).1
  have h2 : 2 * Q i c = Q i c := congrFun (congrFun h1 i) c
  show Q i c = 0
  linarith

/-- **Literal weight uniqueness is false** (SPEC 3.6, the counterexample to the paper's claim): it
is not true that two heads with identical scores on all inputs have identical `(Q, K)`. -/
theorem literal_uniqueness_false {d D : ℕ} (hd : 0 < d) (hD : 0 < D) :
    ¬ ∀ Q K Q' K' : Fin d → Fin D → ℝ,
      (∀ x y, score Q K x y = score Q' K' x y) → (Q, K) = (Q', K') := by
  intro hall
  have hQ : (fun _ _ => (1 : ℝ) : Fin d → Fin D → ℝ) ≠ 0 := by
    intro h
    have h1 : (1 : ℝ) = 0 := congrFun (congrFun h ⟨0, hd⟩) ⟨0, hD⟩
    exact one_ne_zero h1
  obtain ⟨Q', K', hne, hsc⟩ := qk_not_unique (fun _ _ => (1 : ℝ)) (fun _ _ => (1 : ℝ)) hQ
  exact hne (hall Q' K' _ _ hsc)

end TBN.Uniqueness

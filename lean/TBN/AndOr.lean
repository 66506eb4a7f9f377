import TBN.LogOdds

/-!
# AND and OR: Boolean limits of a sigmoid unit, and the OR update

SPEC 3.8. The OR of the construction lives in the FFN: on log-odds it is the linear map
`(l₀, l₁) ↦ l₀ + l₁`, which decodes to `oplus` of the decoded beliefs (`orUpdate_decode`). A single
sigmoid unit with a steep gain `k` also reproduces the Boolean OR and AND on `{0,1}²`: with bias
`-k/2` it is above `1/2` exactly when `x₀ ∨ x₁`, with bias `-3k/2` exactly when `x₀ ∧ x₁`, and in both
cases it is within `σ(-k/2)` of the Boolean value, which tends to 0 as `k → ∞`.
(The AND of the construction, gathering both neighbour values into one token, is the attention
gather lemma of `TBN.Construction`.)

## Main definitions

* `bval b`: the Boolean `b` as the real number 0 or 1.

## Main statements

* `orGate_gt_half_iff`, `andGate_gt_half_iff`: the threshold characterisations.
* `orGate_error_le`, `andGate_error_le`: the distance to the Boolean value is at most `σ(-k/2)`.
* `orUpdate_decode`: the OR update on log-odds decodes to `oplus`.

## References

* Coppola, arXiv 2603.17063 (2026): the AND (attention) / OR (FFN) reading of a transformer layer.
-/

namespace TBN.AndOr

open TBN.LogOdds

/-- A Boolean as the real number `1` (true) or `0` (false). -/
noncomputable def bval : Bool → ℝ
  | true => 1
  | false => 0

/-- If the input to a sigmoid is at least `k/2`, the output is within `σ(-k/2)` of 1. -/
theorem abs_sigmoid_sub_one_le {s k : ℝ} (h : k / 2 ≤ s) :
    |sigmoid s - 1| ≤ sigmoid (-(k / 2)) := by
  rw [abs_sub_comm, abs_of_pos (sub_pos.mpr (sigmoid_lt_one s)), sigmoid_neg]
  have := sigmoid_strictMono.monotone h
  linarith

/-- If the input to a sigmoid is at most `-k/2`, the output is within `σ(-k/2)` of 0. -/
theorem abs_sigmoid_sub_zero_le {s k : ℝ} (h : s ≤ -(k / 2)) :
    |sigmoid s - 0| ≤ sigmoid (-(k / 2)) := by
  rw [sub_zero, abs_of_pos (sigmoid_pos s)]
  exact sigmoid_strictMono.monotone h

variable {k : ℝ}

/-- **Boolean OR from one sigmoid unit** (SPEC 3.8): for `k > 0` and `x ∈ {0,1}²`,
`σ(k(x₀ + x₁) - k/2) > 1/2` exactly when `x₀ ∨ x₁`. -/
theorem orGate_gt_half_iff (hk : 0 < k) (b0 b1 : Bool) :
    1 / 2 < sigmoid (k * (bval b0 + bval b1) - k / 2) ↔ (b0 = true ∨ b1 = true) := by
  rw [half_lt_sigmoid_iff]
  cases b0 <;> cases b1
  · show 0 < k * (0 + 0) - k / 2 ↔ (false = true ∨ false = true)
    exact ⟨fun h => by exfalso; linarith,
      fun h => by rcases h with h | h <;> exact absurd h (by decide)⟩
  · show 0 < k * (0 + 1) - k / 2 ↔ (false = true ∨ true = true)
    exact ⟨fun _ => Or.inr rfl, fun _ => by linarith⟩
  · show 0 < k * (1 + 0) - k / 2 ↔ (true = true ∨ false = true)
    exact ⟨fun _ => Or.inl rfl, fun _ => by linarith⟩
  · show 0 < k * (1 + 1) - k / 2 ↔ (true = true ∨ true = true)
    exact ⟨fun _ => Or.inl rfl, fun _ => by linarith⟩

/-- **Boolean AND from one sigmoid unit** (SPEC 3.8): for `k > 0` and `x ∈ {0,1}²`,
`σ(k(x₀ + x₁) - 3k/2) > 1/2` exactly when `x₀ ∧ x₁`. -/
theorem andGate_gt_half_iff (hk : 0 < k) (b0 b1 : Bool) :
    1 / 2 < sigmoid (k * (bval b0 + bval b1) - 3 * k / 2) ↔ (b0 = true ∧ b1 = true) := by
  rw [half_lt_sigmoid_iff]
  cases b0 <;> cases b1
  · show 0 < k * (0 + 0) - 3 * k / 2 ↔ (false = true ∧ false = true)
    exact ⟨fun h => by exfalso; linarith, fun h => absurd h.1 (by decide)⟩
  · show 0 < k * (0 + 1) - 3 * k / 2 ↔ (false = true ∧ true = true)
    exact ⟨fun h => by exfalso; linarith, fun h => absurd h.1 (by decide)⟩
  · show 0 < k * (1 + 0) - 3 * k / 2 ↔ (true = true ∧ false = true)
    exact ⟨fun h => by exfalso; linarith, fun h => absurd h.2 (by decide)⟩
  · show 0 < k * (1 + 1) - 3 * k / 2 ↔ (true = true ∧ true = true)
    exact ⟨fun _ => ⟨rfl, rfl⟩, fun _ => by linarith⟩

/-- **OR gate error bound** (SPEC 3.8): the OR unit is within `σ(-k/2)` of the Boolean OR. -/
theorem orGate_error_le (hk : 0 < k) (b0 b1 : Bool) :
    |sigmoid (k * (bval b0 + bval b1) - k / 2) - bval (b0 || b1)| ≤ sigmoid (-(k / 2)) := by
  cases b0 <;> cases b1
  · show |sigmoid (k * (0 + 0) - k / 2) - 0| ≤ sigmoid (-(k / 2))
    exact abs_sigmoid_sub_zero_le (by linarith)
  · show |sigmoid (k * (0 + 1) - k / 2) - 1| ≤ sigmoid (-(k / 2))
    exact abs_sigmoid_sub_one_le (by linarith)
  · show |sigmoid (k * (1 + 0) - k / 2) - 1| ≤ sigmoid (-(k / 2))
    exact abs_sigmoid_sub_one_le (by linarith)
  · show |sigmoid (k * (1 + 1) - k / 2) - 1| ≤ sigmoid (-(k / 2))
    exact abs_sigmoid_sub_one_le (by linarith)

/-- **AND gate error bound** (SPEC 3.8): the AND unit is within `σ(-k/2)` of the Boolean AND. -/
theorem andGate_error_le (hk : 0 < k) (b0 b1 : Bool) :
    |sigmoid (k * (bval b0 + bval b1) - 3 * k / 2) - bval (b0 && b1)| ≤ sigmoid (-(k / 2)) := by
  cases b0 <;> cases b1
  · show |sigmoid (k * (0 + 0) - 3 * k / 2) - 0| ≤ sigmoid (-(k / 2))
    exact abs_sigmoid_sub_zero_le (by linarith)
  · show |sigmoid (k * (0 + 1) - 3 * k / 2) - 0| ≤ sigmoid (-(k / 2))
    exact abs_sigmoid_sub_zero_le (by linarith)
  · show |sigmoid (k * (1 + 0) - 3 * k / 2) - 0| ≤ sigmoid (-(k / 2))
    exact abs_sigmoid_sub_zero_le (by linarith)
  · show |sigmoid (k * (1 + 1) - 3 * k / 2) - 1| ≤ sigmoid (-(k / 2))
    exact abs_sigmoid_sub_one_le (by linarith)

/-- **The OR update is `oplus`** (SPEC 3.8): the FFN's OR on log-odds, `(l₀, l₁) ↦ l₀ + l₁`,
decodes to the paper's `updateBelief` of the decoded beliefs, for all real log-odds. -/
theorem orUpdate_decode (l0 l1 : ℝ) : sigmoid (l0 + l1) = oplus (sigmoid l0) (sigmoid l1) :=
  (oplus_sigmoid_sigmoid l0 l1).symm

end TBN.AndOr

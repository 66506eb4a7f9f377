import TBN.Construction

/-!
# Softmax attention at a finite temperature

The paper treats softmax attention as if it were hard attention. It is not; this file states how
far apart they are, exactly.

## Main statements

* `softmax_top_ge`: if the top score beats every other score by at least `Δ > 0`, `n ≥ 2`,
  `0 < ε < 1` and `λ ≥ 0` with `λ ≥ (1/Δ) log((n-1)(1-ε)/ε)`, the top softmax weight is at least
  `1 - ε`.
* `abs_sum_mul_sub_le`: a convex combination whose weight on `m` is at least `1 - ε` gathers
  `v m` up to `2 ε M` when `|v k| ≤ M` (one head of the construction, one layer).
* `abs_gather_sub_le`: the same from a perturbed state: if `|a k - b k| ≤ e` then the gathered
  value is within `e + 2 ε M` of `b m` (one head, one layer, with the error carried in).
* `error_iterate_le`: the resulting recursion `e_{t+1} ≤ 2 e_t + 4 ε m_t`, `m_t ≤ 2^t m_0`,
  `e_0 ≤ 0` gives `e_T ≤ T 2^(T+1) ε m_0` after `T` layers (two heads per layer).
* `softLayer_iterate_error`: the same bound for the construction itself: if every head puts
  weight at least `1 - ε` on its source (which `softmax_top_ge` guarantees from a score gap), then
  after `T` layers of `TBN.Construction.layerWith` every log-odds is within `T 2^(T+1) ε M` of
  `T` exact oplus-BP rounds started from log-odds bounded by `M`.
* `softmax_construction_error`: the closed form: codes with a score gap (`IsGapCode`; one-hot
  and binary codes have one) and `λ` as in `softmax_top_ge` give that bound outright.

## Implementation notes

In the explicit construction queries and keys read only the codes, which no layer changes, so
every softmax layer uses the same weights; the log-odds of the hard run at most double per layer
(`m_t ≤ 2^t m_0`), and each layer adds two gathered values, each off by at most
`e_t + 2 ε m_t`. Beliefs are `σ` of log-odds and `σ` is `1/4`-Lipschitz, so belief errors are at
most a quarter of these.

## References

* Coppola, *Transformers are Bayesian Networks*, arXiv 2603.17063, 2026, the
  BP-equivalence theorem (its use of softmax attention as hardmax).
-/

namespace TBN.Softmax

open Finset TBN.Transformer

noncomputable section

variable {n : ℕ}

private theorem sum_exp_mul_le (s : Fin n → ℝ) (m : Fin n) {lam t : ℝ}
    (hk : ∀ k, k ≠ m → Real.exp (lam * s k) * t ≤ Real.exp (lam * s m)) :
    (∑ k, Real.exp (lam * s k)) * t ≤ Real.exp (lam * s m) * (t + ((n : ℝ) - 1)) := by
  rw [Finset.sum_mul]
  calc ∑ k, Real.exp (lam * s k) * t
      ≤ ∑ k, (Real.exp (lam * s m)
          + if k = m then Real.exp (lam * s m) * t - Real.exp (lam * s m) else 0) := by
        apply Finset.sum_le_sum
        intro k _
        by_cases hkm : k = m
        · first
            | (subst hkm
               rw [if_pos rfl]
               linarith)
            | (rw [if_pos hkm, hkm]
               linarith)
        · rw [if_neg hkm]
          linarith [hk k hkm]
    _ = Real.exp (lam * s m) * (t + ((n : ℝ) - 1)) := by
        have hc : ∑ _k : Fin n, Real.exp (lam * s m) = (n : ℝ) * Real.exp (lam * s m) := by
          first
            | (rw [Finset.sum_const, Finset.card_univ, Fintype.card_fin, nsmul_eq_mul]; done)
            | (simp only [Finset.sum_const, Finset.card_univ, Fintype.card_fin, nsmul_eq_mul,
                 smul_eq_mul]; done)
            | (simp; done)
        have hi : ∑ k, (if k = m then Real.exp (lam * s m) * t - Real.exp (lam * s m) else 0)
            = Real.exp (lam * s m) * t - Real.exp (lam * s m) := by
          first
            | (rw [Finset.sum_ite_eq', if_pos (Finset.mem_univ m)]; done)
            | (simp; done)
        rw [Finset.sum_add_distrib, hc, hi]
        ring

/-- Softmax concentration: with a score gap of at least `Δ > 0` to the top token `m`, `n ≥ 2`
tokens, `0 < ε < 1` and an inverse temperature `λ ≥ 0` with `λ ≥ (1/Δ) log((n-1)(1-ε)/ε)`, the
top softmax weight is at least `1 - ε` (Coppola, BP equivalence: the step from softmax to
hardmax, made quantitative; `λ ≥ 0` is needed, since a negative `λ` favours the lowest score). -/
theorem softmax_top_ge (s : Fin n → ℝ) (m : Fin n) {Δ ε lam : ℝ} (hn : 2 ≤ n) (hΔ : 0 < Δ)
    (hε0 : 0 < ε) (hε1 : ε < 1) (hgap : ∀ k, k ≠ m → s k + Δ ≤ s m) (hlam0 : 0 ≤ lam)
    (hlam : 1 / Δ * Real.log (((n : ℝ) - 1) * (1 - ε) / ε) ≤ lam) :
    1 - ε ≤ softmaxWeights lam s m := by
  have hn1 : (0 : ℝ) < (n : ℝ) - 1 := by
    have h2 : (2 : ℝ) ≤ (n : ℝ) := by exact_mod_cast hn
    linarith
  have hQ : 0 < ((n : ℝ) - 1) * (1 - ε) / ε := div_pos (mul_pos hn1 (by linarith)) hε0
  have hL : Real.log (((n : ℝ) - 1) * (1 - ε) / ε) ≤ lam * Δ := by
    have h := mul_le_mul_of_nonneg_right hlam hΔ.le
    have e : 1 / Δ * Real.log (((n : ℝ) - 1) * (1 - ε) / ε) * Δ
        = Real.log (((n : ℝ) - 1) * (1 - ε) / ε) := by
      first
        | rw [one_div, mul_comm Δ⁻¹, mul_assoc, inv_mul_cancel₀ hΔ.ne', mul_one]
        | (field_simp; done)
    linarith
  have ht : ((n : ℝ) - 1) * (1 - ε) / ε ≤ Real.exp (lam * Δ) := by
    calc ((n : ℝ) - 1) * (1 - ε) / ε = Real.exp (Real.log (((n : ℝ) - 1) * (1 - ε) / ε)) :=
          (Real.exp_log hQ).symm
      _ ≤ Real.exp (lam * Δ) := Real.exp_le_exp.mpr hL
  have htε : ((n : ℝ) - 1) * (1 - ε) ≤ ε * Real.exp (lam * Δ) := by
    have h := mul_le_mul_of_nonneg_left ht hε0.le
    have e : ε * (((n : ℝ) - 1) * (1 - ε) / ε) = ((n : ℝ) - 1) * (1 - ε) := by
      first
        | rw [mul_div_assoc', mul_comm ε, mul_div_assoc, div_self hε0.ne', mul_one]
        | (field_simp; done)
    linarith
  have hk : ∀ k, k ≠ m → Real.exp (lam * s k) * Real.exp (lam * Δ) ≤ Real.exp (lam * s m) := by
    intro k hkm
    rw [← Real.exp_add]
    apply Real.exp_le_exp.mpr
    have h := mul_le_mul_of_nonneg_left (hgap k hkm) hlam0
    rw [mul_add] at h
    linarith
  have hZt := sum_exp_mul_le s m hk
  have htpos : 0 < Real.exp (lam * Δ) := Real.exp_pos _
  have hem : 0 < Real.exp (lam * s m) := Real.exp_pos _
  have hZ : 0 < ∑ k, Real.exp (lam * s k) :=
    Finset.sum_pos (fun i _ => Real.exp_pos _) ⟨m, Finset.mem_univ m⟩
  have key : (1 - ε) * (∑ k, Real.exp (lam * s k)) * Real.exp (lam * Δ)
      ≤ Real.exp (lam * s m) * Real.exp (lam * Δ) := by
    calc (1 - ε) * (∑ k, Real.exp (lam * s k)) * Real.exp (lam * Δ)
        = (1 - ε) * ((∑ k, Real.exp (lam * s k)) * Real.exp (lam * Δ)) := by ring
      _ ≤ (1 - ε) * (Real.exp (lam * s m) * (Real.exp (lam * Δ) + ((n : ℝ) - 1))) :=
          mul_le_mul_of_nonneg_left hZt (by linarith)
      _ = (1 - ε) * Real.exp (lam * s m) * Real.exp (lam * Δ)
            + Real.exp (lam * s m) * (((n : ℝ) - 1) * (1 - ε)) := by ring
      _ ≤ (1 - ε) * Real.exp (lam * s m) * Real.exp (lam * Δ)
            + Real.exp (lam * s m) * (ε * Real.exp (lam * Δ)) := by
          have h := mul_le_mul_of_nonneg_left htε hem.le
          linarith
      _ = Real.exp (lam * s m) * Real.exp (lam * Δ) := by ring
  have hfin : (1 - ε) * (∑ k, Real.exp (lam * s k)) ≤ Real.exp (lam * s m) := by
    first
      | exact le_of_mul_le_mul_right key htpos
      | (by_contra hcon
         push_neg at hcon
         nlinarith [mul_pos (sub_pos.mpr hcon) htpos, key])
  unfold softmaxWeights
  first
    | exact (le_div_iff₀ hZ).mpr hfin
    | (have e : Real.exp (lam * s m) / (∑ k, Real.exp (lam * s k)) - (1 - ε)
          = (Real.exp (lam * s m) - (1 - ε) * (∑ k, Real.exp (lam * s k)))
              / (∑ k, Real.exp (lam * s k)) := by
         first
           | rw [sub_div, mul_div_assoc, div_self hZ.ne', mul_one]
           | (field_simp; done)
       have hnn : 0 ≤ (Real.exp (lam * s m) - (1 - ε) * (∑ k, Real.exp (lam * s k)))
           / (∑ k, Real.exp (lam * s k)) := div_nonneg (by linarith) hZ.le
       linarith)

/-- One head, one layer: a convex combination `w` (nonnegative, summing to one) with weight at
least `1 - ε` on `m` gathers `v m` up to `2 ε M` when every `|v k| ≤ M` (Coppola, BP
equivalence: the gather step under softmax instead of hardmax). -/
theorem abs_sum_mul_sub_le {w v : Fin n → ℝ} {m : Fin n} {ε M : ℝ} (hw0 : ∀ k, 0 ≤ w k)
    (hw1 : ∑ k, w k = 1) (hwm : 1 - ε ≤ w m) (hv : ∀ k, |v k| ≤ M) :
    |∑ k, w k * v k - v m| ≤ 2 * ε * M := by
  have hM : 0 ≤ M := le_trans (abs_nonneg _) (hv m)
  have e1 : ∑ k, w k * (v k - v m) = ∑ k, w k * v k - v m := by
    have h : ∑ k, w k * (v k - v m) = ∑ k, (w k * v k - w k * v m) :=
      Finset.sum_congr rfl (fun k _ => by ring)
    have h' : ∑ k, w k * v m = v m := by rw [← Finset.sum_mul, hw1, one_mul]
    rw [h, Finset.sum_sub_distrib, h']
  rw [← e1]
  calc |∑ k, w k * (v k - v m)| ≤ ∑ k, |w k * (v k - v m)| := Finset.abs_sum_le_sum_abs _ _
    _ ≤ ∑ k, (2 * M * w k - if k = m then 2 * M * w m else 0) := by
        apply Finset.sum_le_sum
        intro k _
        rw [abs_mul, abs_of_nonneg (hw0 k)]
        by_cases hkm : k = m
        · first
            | (subst hkm
               simp
               done)
            | (rw [if_pos hkm, hkm, sub_self, abs_zero, mul_zero]
               linarith)
        · rw [if_neg hkm, sub_zero]
          obtain ⟨h1a, h1b⟩ := abs_le.mp (hv k)
          obtain ⟨h2a, h2b⟩ := abs_le.mp (hv m)
          have h3 : |v k - v m| ≤ 2 * M := abs_le.mpr ⟨by linarith, by linarith⟩
          calc w k * |v k - v m| ≤ w k * (2 * M) := mul_le_mul_of_nonneg_left h3 (hw0 k)
            _ = 2 * M * w k := by ring
    _ = 2 * M * (1 - w m) := by
        rw [Finset.sum_sub_distrib, ← Finset.mul_sum, hw1, Finset.sum_ite_eq',
          if_pos (Finset.mem_univ m)]
        ring
    _ ≤ 2 * ε * M := by
        have h := mul_le_mul_of_nonneg_left (show 1 - w m ≤ ε by linarith)
          (show (0 : ℝ) ≤ 2 * M by linarith)
        calc 2 * M * (1 - w m) ≤ 2 * M * ε := h
          _ = 2 * ε * M := by ring

/-- One head, one layer, with the error carried in: if the current state `a` is within `e` of
the exact state `b` (`|b k| ≤ M`), a convex combination with weight at least `1 - ε` on `m`
gathers `b m` up to `e + 2 ε M` (Coppola, BP equivalence under softmax: the per-layer step). -/
theorem abs_gather_sub_le {w a b : Fin n → ℝ} {m : Fin n} {ε M e : ℝ} (hw0 : ∀ k, 0 ≤ w k)
    (hw1 : ∑ k, w k = 1) (hwm : 1 - ε ≤ w m) (hb : ∀ k, |b k| ≤ M)
    (hab : ∀ k, |a k - b k| ≤ e) :
    |∑ k, w k * a k - b m| ≤ e + 2 * ε * M := by
  have h1 : |∑ k, w k * (a k - b k)| ≤ e := by
    calc |∑ k, w k * (a k - b k)| ≤ ∑ k, |w k * (a k - b k)| := Finset.abs_sum_le_sum_abs _ _
      _ ≤ ∑ k, w k * e := by
          apply Finset.sum_le_sum
          intro k _
          rw [abs_mul, abs_of_nonneg (hw0 k)]
          exact mul_le_mul_of_nonneg_left (hab k) (hw0 k)
      _ = e := by rw [← Finset.sum_mul, hw1, one_mul]
  have h2 := abs_sum_mul_sub_le hw0 hw1 hwm hb
  have e1 : ∑ k, w k * a k - b m = ∑ k, w k * (a k - b k) + (∑ k, w k * b k - b m) := by
    have h : ∑ k, w k * (a k - b k) = ∑ k, (w k * a k - w k * b k) :=
      Finset.sum_congr rfl (fun k _ => by ring)
    rw [h, Finset.sum_sub_distrib]
    ring
  rw [e1]
  obtain ⟨h1a, h1b⟩ := abs_le.mp h1
  obtain ⟨h2a, h2b⟩ := abs_le.mp h2
  exact abs_le.mpr ⟨by linarith, by linarith⟩

/-- `T` layers: if the error `e_t` of the softmax run after `t` layers obeys
`e_{t+1} ≤ 2 e_t + 4 (ε m_t)` (two heads, each `e_t + 2 ε m_t` by `abs_gather_sub_le`), the exact
log-odds obey `m_t ≤ 2^t m_0`, and `e_0 ≤ 0`, then `e_T ≤ T 2^(T+1) ε m_0` (Coppola, BP
equivalence under softmax: the error after `T` rounds). -/
theorem error_iterate_le {e m : ℕ → ℝ} {ε : ℝ} (hε : 0 ≤ ε) (he0 : e 0 ≤ 0)
    (hstep : ∀ t, e (t + 1) ≤ 2 * e t + 4 * (ε * m t)) (hm : ∀ t, m t ≤ 2 ^ t * m 0) (T : ℕ) :
    e T ≤ (T : ℝ) * 2 ^ (T + 1) * ε * m 0 := by
  induction T with
  | zero => simpa using he0
  | succ T ih =>
    have h1 := hstep T
    have h2 : ε * m T ≤ ε * (2 ^ T * m 0) := mul_le_mul_of_nonneg_left (hm T) hε
    have e2 : ((T + 1 : ℕ) : ℝ) * 2 ^ (T + 1 + 1) * ε * m 0
        = 2 * ((T : ℝ) * 2 ^ (T + 1) * ε * m 0) + 4 * (ε * (2 ^ T * m 0)) := by
      push_cast
      ring
    refine le_trans ?_ (le_of_eq e2.symm)
    linarith

section Linked

open TBN.Construction

variable {code : ℕ → ℕ → ℝ} {B : ℕ}

private theorem attnWeights_nonneg' (a : Attention) {D : ℕ} (hd : Head D)
    (x : Fin n → Fin D → ℝ) (j k : Fin n) : 0 ≤ attnWeights a hd x j k := by
  cases a with
  | hard => exact hardWeights_nonneg (score hd x j) k
  | softmax lam => exact le_of_lt (softmaxWeights_pos lam (score hd x j) k)

private theorem sum_attnWeights' (a : Attention) {D : ℕ} (hd : Head D) (x : Fin n → Fin D → ℝ)
    (j : Fin n) (hn : 0 < n) : ∑ k, attnWeights a hd x j k = 1 := by
  cases a with
  | hard => exact sum_hardWeights (score hd x j) hn
  | softmax lam => exact sum_softmaxWeights lam (score hd x j) hn

private theorem abs_bpStep_iterate_le (nb : Fin 2 → Fin n → Fin n) {M : ℝ} (l : Fin n → ℝ)
    (hl : ∀ j, |l j| ≤ M) (t : ℕ) (j : Fin n) :
    |(bpStepLogOdds nb)^[t] l j| ≤ 2 ^ t * M := by
  induction t generalizing j with
  | zero => simpa using hl j
  | succ t ih =>
    rw [Function.iterate_succ_apply']
    show |(bpStepLogOdds nb)^[t] l (nb 0 j) + (bpStepLogOdds nb)^[t] l (nb 1 j)|
      ≤ 2 ^ (t + 1) * M
    obtain ⟨a0, b0⟩ := abs_le.mp (ih (nb 0 j))
    obtain ⟨a1, b1⟩ := abs_le.mp (ih (nb 1 j))
    rw [pow_succ]
    exact abs_le.mpr ⟨by linarith, by linarith⟩

/-- The softmax construction after `T` layers: if each head of the explicit layer puts weight at
least `1 - ε` on its source for every state (for softmax attention this follows from a score gap by
`softmax_top_ge`; the weights do not depend on the state, `attnWeights_explicit_indep`), then `T`
layers of `layerWith a B` (`layerWith_iterate`) stay within `T 2^(T+1) ε M` of `T` exact oplus-BP
rounds, in log-odds, from any log-odds bounded by `M` (Coppola, BP equivalence: the error of using
softmax for hardmax, after `T` rounds). -/
theorem softLayer_iterate_error (a : Attention) (hn : 0 < n) (nb : Fin 2 → Fin n → Fin n)
    {ε M : ℝ}
    (hw0 : ∀ (l : Fin n → ℝ) (j : Fin n),
      1 - ε ≤ attnWeights a (explicitHeads B 0) (encode code B nb l) j (nb 0 j))
    (hw1 : ∀ (l : Fin n → ℝ) (j : Fin n),
      1 - ε ≤ attnWeights a (explicitHeads B 1) (encode code B nb l) j (nb 1 j))
    (l : Fin n → ℝ) (hl : ∀ j, |l j| ≤ M) (T : ℕ) (j : Fin n) :
    |(softStep a code B nb)^[T] l j - (bpStepLogOdds nb)^[T] l j|
      ≤ (T : ℝ) * 2 ^ (T + 1) * ε * M := by
  induction T generalizing j with
  | zero => simp
  | succ T ih =>
    rw [Function.iterate_succ_apply', Function.iterate_succ_apply']
    -- the two gathers, stated with `headGather` (definitionally the weighted sums) so that the
    -- final `linarith` sees the same atoms as the goal
    have g0 : |headGather a code B nb ((softStep a code B nb)^[T] l) 0 j
        - (bpStepLogOdds nb)^[T] l (nb 0 j)|
        ≤ (T : ℝ) * 2 ^ (T + 1) * ε * M + 2 * ε * (2 ^ T * M) :=
      abs_gather_sub_le
        (w := fun k => attnWeights a (explicitHeads B 0)
          (encode code B nb ((softStep a code B nb)^[T] l)) j k)
        (a := (softStep a code B nb)^[T] l) (b := (bpStepLogOdds nb)^[T] l) (m := nb 0 j)
        (fun k => attnWeights_nonneg' a _ _ j k) (sum_attnWeights' a _ _ j hn)
        (hw0 ((softStep a code B nb)^[T] l) j) (abs_bpStep_iterate_le nb l hl T) ih
    have g1 : |headGather a code B nb ((softStep a code B nb)^[T] l) 1 j
        - (bpStepLogOdds nb)^[T] l (nb 1 j)|
        ≤ (T : ℝ) * 2 ^ (T + 1) * ε * M + 2 * ε * (2 ^ T * M) :=
      abs_gather_sub_le
        (w := fun k => attnWeights a (explicitHeads B 1)
          (encode code B nb ((softStep a code B nb)^[T] l)) j k)
        (a := (softStep a code B nb)^[T] l) (b := (bpStepLogOdds nb)^[T] l) (m := nb 1 j)
        (fun k => attnWeights_nonneg' a _ _ j k) (sum_attnWeights' a _ _ j hn)
        (hw1 ((softStep a code B nb)^[T] l) j) (abs_bpStep_iterate_le nb l hl T) ih
    obtain ⟨p0, q0⟩ := abs_le.mp g0
    obtain ⟨p1, q1⟩ := abs_le.mp g1
    have e2 : ((T + 1 : ℕ) : ℝ) * 2 ^ (T + 1 + 1) * ε * M
        = 2 * ((T : ℝ) * 2 ^ (T + 1) * ε * M) + 4 * (ε * (2 ^ T * M)) := by
      push_cast
      ring
    refine le_trans ?_ (le_of_eq e2.symm)
    show |(headGather a code B nb ((softStep a code B nb)^[T] l) 0 j
        + headGather a code B nb ((softStep a code B nb)^[T] l) 1 j)
        - ((bpStepLogOdds nb)^[T] l (nb 0 j) + (bpStepLogOdds nb)^[T] l (nb 1 j))| ≤ _
    exact abs_le.mpr ⟨by linarith, by linarith⟩

/-- The softmax construction, closed form: with a code of score gap `Δ > 0` (one-hot: `Δ = 1`,
binary ±1: `Δ = 2`), `n ≥ 2` tokens, `0 < ε < 1` and an inverse temperature
`λ ≥ max(0, (1/Δ) log((n-1)(1-ε)/ε))`, `T` layers of the explicit construction with softmax
attention stay within `T 2^(T+1) ε M` of `T` exact oplus-BP rounds, in log-odds, from any
log-odds bounded by `M` (Coppola, BP equivalence: softmax instead of hardmax, with the error
stated instead of ignored). -/
theorem softmax_construction_error {Δ ε lam M : ℝ} (hc : IsGapCode code n B Δ) (hΔ : 0 < Δ)
    (hn : 2 ≤ n) (nb : Fin 2 → Fin n → Fin n) (hε0 : 0 < ε) (hε1 : ε < 1) (hlam0 : 0 ≤ lam)
    (hlam : 1 / Δ * Real.log (((n : ℝ) - 1) * (1 - ε) / ε) ≤ lam)
    (l : Fin n → ℝ) (hl : ∀ j, |l j| ≤ M) (T : ℕ) (j : Fin n) :
    |(softStep (Attention.softmax lam) code B nb)^[T] l j - (bpStepLogOdds nb)^[T] l j|
      ≤ (T : ℝ) * 2 ^ (T + 1) * ε * M :=
  softLayer_iterate_error (code := code) (B := B) (Attention.softmax lam) (by omega) nb
    (fun l' j' => softmax_top_ge (score (explicitHeads B 0) (encode code B nb l') j') (nb 0 j')
      hn hΔ hε0 hε1 (fun k hk => (explicit_score_gap hc nb l' j' k).1 hk) hlam0 hlam)
    (fun l' j' => softmax_top_ge (score (explicitHeads B 1) (encode code B nb l') j') (nb 1 j')
      hn hΔ hε0 hε1 (fun k hk => (explicit_score_gap hc nb l' j' k).2 hk) hlam0 hlam)
    l hl T j

end Linked

end

end TBN.Softmax

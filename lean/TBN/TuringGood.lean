import Mathlib.Analysis.SpecialFunctions.Log.Basic
import Mathlib.Algebra.Order.BigOperators.Ring.Finset
import Mathlib.Tactic.LinearCombination
import TBN.LogOdds

/-!
# Turing–Good weight of evidence, from the joint distribution

A binary hypothesis `H` has prior `P(H = 1) = π ∈ (0,1)`. Evidence items `i ∈ ι` are observed; item
`i` has positive likelihoods `L true i = P(eᵢ | H = 1)` and `L false i = P(eᵢ | H = 0)`, and the
items are conditionally independent given `H`. The joint weight of `H = h` and the items in a
finite set `s` is therefore `P(H = h) ∏_{i ∈ s} L h i`, and the posterior is Bayes' rule applied
to that joint. We prove, from this joint and not by definition, that log-odds add:

`logit P(H | e_s) = logit π + Σ_{i ∈ s} (logit P(H | eᵢ) - logit π)`.

## Main definitions

* `prior p h`: `p` for `h = true`, `1 - p` for `h = false`.
* `joint p L s h`: the joint weight of `H = h` and the evidence items in `s`.
* `posterior p L s`: `P(H = 1 | e_s)` by Bayes' rule from `joint`.

## Main statements

* `logit_posterior`: `logit P(H | e_s) = logit π + Σ_{i ∈ s} (log L true i - log L false i)`.
* `turingGood`: the weight-of-evidence decomposition above; the single-item posteriors
  `posterior p L {i}` are computed by the same Bayes rule from the joint of `H` and `eᵢ` alone.

## Implementation notes

The likelihoods are those of the observed values: items not in `s` are unobserved, and because
each item's likelihoods sum to one over its values, leaving them out of the product is exactly
marginalising them out of the full joint.

## References

* Coppola, arXiv 2603.17063 (2026), the log-odds reading of the belief update (SPEC 3.1).
* I. J. Good, *Probability and the Weighing of Evidence* (1950): weight of evidence.
-/

namespace TBN.TuringGood

open TBN.LogOdds

variable {ι : Type*}

/-- The prior of the binary hypothesis: `P(H = 1) = p`, `P(H = 0) = 1 - p`. -/
noncomputable def prior (p : ℝ) : Bool → ℝ
  | true => p
  | false => 1 - p

/-- The joint weight `P(H = h, e_s) = P(H = h) ∏_{i ∈ s} P(eᵢ | H = h)` of conditionally
independent evidence items. -/
noncomputable def joint (p : ℝ) (L : Bool → ι → ℝ) (s : Finset ι) (h : Bool) : ℝ :=
  prior p h * ∏ i ∈ s, L h i

/-- The posterior `P(H = 1 | e_s)` by Bayes' rule from the joint. -/
noncomputable def posterior (p : ℝ) (L : Bool → ι → ℝ) (s : Finset ι) : ℝ :=
  joint p L s true / (joint p L s true + joint p L s false)

/-- `P(H = 1) = p`. -/
private theorem prior_true (p : ℝ) : prior p true = p := rfl

/-- `P(H = 0) = 1 - p`. -/
private theorem prior_false (p : ℝ) : prior p false = 1 - p := rfl

/-- Both prior values are positive when `0 < p < 1`. -/
private theorem prior_pos {p : ℝ} (hp0 : 0 < p) (hp1 : p < 1) (h : Bool) : 0 < prior p h := by
  cases h
  · rw [prior_false]
    linarith
  · rw [prior_true]
    exact hp0

/-- The joint weights are positive for positive likelihoods. -/
private theorem joint_pos {p : ℝ} (hp0 : 0 < p) (hp1 : p < 1) {L : Bool → ι → ℝ}
    (hL : ∀ h i, 0 < L h i) (s : Finset ι) (h : Bool) : 0 < joint p L s h := by
  have hprod : 0 < ∏ i ∈ s, L h i := Finset.prod_pos fun i _ => hL h i
  unfold joint
  exact mul_pos (prior_pos hp0 hp1 h) hprod

/-- `logit (A / (A + B)) = log A - log B` for `A, B > 0`: the log-odds of a normalised pair. -/
theorem logit_div_add {A B : ℝ} (hA : 0 < A) (hB : 0 < B) :
    logit (A / (A + B)) = Real.log A - Real.log B := by
  have hAB : 0 < A + B := add_pos hA hB
  have h1 : 1 - A / (A + B) = B / (A + B) := by
    rw [eq_div_iff hAB.ne']
    have hd : A / (A + B) * (A + B) = A := by
      first
        | exact div_mul_cancel₀ A hAB.ne'
        | (simp [hAB.ne']; done)
        | field_simp
    linear_combination -hd
  unfold logit
  rw [h1, Real.log_div (div_pos hA hAB).ne' (div_pos hB hAB).ne', Real.log_div hA.ne' hAB.ne',
    Real.log_div hB.ne' hAB.ne']
  ring

/-- `logit p = log p - log (1 - p)` on `(0,1)`. -/
theorem logit_eq_log_sub_log {p : ℝ} (hp0 : 0 < p) (hp1 : p < 1) :
    logit p = Real.log p - Real.log (1 - p) := by
  unfold logit
  exact Real.log_div hp0.ne' (sub_pos.mpr hp1).ne'

section Posterior

variable {p : ℝ} (hp0 : 0 < p) (hp1 : p < 1) {L : Bool → ι → ℝ} (hL : ∀ h i, 0 < L h i)
include hp0 hp1 hL

/-- The posterior log-odds are the prior log-odds plus the sum of the log-likelihood ratios of the
observed items, computed from the joint distribution by Bayes' rule. -/
theorem logit_posterior (s : Finset ι) :
    logit (posterior p L s) =
      logit p + ∑ i ∈ s, (Real.log (L true i) - Real.log (L false i)) := by
  have hP : ∀ h, ∀ i ∈ s, L h i ≠ 0 := fun h i _ => (hL h i).ne'
  have hprod : ∀ h, 0 < ∏ i ∈ s, L h i := fun h => Finset.prod_pos fun i _ => hL h i
  unfold posterior
  rw [logit_div_add (joint_pos hp0 hp1 hL s true) (joint_pos hp0 hp1 hL s false)]
  unfold joint
  rw [Real.log_mul (prior_pos hp0 hp1 true).ne' (hprod true).ne',
    Real.log_mul (prior_pos hp0 hp1 false).ne' (hprod false).ne',
    Real.log_prod (s := s) (f := L true) (hP true),
    Real.log_prod (s := s) (f := L false) (hP false),
    Finset.sum_sub_distrib, logit_eq_log_sub_log hp0 hp1, prior_true, prior_false]
  ring

/-- **Turing–Good weight of evidence** (SPEC 3.1): for conditionally independent evidence, the
posterior log-odds given all observed items equal the prior log-odds plus, for each item, the
change of log-odds that item alone would cause: `logit P(H|e) = logit p + Σᵢ (logit P(H|eᵢ) -
logit p)`. Every posterior is computed by Bayes' rule from the joint distribution. This is the
exact statement behind reading the paper's belief update as addition of log-odds. -/
theorem turingGood (s : Finset ι) :
    logit (posterior p L s) = logit p + ∑ i ∈ s, (logit (posterior p L {i}) - logit p) := by
  have hterm : ∀ i ∈ s, Real.log (L true i) - Real.log (L false i) =
      logit (posterior p L {i}) - logit p := by
    intro i _
    rw [logit_posterior hp0 hp1 hL {i}]
    first
      | (rw [Finset.sum_singleton]; ring)
      | simp
  rw [logit_posterior hp0 hp1 hL s]
  first
    | exact congrArg (fun x : ℝ => logit p + x) (Finset.sum_congr rfl hterm)
    | (congr 1; exact Finset.sum_congr rfl hterm)

end Posterior

end TBN.TuringGood

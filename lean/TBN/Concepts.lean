import Mathlib.Analysis.SpecialFunctions.Exp
import Mathlib.Data.Fintype.BigOperators

/-!
# The finite concept space

SPEC 3.7. A construction with `n` tokens and finitely many routing keys can only ever realise
finitely many behaviours, and a finite verifier can only tell finitely many concepts apart.

## Main definitions

* `behaviour δ a`: the state map `q ↦ δ q a` that symbol `a` induces in an automaton
  `δ : Fin n → A → Fin n`.
* `attnRow rule score key j`: the attention row of token `j` when its scores depend only on the
  routing keys, for any row rule (softmax at any temperature, hard attention, ...).
* `softmaxRow lam s`: the softmax of a score row at inverse temperature `lam`.

## Main statements

* `card_transitions`: `|Fin n → Fin n| = n ^ n`.
* `card_le_of_behaviour_injective`: symbols with pairwise distinct behaviours number at most
  `n ^ n`, over any alphabet `A`.
* `card_le_of_verdict_injective`: a verifier with `q` tests of `r` outcomes separates at most
  `r ^ q` concepts; `exists_ne_verdict_eq`: over an infinite concept type two distinct concepts get
  identical verdicts.
* `card_routingKey`: routing keys (node type, own index, neighbour index) number `2 n²`;
  `attnRow_eq_of_key_eq`: tokens with equal routing keys get identical attention rows.

## References

* Coppola, arXiv 2603.17063 (2026), the finite-concept-space and verification claims.
-/

namespace TBN.Concepts

/-- **`|Fin n → Fin n| = n ^ n`** (SPEC 3.7): the number of state maps of an `n`-state system. -/
theorem card_transitions (n : ℕ) : Fintype.card (Fin n → Fin n) = n ^ n := by
  first
    | (simp [Fintype.card_fun]; done)
    | rw [Fintype.card_fun, Fintype.card_fin]
    | simp

/-- The behaviour of symbol `a` in the automaton `δ`: the state map it induces. -/
def behaviour {n : ℕ} {A : Type*} (δ : Fin n → A → Fin n) (a : A) : Fin n → Fin n :=
  fun q => δ q a

/-- **At most `n ^ n` behaviours** (SPEC 3.7): over any alphabet `A`, any finite family of symbols
with pairwise distinct behaviours under `δ : Fin n → A → Fin n` has at most `n ^ n` members. -/
theorem card_le_of_behaviour_injective {n : ℕ} {A : Type*} (δ : Fin n → A → Fin n) {S : Type*}
    [Fintype S] (sym : S → A) (h : Function.Injective fun s => behaviour δ (sym s)) :
    Fintype.card S ≤ n ^ n := by
  have hle := Fintype.card_le_of_injective _ h
  first
    | exact le_of_le_of_eq hle (card_transitions n)
    | rwa [card_transitions] at hle

/-- `|Fin q → Fin r| = r ^ q`: the number of verdict vectors of `q` tests with `r` outcomes. -/
private theorem card_verdicts (q r : ℕ) : Fintype.card (Fin q → Fin r) = r ^ q := by
  first
    | (simp [Fintype.card_fun]; done)
    | rw [Fintype.card_fun, Fintype.card_fin, Fintype.card_fin]
    | simp

/-- **A finite verifier separates at most `r ^ q` concepts** (SPEC 3.7): if `q` tests with `r`
outcomes each give pairwise distinct verdicts on a finite set of concepts, there are at most
`r ^ q` of them. -/
theorem card_le_of_verdict_injective {C : Type*} [Fintype C] {q r : ℕ} (v : C → Fin q → Fin r)
    (h : Function.Injective v) : Fintype.card C ≤ r ^ q := by
  have hle := Fintype.card_le_of_injective v h
  first
    | exact le_of_le_of_eq hle (card_verdicts q r)
    | rwa [card_verdicts] at hle

/-- **Finite verifiers cannot certify an infinite concept space** (SPEC 3.7): over an infinite type
of concepts, any `q` tests of `r` outcomes give two distinct concepts identical verdicts. -/
theorem exists_ne_verdict_eq {C : Type*} [Infinite C] {q r : ℕ} (v : C → Fin q → Fin r) :
    ∃ c₁ c₂ : C, c₁ ≠ c₂ ∧ v c₁ = v c₂ := by
  by_contra hcon
  have hinj : Function.Injective v := by
    intro a b hab
    by_contra hne
    exact hcon ⟨a, b, hne, hab⟩
  exact Finite.false (Finite.of_injective v hinj)

/-- **Routing keys number `2 n²`** (SPEC 3.7): a key is a node type (`Fin 2`), the token's own
index and a neighbour index (`Fin n` each). -/
theorem card_routingKey (n : ℕ) : Fintype.card (Fin 2 × Fin n × Fin n) = 2 * n ^ 2 := by
  first
    | (simp only [Fintype.card_prod, Fintype.card_fin]; ring)
    | (rw [Fintype.card_prod, Fintype.card_prod, Fintype.card_fin, Fintype.card_fin]; ring)

/-- The attention row of token `j` under a row rule (softmax, hard attention, ...) when the score
of the pair `(j, k)` is a function of the routing keys of `j` and `k` only. -/
def attnRow {m : ℕ} {K : Type*} (rule : (Fin m → ℝ) → Fin m → ℝ) (score : K → K → ℝ)
    (key : Fin m → K) (j : Fin m) : Fin m → ℝ :=
  rule fun k => score (key j) (key k)

/-- **Equal routing keys, equal attention rows** (SPEC 3.7): whatever the row rule, two tokens with
the same routing key attend identically. -/
theorem attnRow_eq_of_key_eq {m : ℕ} {K : Type*} (rule : (Fin m → ℝ) → Fin m → ℝ)
    (score : K → K → ℝ) (key : Fin m → K) {j j' : Fin m} (h : key j = key j') :
    attnRow rule score key j = attnRow rule score key j' := by
  first
    | (unfold attnRow; rw [h])
    | simp only [attnRow, h]

/-- Softmax of a score row at inverse temperature `lam`. -/
noncomputable def softmaxRow {m : ℕ} (lam : ℝ) (s : Fin m → ℝ) (k : Fin m) : ℝ :=
  Real.exp (lam * s k) / ∑ k', Real.exp (lam * s k')

/-- Equal routing keys give equal softmax attention rows, at every temperature (SPEC 3.7). -/
theorem softmax_attnRow_eq_of_key_eq {m : ℕ} {K : Type*} (lam : ℝ) (score : K → K → ℝ)
    (key : Fin m → K) {j j' : Fin m} (h : key j = key j') :
    attnRow (softmaxRow lam) score key j = attnRow (softmaxRow lam) score key j' :=
  attnRow_eq_of_key_eq (softmaxRow lam) score key h

end TBN.Concepts

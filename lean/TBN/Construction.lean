import TBN.Transformer
import Mathlib.Logic.Function.Iterate

/-!
# The explicit construction: one layer is one oplus-BP round, for every state

The constructive half of the paper's "BP equivalence" theorem, with the quantifiers in the right
order: there are weights `W`, depending only on the code width `B` (and on `n` only through the
number of tokens), such that for every pair of source maps `nb` and every state, one layer with
weights `W` performs one oplus-BP round, and `T` layers with the same `W` perform `T` rounds.

## Main definitions

* `projectDim D i j`, `crossProject D B src dst`: the named matrix families of
  `docs/ARCHITECTURE.md` (section 2), over any `R` with `0` and `1`.
* `encode code B nb l`: the residual stream of a state: log-odds in dim 0, zero scratch in dims 1
  and 2, then the own code and the two source codes (`D = 3 + 3B`).
* `explicitLayer B`: two hard-attention heads (head `h` reads the code of `nb h j` as query, the own
  code as key, and copies dim 0 into scratch dim `1 + h`) and a linear FFN.
* `IsRoutingCode`: what a position code needs for hard attention to route exactly; `oneHot` and
  `binCode` (±1 bits, `n ≤ 2 ^ B`) are routing codes.

## Main statements

* `gather` (AND): after the attention block, token `j` holds `l (nb 0 j)` in dim 1 and
  `l (nb 1 j)` in dim 2.
* `ffn_or` (OR): the FFN writes `g 1 + g 2` into dim 0, clears the scratch dims, keeps the codes.
* `explicitLayer_encode`, `explicitLayer_iterate`: one layer (resp. `T` layers) map the encoded
  state to the encoded oplus-BP step (resp. `T` steps), in log-odds.
* `decode_iterate`: decoded beliefs `σ(dim 0)` after `T` layers are `T` rounds of the paper's
  `b_j ← b_{nb 0 j} ⊕ b_{nb 1 j}`.
* `exists_layer_oneHot`, `exists_layer_binary` and their `decode` forms: `∃ W, ∀ nb T state`.

## Implementation notes

The residual stream carries log-odds, not probabilities; `σ` is only the decoder. Then the OR
update is linear and exact. Routing uses codes whose dot products really peak at the matching
index (the paper's scalar indices peak at the largest index instead). Dimension indices are
handled as natural numbers (`tok`), so that the block arithmetic is `omega`'s business.

## References

* Coppola, *Transformers are Bayesian Networks*, arXiv 2603.17063, 2026, the
  BP-equivalence theorem (constructive half) and its AND/OR reading.
-/

namespace TBN.Construction

open Finset TBN.Transformer

section Families

variable {R : Type*} [Zero R] [One R]

/-- `projectDim D i j`: the `D × D` matrix with a single 1 at row `j`, column `i`: it reads dim
`i` and writes dim `j`. -/
def projectDim (D i j : ℕ) : Matrix (Fin D) (Fin D) R :=
  Matrix.of fun r c => if (r : ℕ) = j ∧ (c : ℕ) = i then 1 else 0

/-- `crossProject D B src dst`: ones at row `dst + b`, column `src + b` for `b < B`; it copies the
block `[src, src + B)` onto `[dst, dst + B)`. -/
def crossProject (D B src dst : ℕ) : Matrix (Fin D) (Fin D) R :=
  Matrix.of fun r c =>
    if dst ≤ (r : ℕ) ∧ (r : ℕ) < dst + B ∧ (c : ℕ) = (r : ℕ) - dst + src then 1 else 0

/-- Entries of `projectDim`. -/
private theorem projectDim_apply (D i j : ℕ) (r c : Fin D) :
    (projectDim D i j : Matrix (Fin D) (Fin D) R) r c =
      if (r : ℕ) = j ∧ (c : ℕ) = i then 1 else 0 := rfl

/-- Entries of `crossProject`. -/
private theorem crossProject_apply (D B src dst : ℕ) (r c : Fin D) :
    (crossProject D B src dst : Matrix (Fin D) (Fin D) R) r c =
      if dst ≤ (r : ℕ) ∧ (r : ℕ) < dst + B ∧ (c : ℕ) = (r : ℕ) - dst + src then 1 else 0 := rfl

end Families

noncomputable section

/-- Summing against the indicator of one in-range coordinate picks that coordinate. -/
private theorem sum_indicator_mul {D m : ℕ} (f : ℕ → ℝ) (hm : m < D) :
    ∑ c : Fin D, (if (c : ℕ) = m then (1 : ℝ) else 0) * f c = f m := by
  rw [Finset.sum_eq_single (⟨m, hm⟩ : Fin D)]
  · simp
  · intro b _ hb
    have hbm : (b : ℕ) ≠ m := fun h => hb (Fin.ext h)
    simp [hbm]
  · intro h
    exact absurd (Finset.mem_univ _) h

/-- `projectDim D i j` applied to a vector reads coordinate `i` into coordinate `j`. -/
theorem mv_projectDim {D i : ℕ} (j : ℕ) (hi : i < D) (x : Fin D → ℝ) (f : ℕ → ℝ)
    (hx : ∀ c : Fin D, x c = f c) (r : Fin D) :
    mv (projectDim D i j) x r = if (r : ℕ) = j then f i else 0 := by
  unfold mv
  first
    | (simp only [projectDim_apply, hx]
       by_cases hr : (r : ℕ) = j
       · have key : ∀ c : Fin D, (if (r : ℕ) = j ∧ (c : ℕ) = i then (1 : ℝ) else 0) * f c
             = (if (c : ℕ) = i then (1 : ℝ) else 0) * f c := fun c => by
           by_cases hc : (c : ℕ) = i
           · rw [if_pos (And.intro hr hc), if_pos hc]
           · rw [if_neg (show ¬ ((r : ℕ) = j ∧ (c : ℕ) = i) from fun h => hc h.2), if_neg hc]
         simp only [key]
         rw [if_pos hr]
         exact sum_indicator_mul f hi
       · rw [if_neg hr]
         apply Finset.sum_eq_zero
         intro c _
         rw [if_neg (show ¬ ((r : ℕ) = j ∧ (c : ℕ) = i) from fun h => hr h.1), zero_mul])
    | (by_cases hr : (r : ℕ) = j
       · rw [if_pos hr, Finset.sum_eq_single (⟨i, hi⟩ : Fin D)]
         · simp [projectDim_apply, hr, hx]
         · intro b _ hb
           have hbi : (b : ℕ) ≠ i := fun h => hb (Fin.ext h)
           simp [projectDim_apply, hbi]
         · intro h
           exact absurd (Finset.mem_univ _) h
       · rw [if_neg hr]
         apply Finset.sum_eq_zero
         intro c _
         simp [projectDim_apply, hr])

/-- `crossProject D B src dst` applied to a vector copies the block at `src` onto `dst`. -/
theorem mv_crossProject {D B src : ℕ} (dst : ℕ) (hsrc : src + B ≤ D) (x : Fin D → ℝ)
    (f : ℕ → ℝ) (hx : ∀ c : Fin D, x c = f c) (r : Fin D) :
    mv (crossProject D B src dst) x r =
      if dst ≤ (r : ℕ) ∧ (r : ℕ) < dst + B then f ((r : ℕ) - dst + src) else 0 := by
  unfold mv
  first
    | (simp only [crossProject_apply, hx]
       by_cases hr : dst ≤ (r : ℕ) ∧ (r : ℕ) < dst + B
       · have hm : (r : ℕ) - dst + src < D := by
           have h1 := hr.1
           have h2 := hr.2
           omega
         have key : ∀ c : Fin D,
             (if dst ≤ (r : ℕ) ∧ (r : ℕ) < dst + B ∧ (c : ℕ) = (r : ℕ) - dst + src then (1 : ℝ)
               else 0) * f c = (if (c : ℕ) = (r : ℕ) - dst + src then (1 : ℝ) else 0) * f c :=
           fun c => by
             by_cases hc : (c : ℕ) = (r : ℕ) - dst + src
             · rw [if_pos (And.intro hr.1 (And.intro hr.2 hc)), if_pos hc]
             · rw [if_neg (show ¬ (dst ≤ (r : ℕ) ∧ (r : ℕ) < dst + B ∧
                   (c : ℕ) = (r : ℕ) - dst + src) from fun h => hc h.2.2), if_neg hc]
         simp only [key]
         rw [if_pos hr]
         exact sum_indicator_mul f hm
       · rw [if_neg hr]
         apply Finset.sum_eq_zero
         intro c _
         have hc : ¬ (dst ≤ (r : ℕ) ∧ (r : ℕ) < dst + B ∧ (c : ℕ) = (r : ℕ) - dst + src) :=
           fun h => hr ⟨h.1, h.2.1⟩
         rw [if_neg hc, zero_mul])
    | (by_cases hr : dst ≤ (r : ℕ) ∧ (r : ℕ) < dst + B
       · have hm : (r : ℕ) - dst + src < D := by
           have h1 := hr.1
           have h2 := hr.2
           omega
         rw [if_pos hr, Finset.sum_eq_single (⟨(r : ℕ) - dst + src, hm⟩ : Fin D)]
         · first
             | (rw [crossProject_apply, hx, if_pos (And.intro hr.1 (And.intro hr.2 rfl)), one_mul]
                done)
             | (rw [crossProject_apply, hx, if_pos (And.intro hr.1 (And.intro hr.2 rfl)), one_mul]
                rfl)
             | simp [crossProject_apply, hx, hr]
         · intro b _ hb
           have hbi : ¬ ((b : ℕ) = (r : ℕ) - dst + src) := fun h => hb (Fin.ext h)
           rw [crossProject_apply,
             if_neg (show ¬ (dst ≤ (r : ℕ) ∧ (r : ℕ) < dst + B ∧
               (b : ℕ) = (r : ℕ) - dst + src) from fun h => hbi h.2.2), zero_mul]
         · intro h
           exact absurd (Finset.mem_univ _) h
       · rw [if_neg hr]
         apply Finset.sum_eq_zero
         intro c _
         have hc : ¬ (dst ≤ (r : ℕ) ∧ (r : ℕ) < dst + B ∧ (c : ℕ) = (r : ℕ) - dst + src) :=
           fun h => hr ⟨h.1, h.2.1⟩
         rw [crossProject_apply, if_neg hc, zero_mul])

/-- The identity matrix acts as the identity. -/
private theorem mv_one {E : ℕ} (u : Fin E → ℝ) (r : Fin E) :
    mv (1 : Matrix (Fin E) (Fin E) ℝ) u r = u r := by
  unfold mv
  rw [Finset.sum_eq_single r]
  · rw [Matrix.one_apply_eq, one_mul]
  · intro b _ hb
    rw [Matrix.one_apply_ne (Ne.symm hb), zero_mul]
  · intro h
    exact absurd (Finset.mem_univ r) h

/-- The matrix-vector product is additive in the matrix. -/
theorem mv_add {E : ℕ} (A A' : Matrix (Fin E) (Fin E) ℝ) (x : Fin E → ℝ) (r : Fin E) :
    mv (A + A') x r = mv A x r + mv A' x r := by
  unfold mv
  rw [← Finset.sum_add_distrib]
  apply Finset.sum_congr rfl
  intro c _
  rw [Matrix.add_apply, add_mul]

/-- The matrix-vector product is subtractive in the matrix. -/
private theorem mv_sub {E : ℕ} (A A' : Matrix (Fin E) (Fin E) ℝ) (x : Fin E → ℝ) (r : Fin E) :
    mv (A - A') x r = mv A x r - mv A' x r := by
  unfold mv
  rw [← Finset.sum_sub_distrib]
  apply Finset.sum_congr rfl
  intro c _
  rw [Matrix.sub_apply, sub_mul]

/-- A position code fit for exact hard-attention routing among `n` indices at width `B`: coordinate
by coordinate an index matches itself at least as well as any other index, and strictly better at
some coordinate. -/
structure IsRoutingCode (code : ℕ → ℕ → ℝ) (n B : ℕ) : Prop where
  /-- self-match dominates coordinatewise -/
  le : ∀ x y b, x < n → y < n → b < B → code x b * code y b ≤ code x b * code x b
  /-- and strictly at some coordinate for distinct indices -/
  lt : ∀ x y, x < n → y < n → x ≠ y → ∃ b, b < B ∧ code x b * code y b < code x b * code x b

/-- One-hot code: coordinate `b` of index `k` is 1 if `b = k`, else 0 (width `B = n`). -/
def oneHot (k b : ℕ) : ℝ := if k = b then 1 else 0

/-- Binary ±1 code: coordinate `b` of index `k` is `+1` if bit `b` of `k` is set, else `-1`. -/
def binCode (k b : ℕ) : ℝ := if k.testBit b then 1 else -1

/-- One-hot codes route exactly (score 1 at the match, 0 elsewhere). -/
theorem oneHot_isRoutingCode (n : ℕ) : IsRoutingCode oneHot n n :=
  ⟨fun x y b _ _ _ => by
    unfold oneHot
    by_cases hx : x = b <;> by_cases hy : y = b <;> simp [hx, hy],
   fun x y hx _ hxy => ⟨x, hx, by
    unfold oneHot
    simp [hxy, Ne.symm hxy]⟩⟩

/-- Two distinct numbers below `2 ^ B` differ in one of their first `B` bits. -/
private theorem exists_testBit_ne {x y B : ℕ} (hx : x < 2 ^ B) (hy : y < 2 ^ B) (hxy : x ≠ y) :
    ∃ b, b < B ∧ x.testBit b ≠ y.testBit b := by
  by_contra h
  apply hxy
  apply Nat.eq_of_testBit_eq
  intro i
  by_cases hi : i < B
  · by_contra hne
    exact h ⟨i, hi, hne⟩
  · have hBi : B ≤ i := by omega
    have hle : 2 ^ B ≤ 2 ^ i := Nat.pow_le_pow_right (by norm_num) hBi
    rw [Nat.testBit_lt_two_pow (lt_of_lt_of_le hx hle),
      Nat.testBit_lt_two_pow (lt_of_lt_of_le hy hle)]

/-- Binary ±1 codes route exactly when `n ≤ 2 ^ B` (dot product `B` at the match, at most `B - 2`
elsewhere). -/
theorem binCode_isRoutingCode {n B : ℕ} (hn : n ≤ 2 ^ B) : IsRoutingCode binCode n B :=
  ⟨fun x y b _ _ _ => by
    unfold binCode
    split_ifs <;> norm_num,
   fun x y hx hy hxy => by
    obtain ⟨b, hb, hne⟩ :=
      exists_testBit_ne (lt_of_lt_of_le hx hn) (lt_of_lt_of_le hy hn) hxy
    refine ⟨b, hb, ?_⟩
    unfold binCode
    cases h1 : x.testBit b <;> cases h2 : y.testBit b
    · exact absurd (h1.trans h2.symm) hne
    · norm_num
    · norm_num
    · exact absurd (h1.trans h2.symm) hne⟩

/-- A position code with score gap `Δ` among `n` indices at width `B`: coordinate by coordinate an
index matches itself at least as well as any other index, and better by at least `Δ` at some
coordinate. Then every wrong key scores at least `Δ` below the right one, which is what softmax
attention needs (`TBN.Softmax.softmax_top_ge`). -/
structure IsGapCode (code : ℕ → ℕ → ℝ) (n B : ℕ) (Δ : ℝ) : Prop where
  /-- self-match dominates coordinatewise -/
  le : ∀ x y b, x < n → y < n → b < B → code x b * code y b ≤ code x b * code x b
  /-- and by at least `Δ` at some coordinate for distinct indices -/
  gap : ∀ x y, x < n → y < n → x ≠ y →
    ∃ b, b < B ∧ code x b * code y b + Δ ≤ code x b * code x b

/-- One-hot codes have score gap 1. -/
theorem oneHot_isGapCode (n : ℕ) : IsGapCode oneHot n n 1 :=
  ⟨(oneHot_isRoutingCode n).le, fun x y hx _ hxy => ⟨x, hx, by
    unfold oneHot
    simp [hxy, Ne.symm hxy]⟩⟩

/-- Binary ±1 codes have score gap 2 when `n ≤ 2 ^ B`. -/
theorem binCode_isGapCode {n B : ℕ} (hn : n ≤ 2 ^ B) : IsGapCode binCode n B 2 :=
  ⟨(binCode_isRoutingCode hn).le, fun x y hx hy hxy => by
    obtain ⟨b, hb, hne⟩ :=
      exists_testBit_ne (lt_of_lt_of_le hx hn) (lt_of_lt_of_le hy hn) hxy
    refine ⟨b, hb, ?_⟩
    unfold binCode
    cases h1 : x.testBit b <;> cases h2 : y.testBit b
    · exact absurd (h1.trans h2.symm) hne
    · norm_num
    · norm_num
    · exact absurd (h1.trans h2.symm) hne⟩

section Encoding

variable {n : ℕ}

/-- The code part of token `j`'s stream at dimension `d ≥ 3`: own code, then the code of `nb 0 j`,
then the code of `nb 1 j`, each of width `B`. -/
def codeAt (code : ℕ → ℕ → ℝ) (B : ℕ) (nb : Fin 2 → Fin n → Fin n) (j : Fin n) (d : ℕ) : ℝ :=
  if d < 3 + B then code j (d - 3)
  else if d < 3 + 2 * B then code (nb 0 j) (d - (3 + B))
  else code (nb 1 j) (d - (3 + 2 * B))

/-- Token `j`'s residual stream as a function of the dimension index: log-odds `l j` in dim 0,
zero scratch in dims 1 and 2, codes from dim 3 on. -/
def tok (code : ℕ → ℕ → ℝ) (B : ℕ) (nb : Fin 2 → Fin n → Fin n) (l : Fin n → ℝ) (j : Fin n)
    (d : ℕ) : ℝ :=
  if d = 0 then l j else if d < 3 then 0 else codeAt code B nb j d

/-- The encoded state: `n` tokens of width `D = 3 + 3B` (docs/ARCHITECTURE.md, section 2). -/
def encode (code : ℕ → ℕ → ℝ) (B : ℕ) (nb : Fin 2 → Fin n → Fin n) (l : Fin n → ℝ) (j : Fin n)
    (d : Fin (3 + 3 * B)) : ℝ :=
  tok code B nb l j d

/-- One oplus-BP round in log-odds: `l_j ← l_{nb 0 j} + l_{nb 1 j}`. -/
def bpStepLogOdds (nb : Fin 2 → Fin n → Fin n) (l : Fin n → ℝ) (j : Fin n) : ℝ :=
  l (nb 0 j) + l (nb 1 j)

/-- One round of the paper's oplus-BP on beliefs: `b_j ← b_{nb 0 j} ⊕ b_{nb 1 j}`. -/
def oplusStep (nb : Fin 2 → Fin n → Fin n) (p : Fin n → ℝ) (j : Fin n) : ℝ :=
  LogOdds.oplus (p (nb 0 j)) (p (nb 1 j))

/-- What the attention block leaves in token `j`: its stream plus the two gathered log-odds in the
scratch dims. -/
def gathered (code : ℕ → ℕ → ℝ) (B : ℕ) (nb : Fin 2 → Fin n → Fin n) (l : Fin n → ℝ)
    (j : Fin n) (d : ℕ) : ℝ :=
  tok code B nb l j d + ((if d = 1 then l (nb 0 j) else 0) + (if d = 2 then l (nb 1 j) else 0))

variable {code : ℕ → ℕ → ℝ} {B : ℕ} {nb : Fin 2 → Fin n → Fin n}

/-- Dim 0 holds the log-odds. -/
private theorem tok_zero (l : Fin n → ℝ) (j : Fin n) : tok code B nb l j 0 = l j := by
  show (if (0 : ℕ) = 0 then l j else if (0 : ℕ) < 3 then 0 else codeAt code B nb j 0) = l j
  exact if_pos rfl

private theorem tok_one (l : Fin n → ℝ) (j : Fin n) : tok code B nb l j 1 = 0 := by
  show (if (1 : ℕ) = 0 then l j else if (1 : ℕ) < 3 then 0 else codeAt code B nb j 1) = 0
  rw [if_neg (show ¬ ((1 : ℕ) = 0) by decide), if_pos (show (1 : ℕ) < 3 by decide)]

private theorem tok_two (l : Fin n → ℝ) (j : Fin n) : tok code B nb l j 2 = 0 := by
  show (if (2 : ℕ) = 0 then l j else if (2 : ℕ) < 3 then 0 else codeAt code B nb j 2) = 0
  rw [if_neg (show ¬ ((2 : ℕ) = 0) by decide), if_pos (show (2 : ℕ) < 3 by decide)]

private theorem tok_code (l : Fin n → ℝ) (j : Fin n) {d : ℕ} (hd : 3 ≤ d) :
    tok code B nb l j d = codeAt code B nb j d := by
  unfold tok
  rw [if_neg (show ¬ (d = 0) by omega), if_neg (show ¬ (d < 3) by omega)]

private theorem codeAt_own (j : Fin n) {d : ℕ} (h : d < 3 + B) :
    codeAt code B nb j d = code j (d - 3) := by
  unfold codeAt
  rw [if_pos h]

private theorem codeAt_nb0 (j : Fin n) {d : ℕ} (h1 : 3 + B ≤ d) (h2 : d < 3 + 2 * B) :
    codeAt code B nb j d = code (nb 0 j) (d - (3 + B)) := by
  unfold codeAt
  rw [if_neg (show ¬ (d < 3 + B) by omega), if_pos h2]

private theorem codeAt_nb1 (j : Fin n) {d : ℕ} (h1 : 3 + 2 * B ≤ d) :
    codeAt code B nb j d = code (nb 1 j) (d - (3 + 2 * B)) := by
  unfold codeAt
  rw [if_neg (show ¬ (d < 3 + B) by omega), if_neg (show ¬ (d < 3 + 2 * B) by omega)]

private theorem tok_query0 (l : Fin n → ℝ) (j : Fin n) {r : ℕ} (h3 : 3 ≤ r) (hr : r < 3 + B) :
    tok code B nb l j (r - 3 + (3 + B)) = code (nb 0 j) (r - 3) := by
  rw [tok_code l j (show 3 ≤ r - 3 + (3 + B) by omega),
    codeAt_nb0 j (show 3 + B ≤ r - 3 + (3 + B) by omega)
      (show r - 3 + (3 + B) < 3 + 2 * B by omega),
    show r - 3 + (3 + B) - (3 + B) = r - 3 by omega]

private theorem tok_query1 (l : Fin n → ℝ) (j : Fin n) {r : ℕ} (h3 : 3 ≤ r) (hr : r < 3 + B) :
    tok code B nb l j (r - 3 + (3 + 2 * B)) = code (nb 1 j) (r - 3) := by
  rw [tok_code l j (show 3 ≤ r - 3 + (3 + 2 * B) by omega),
    codeAt_nb1 j (show 3 + 2 * B ≤ r - 3 + (3 + 2 * B) by omega),
    show r - 3 + (3 + 2 * B) - (3 + 2 * B) = r - 3 by omega]

private theorem tok_key (l : Fin n → ℝ) (k : Fin n) {r : ℕ} (h3 : 3 ≤ r) (hr : r < 3 + B) :
    tok code B nb l k (r - 3 + 3) = code k (r - 3) := by
  rw [tok_code l k (show 3 ≤ r - 3 + 3 by omega), codeAt_own k (show r - 3 + 3 < 3 + B by omega),
    show r - 3 + 3 - 3 = r - 3 by omega]

end Encoding

/-- The routing head: query reads the code block at `off` (a source's code), key reads the own
code, value copies dim 0 into dim `tgt`. -/
def routeHead (B off tgt : ℕ) : Head (3 + 3 * B) :=
  ⟨crossProject (3 + 3 * B) B off 3, crossProject (3 + 3 * B) B 3 3, projectDim (3 + 3 * B) 0 tgt⟩

/-- The two heads of the explicit layer: head 0 gathers from `nb 0` into dim 1, head 1 from
`nb 1` into dim 2. -/
def explicitHeads (B : ℕ) : Fin 2 → Head (3 + 3 * B) :=
  fun h => if h = 0 then routeHead B (3 + B) 1 else routeHead B (3 + 2 * B) 2

/-- The FFN's first matrix: dim 0 ← dim 1 + dim 2 - dim 0, scratch dims ← minus themselves. -/
def orW1 (D : ℕ) : Matrix (Fin D) (Fin D) ℝ :=
  projectDim (R := ℝ) D 1 0 + projectDim (R := ℝ) D 2 0 - projectDim (R := ℝ) D 0 0 -
    projectDim (R := ℝ) D 1 1 - projectDim (R := ℝ) D 2 2

/-- The linear FFN of the explicit layer: `x + 1 · (W1 x)`. -/
def explicitFFN (B : ℕ) : FFN (3 + 3 * B) (3 + 3 * B) where
  act := Act.linear
  W1 := orW1 (3 + 3 * B)
  b1 := fun _ => 0
  W2 := 1
  b2 := fun _ => 0

/-- The explicit layer: its weights depend on the code width `B` only. -/
def explicitLayer (B : ℕ) : Layer 2 (3 + 3 * B) (3 + 3 * B) where
  attn := Attention.hard
  heads := explicitHeads B
  ffn := explicitFFN B

private theorem explicitHeads_zero (B : ℕ) : explicitHeads B 0 = routeHead B (3 + B) 1 := by
  show (if (0 : Fin 2) = 0 then routeHead B (3 + B) 1 else routeHead B (3 + 2 * B) 2) = _
  exact if_pos rfl

private theorem explicitHeads_one (B : ℕ) : explicitHeads B 1 = routeHead B (3 + 2 * B) 2 := by
  have h : ¬ ((1 : Fin 2) = 0) := by decide
  show (if (1 : Fin 2) = 0 then routeHead B (3 + B) 1 else routeHead B (3 + 2 * B) 2) = _
  exact if_neg h

private theorem explicitHeads_V0 (B : ℕ) :
    (explicitHeads B 0).V = projectDim (3 + 3 * B) 0 1 :=
  (congrArg Head.V (explicitHeads_zero B)).trans rfl

private theorem explicitHeads_V1 (B : ℕ) :
    (explicitHeads B 1).V = projectDim (3 + 3 * B) 0 2 :=
  (congrArg Head.V (explicitHeads_one B)).trans rfl

/-- The explicit layer's heads and FFN with any attention kind `a`; `explicitLayer B` is the hard
case. With `a = softmax λ` this is the construction at a finite temperature. -/
def layerWith (a : Attention) (B : ℕ) : Layer 2 (3 + 3 * B) (3 + 3 * B) where
  attn := a
  heads := explicitHeads B
  ffn := explicitFFN B

/-- What head `h` of the explicit heads gathers at token `j` under attention kind `a`:
`∑ k, α_hjk l_k` (exactly `l (nb h j)` under hard attention with a routing code; a weighted
average under softmax). -/
def headGather {n : ℕ} (a : Attention) (code : ℕ → ℕ → ℝ) (B : ℕ) (nb : Fin 2 → Fin n → Fin n)
    (l : Fin n → ℝ) (h : Fin 2) (j : Fin n) : ℝ :=
  ∑ k, attnWeights a (explicitHeads B h) (encode code B nb l) j k * l k

/-- One layer of the explicit construction with attention kind `a`, on log-odds:
`l_j ← ∑ k, α_0jk l_k + ∑ k, α_1jk l_k`. -/
def softStep {n : ℕ} (a : Attention) (code : ℕ → ℕ → ℝ) (B : ℕ) (nb : Fin 2 → Fin n → Fin n)
    (l : Fin n → ℝ) (j : Fin n) : ℝ :=
  headGather a code B nb l 0 j + headGather a code B nb l 1 j

private def gatheredAny {n : ℕ} (a : Attention) (code : ℕ → ℕ → ℝ) (B : ℕ)
    (nb : Fin 2 → Fin n → Fin n) (l : Fin n → ℝ) (j : Fin n) (d : ℕ) : ℝ :=
  tok code B nb l j d + ((if d = 1 then headGather a code B nb l 0 j else 0)
    + (if d = 2 then headGather a code B nb l 1 j else 0))

section Layer

variable {n : ℕ} {code : ℕ → ℕ → ℝ} {B : ℕ} {nb : Fin 2 → Fin n → Fin n}

private theorem score_term (l : Fin n → ℝ) {off tgt : ℕ} (hoff : off + B ≤ 3 + 3 * B)
    (m : Fin n → Fin n)
    (hq : ∀ (j : Fin n) (r : ℕ), 3 ≤ r → r < 3 + B →
      tok code B nb l j (r - 3 + off) = code (m j) (r - 3))
    (j k : Fin n) (d : Fin (3 + 3 * B)) :
    mv (routeHead B off tgt).Q (encode code B nb l j) d
        * mv (routeHead B off tgt).K (encode code B nb l k) d
      = if 3 ≤ (d : ℕ) ∧ (d : ℕ) < 3 + B then code (m j) ((d : ℕ) - 3) * code k ((d : ℕ) - 3)
        else 0 := by
  show mv (crossProject (3 + 3 * B) B off 3) (encode code B nb l j) d
      * mv (crossProject (3 + 3 * B) B 3 3) (encode code B nb l k) d = _
  rw [mv_crossProject 3 hoff (encode code B nb l j) (tok code B nb l j) (fun c => rfl),
    mv_crossProject 3 (show 3 + B ≤ 3 + 3 * B by omega) (encode code B nb l k)
      (tok code B nb l k) (fun c => rfl)]
  by_cases hd : 3 ≤ (d : ℕ) ∧ (d : ℕ) < 3 + B
  · rw [if_pos hd, if_pos hd, if_pos hd, hq j d hd.1 hd.2, tok_key l k hd.1 hd.2]
  · simp only [if_neg hd, zero_mul]

private theorem score_routeHead (l : Fin n → ℝ) {off tgt : ℕ} (hoff : off + B ≤ 3 + 3 * B)
    (m : Fin n → Fin n)
    (hq : ∀ (j : Fin n) (r : ℕ), 3 ≤ r → r < 3 + B →
      tok code B nb l j (r - 3 + off) = code (m j) (r - 3))
    (j k : Fin n) :
    score (routeHead B off tgt) (encode code B nb l) j k
      = ∑ d : Fin (3 + 3 * B), if 3 ≤ (d : ℕ) ∧ (d : ℕ) < 3 + B then
          code (m j) ((d : ℕ) - 3) * code k ((d : ℕ) - 3) else 0 := by
  unfold score
  exact Finset.sum_congr rfl (fun d _ => score_term l hoff m hq j k d)

private theorem score_lt (hc : IsRoutingCode code n B) (l : Fin n → ℝ) {off tgt : ℕ}
    (hoff : off + B ≤ 3 + 3 * B) (m : Fin n → Fin n)
    (hq : ∀ (j : Fin n) (r : ℕ), 3 ≤ r → r < 3 + B →
      tok code B nb l j (r - 3 + off) = code (m j) (r - 3))
    (j k : Fin n) (hk : k ≠ m j) :
    score (routeHead B off tgt) (encode code B nb l) j k
      < score (routeHead B off tgt) (encode code B nb l) j (m j) := by
  rw [score_routeHead l hoff m hq j k, score_routeHead l hoff m hq j (m j)]
  apply Finset.sum_lt_sum
  · intro d _
    by_cases hd : 3 ≤ (d : ℕ) ∧ (d : ℕ) < 3 + B
    · simp only [if_pos hd]
      have hd1 := hd.1
      have hd2 := hd.2
      exact hc.le (m j) k ((d : ℕ) - 3) (m j).2 k.2 (by omega)
    · simp only [if_neg hd, le_refl]
  · obtain ⟨b, hb, hlt⟩ := hc.lt (m j) k (m j).2 k.2 (fun h => hk (Fin.ext h).symm)
    refine ⟨⟨3 + b, by omega⟩, Finset.mem_univ _, ?_⟩
    have hd : 3 ≤ 3 + b ∧ 3 + b < 3 + B := ⟨by omega, by omega⟩
    show (if 3 ≤ 3 + b ∧ 3 + b < 3 + B then code (m j) (3 + b - 3) * code k (3 + b - 3) else 0)
      < (if 3 ≤ 3 + b ∧ 3 + b < 3 + B then code (m j) (3 + b - 3) * code (m j) (3 + b - 3)
          else 0)
    rw [if_pos hd, if_pos hd, show 3 + b - 3 = b by omega]
    exact hlt

private theorem score_gap {Δ : ℝ} (hc : IsGapCode code n B Δ) (l : Fin n → ℝ) {off tgt : ℕ}
    (hoff : off + B ≤ 3 + 3 * B) (m : Fin n → Fin n)
    (hq : ∀ (j : Fin n) (r : ℕ), 3 ≤ r → r < 3 + B →
      tok code B nb l j (r - 3 + off) = code (m j) (r - 3))
    (j k : Fin n) (hk : k ≠ m j) :
    score (routeHead B off tgt) (encode code B nb l) j k + Δ
      ≤ score (routeHead B off tgt) (encode code B nb l) j (m j) := by
  rw [score_routeHead l hoff m hq j k, score_routeHead l hoff m hq j (m j)]
  obtain ⟨b, hb, hlt⟩ := hc.gap (m j) k (m j).2 k.2 (fun h => hk (Fin.ext h).symm)
  have hb3 : 3 + b < 3 + 3 * B := by omega
  calc (∑ d : Fin (3 + 3 * B), if 3 ≤ (d : ℕ) ∧ (d : ℕ) < 3 + B then
          code (m j) ((d : ℕ) - 3) * code k ((d : ℕ) - 3) else 0) + Δ
      = ∑ d : Fin (3 + 3 * B), ((if 3 ≤ (d : ℕ) ∧ (d : ℕ) < 3 + B then
          code (m j) ((d : ℕ) - 3) * code k ((d : ℕ) - 3) else 0)
          + if d = ⟨3 + b, hb3⟩ then Δ else 0) := by
        first
          | (rw [Finset.sum_add_distrib, Finset.sum_ite_eq', if_pos (Finset.mem_univ _)]; done)
          | (rw [Finset.sum_add_distrib, Finset.sum_ite_eq',
              if_pos (Finset.mem_univ (⟨3 + b, hb3⟩ : Fin (3 + 3 * B)))]; done)
          | (rw [Finset.sum_add_distrib]
             simp only [Finset.sum_ite_eq', Finset.mem_univ, ↓reduceIte]
             done)
          | (rw [Finset.sum_add_distrib]
             simp)
    _ ≤ ∑ d : Fin (3 + 3 * B), if 3 ≤ (d : ℕ) ∧ (d : ℕ) < 3 + B then
          code (m j) ((d : ℕ) - 3) * code (m j) ((d : ℕ) - 3) else 0 := by
        apply Finset.sum_le_sum
        intro d _
        by_cases hdd : d = ⟨3 + b, hb3⟩
        · subst hdd
          have hd : 3 ≤ 3 + b ∧ 3 + b < 3 + B := ⟨by omega, by omega⟩
          show (if 3 ≤ 3 + b ∧ 3 + b < 3 + B then code (m j) (3 + b - 3) * code k (3 + b - 3)
              else 0) + (if (⟨3 + b, hb3⟩ : Fin (3 + 3 * B)) = ⟨3 + b, hb3⟩ then Δ else 0)
            ≤ (if 3 ≤ 3 + b ∧ 3 + b < 3 + B then
                code (m j) (3 + b - 3) * code (m j) (3 + b - 3) else 0)
          rw [if_pos hd, if_pos hd,
            if_pos (rfl : (⟨3 + b, hb3⟩ : Fin (3 + 3 * B)) = ⟨3 + b, hb3⟩),
            show 3 + b - 3 = b by omega]
          exact hlt
        · rw [if_neg hdd, add_zero]
          by_cases hd : 3 ≤ (d : ℕ) ∧ (d : ℕ) < 3 + B
          · rw [if_pos hd, if_pos hd]
            have hd1 := hd.1
            have hd2 := hd.2
            exact hc.le (m j) k ((d : ℕ) - 3) (m j).2 k.2 (by omega)
          · simp only [if_neg hd, le_refl]

private theorem head_out (hc : IsRoutingCode code n B) (l : Fin n → ℝ) {off tgt : ℕ}
    (hoff : off + B ≤ 3 + 3 * B) (m : Fin n → Fin n)
    (hq : ∀ (j : Fin n) (r : ℕ), 3 ≤ r → r < 3 + B →
      tok code B nb l j (r - 3 + off) = code (m j) (r - 3))
    (j : Fin n) (d : Fin (3 + 3 * B)) :
    ∑ k, attnWeights Attention.hard (routeHead B off tgt) (encode code B nb l) j k
        * mv (routeHead B off tgt).V (encode code B nb l k) d
      = if (d : ℕ) = tgt then l (m j) else 0 := by
  have hsum := sum_hardWeights_mul (s := score (routeHead B off tgt) (encode code B nb l) j)
    (fun k hk => score_lt hc l hoff m hq j k hk)
    (fun k => mv (routeHead B off tgt).V (encode code B nb l k) d)
  refine hsum.trans ?_
  show mv (projectDim (3 + 3 * B) 0 tgt) (encode code B nb l (m j)) d = _
  rw [mv_projectDim tgt (show 0 < 3 + 3 * B by omega) (encode code B nb l (m j))
    (tok code B nb l (m j)) (fun c => rfl), tok_zero]

/-- The attention block of the explicit layer on an encoded state: token `j` keeps its stream
and receives `l (nb 0 j)` in dim 1 and `l (nb 1 j)` in dim 2. -/
private theorem attend_explicit (hc : IsRoutingCode code n B) (l : Fin n → ℝ) (j : Fin n)
    (d : Fin (3 + 3 * B)) :
    attend Attention.hard (explicitHeads B) (encode code B nb l) j d = gathered code B nb l j d := by
  unfold attend
  rw [Fin.sum_univ_two, explicitHeads_zero, explicitHeads_one,
    head_out hc l (show 3 + B + B ≤ 3 + 3 * B by omega) (nb 0)
      (fun j' _ h1 h2 => tok_query0 l j' h1 h2) j d,
    head_out hc l (show 3 + 2 * B + B ≤ 3 + 3 * B by omega) (nb 1)
      (fun j' _ h1 h2 => tok_query1 l j' h1 h2) j d]
  rfl

private theorem gathered_one (l : Fin n → ℝ) (j : Fin n) :
    gathered code B nb l j 1 = l (nb 0 j) := by
  show tok code B nb l j 1 + ((if (1 : ℕ) = 1 then l (nb 0 j) else 0)
    + (if (1 : ℕ) = 2 then l (nb 1 j) else 0)) = _
  rw [tok_one, if_pos (rfl : (1 : ℕ) = 1), if_neg (show ¬ ((1 : ℕ) = 2) by decide)]
  simp only [zero_add, add_zero]

private theorem gathered_two (l : Fin n → ℝ) (j : Fin n) :
    gathered code B nb l j 2 = l (nb 1 j) := by
  show tok code B nb l j 2 + ((if (2 : ℕ) = 1 then l (nb 0 j) else 0)
    + (if (2 : ℕ) = 2 then l (nb 1 j) else 0)) = _
  rw [tok_two, if_neg (show ¬ ((2 : ℕ) = 1) by decide), if_pos (rfl : (2 : ℕ) = 2)]
  simp only [zero_add]

private theorem gathered_code (l : Fin n → ℝ) (j : Fin n) {d : ℕ} (hd : 3 ≤ d) :
    gathered code B nb l j d = codeAt code B nb j d := by
  unfold gathered
  rw [tok_code l j hd, if_neg (show ¬ (d = 1) by omega), if_neg (show ¬ (d = 2) by omega)]
  simp only [add_zero]

/-- AND (the gather lemma): after both heads, token `j` holds both sources' log-odds in its
scratch dims 1 and 2 (Coppola, BP equivalence: attention is the AND that collects evidence). -/
theorem gather (hc : IsRoutingCode code n B) (l : Fin n → ℝ) (j : Fin n)
    (d₁ d₂ : Fin (3 + 3 * B)) (h1 : (d₁ : ℕ) = 1) (h2 : (d₂ : ℕ) = 2) :
    attend Attention.hard (explicitHeads B) (encode code B nb l) j d₁ = l (nb 0 j) ∧
      attend Attention.hard (explicitHeads B) (encode code B nb l) j d₂ = l (nb 1 j) := by
  rw [attend_explicit hc l j d₁, attend_explicit hc l j d₂, h1, h2]
  exact ⟨gathered_one l j, gathered_two l j⟩

private theorem ffn_explicit_apply (g : ℕ → ℝ) (d : Fin (3 + 3 * B)) :
    (explicitFFN B).apply (fun c => g c) d =
      g d + ((if (d : ℕ) = 0 then g 1 else 0) + (if (d : ℕ) = 0 then g 2 else 0)
        - (if (d : ℕ) = 0 then g 0 else 0) - (if (d : ℕ) = 1 then g 1 else 0)
        - (if (d : ℕ) = 2 then g 2 else 0)) := by
  have e : (explicitFFN B).apply (fun c => g c) d
      = g d + mv (orW1 (3 + 3 * B)) (fun c => g c) d := by
    first
      | (show g d + mv (1 : Matrix (Fin (3 + 3 * B)) (Fin (3 + 3 * B)) ℝ)
            (fun i => mv (orW1 (3 + 3 * B)) (fun c => g c) i + 0) d + 0 = _
         rw [mv_one]
         simp only [add_zero]
         done)
      | (simp only [FFN.apply, explicitFFN, Act.eval, mv_one, add_zero]; done)
      | (unfold FFN.apply explicitFFN
         simp only [Act.eval, mv_one, add_zero]
         done)
  rw [e]
  first
    | rw [orW1]
    | unfold orW1
  rw [mv_sub, mv_sub, mv_sub, mv_add,
    mv_projectDim 0 (show 1 < 3 + 3 * B by omega) (fun c => g c) g (fun c => rfl),
    mv_projectDim 0 (show 2 < 3 + 3 * B by omega) (fun c => g c) g (fun c => rfl),
    mv_projectDim 0 (show 0 < 3 + 3 * B by omega) (fun c => g c) g (fun c => rfl),
    mv_projectDim 1 (show 1 < 3 + 3 * B by omega) (fun c => g c) g (fun c => rfl),
    mv_projectDim 2 (show 2 < 3 + 3 * B by omega) (fun c => g c) g (fun c => rfl)]

/-- OR (the FFN update): on any stream `g`, the explicit FFN writes `g 1 + g 2` into dim 0,
clears the scratch dims 1 and 2 and leaves every other dim unchanged (Coppola, BP equivalence:
the FFN is the OR; in log-odds it is a sum, exactly). -/
theorem ffn_or (g : ℕ → ℝ) (d : Fin (3 + 3 * B)) :
    (explicitFFN B).apply (fun c => g c) d =
      if (d : ℕ) = 0 then g 1 + g 2 else if (d : ℕ) = 1 ∨ (d : ℕ) = 2 then 0 else g d := by
  rw [ffn_explicit_apply g d]
  rcases (show (d : ℕ) = 0 ∨ (d : ℕ) = 1 ∨ (d : ℕ) = 2 ∨ 3 ≤ (d : ℕ) by omega) with
    h | h | h | h
  · have h1 : ¬ ((d : ℕ) = 1) := by omega
    have h2 : ¬ ((d : ℕ) = 2) := by omega
    simp only [if_pos h, if_neg h1, if_neg h2]
    rw [h]
    ring
  · have h0 : ¬ ((d : ℕ) = 0) := by omega
    have h2 : ¬ ((d : ℕ) = 2) := by omega
    have h12 : (d : ℕ) = 1 ∨ (d : ℕ) = 2 := Or.inl h
    simp only [if_pos h, if_neg h0, if_neg h2, if_pos h12]
    rw [h]
    ring
  · have h0 : ¬ ((d : ℕ) = 0) := by omega
    have h1 : ¬ ((d : ℕ) = 1) := by omega
    have h12 : (d : ℕ) = 1 ∨ (d : ℕ) = 2 := Or.inr h
    simp only [if_pos h, if_neg h0, if_neg h1, if_pos h12]
    rw [h]
    ring
  · have h0 : ¬ ((d : ℕ) = 0) := by omega
    have h1 : ¬ ((d : ℕ) = 1) := by omega
    have h2 : ¬ ((d : ℕ) = 2) := by omega
    have h12 : ¬ ((d : ℕ) = 1 ∨ (d : ℕ) = 2) := by omega
    simp only [if_neg h0, if_neg h1, if_neg h2, if_neg h12]
    ring

/-- One explicit layer on an encoded state, one dimension at a time. -/
private theorem layer_apply (hc : IsRoutingCode code n B) (l : Fin n → ℝ) (j : Fin n)
    (d : Fin (3 + 3 * B)) :
    (explicitLayer B).apply (encode code B nb l) j d = tok code B nb (bpStepLogOdds nb l) j d := by
  have hv : attend Attention.hard (explicitHeads B) (encode code B nb l) j
      = fun c : Fin (3 + 3 * B) => gathered code B nb l j c :=
    funext fun c => attend_explicit hc l j c
  show (explicitFFN B).apply (attend Attention.hard (explicitHeads B) (encode code B nb l) j) d = _
  rw [hv, ffn_or (gathered code B nb l j) d]
  rcases (show (d : ℕ) = 0 ∨ (d : ℕ) = 1 ∨ (d : ℕ) = 2 ∨ 3 ≤ (d : ℕ) by omega) with
    h | h | h | h
  · rw [if_pos h, gathered_one, gathered_two, h, tok_zero, bpStepLogOdds]
  · rw [if_neg (show ¬ ((d : ℕ) = 0) by omega),
      if_pos (show (d : ℕ) = 1 ∨ (d : ℕ) = 2 from Or.inl h), h, tok_one]
  · rw [if_neg (show ¬ ((d : ℕ) = 0) by omega),
      if_pos (show (d : ℕ) = 1 ∨ (d : ℕ) = 2 from Or.inr h), h, tok_two]
  · have h0 : ¬ ((d : ℕ) = 0) := by omega
    have h12 : ¬ ((d : ℕ) = 1 ∨ (d : ℕ) = 2) := by omega
    rw [if_neg h0, if_neg h12, gathered_code l j h, tok_code _ j h]

private theorem head_any (a : Attention) (l : Fin n → ℝ) (hd : Head (3 + 3 * B)) {tgt : ℕ}
    (hV : hd.V = projectDim (3 + 3 * B) 0 tgt) (j : Fin n) (d : Fin (3 + 3 * B)) :
    ∑ k, attnWeights a hd (encode code B nb l) j k * mv hd.V (encode code B nb l k) d
      = if (d : ℕ) = tgt then ∑ k, attnWeights a hd (encode code B nb l) j k * l k else 0 := by
  have hv : ∀ k, mv hd.V (encode code B nb l k) d = if (d : ℕ) = tgt then l k else 0 := by
    intro k
    rw [hV, mv_projectDim tgt (show 0 < 3 + 3 * B by omega) (encode code B nb l k)
      (tok code B nb l k) (fun c => rfl), tok_zero]
  simp only [hv]
  by_cases hd' : (d : ℕ) = tgt
  · simp only [if_pos hd']
  · simp only [if_neg hd', mul_zero, Finset.sum_const_zero]

private theorem attend_any (a : Attention) (l : Fin n → ℝ) (j : Fin n) (d : Fin (3 + 3 * B)) :
    attend a (explicitHeads B) (encode code B nb l) j d = gatheredAny a code B nb l j d := by
  unfold attend
  rw [Fin.sum_univ_two, head_any a l (explicitHeads B 0) (explicitHeads_V0 B) j d,
    head_any a l (explicitHeads B 1) (explicitHeads_V1 B) j d]
  rfl

private theorem gatheredAny_one (a : Attention) (l : Fin n → ℝ) (j : Fin n) :
    gatheredAny a code B nb l j 1 = headGather a code B nb l 0 j := by
  show tok code B nb l j 1 + ((if (1 : ℕ) = 1 then headGather a code B nb l 0 j else 0)
    + (if (1 : ℕ) = 2 then headGather a code B nb l 1 j else 0)) = _
  rw [tok_one, if_pos (rfl : (1 : ℕ) = 1), if_neg (show ¬ ((1 : ℕ) = 2) by decide)]
  simp only [zero_add, add_zero]

private theorem gatheredAny_two (a : Attention) (l : Fin n → ℝ) (j : Fin n) :
    gatheredAny a code B nb l j 2 = headGather a code B nb l 1 j := by
  show tok code B nb l j 2 + ((if (2 : ℕ) = 1 then headGather a code B nb l 0 j else 0)
    + (if (2 : ℕ) = 2 then headGather a code B nb l 1 j else 0)) = _
  rw [tok_two, if_neg (show ¬ ((2 : ℕ) = 1) by decide), if_pos (rfl : (2 : ℕ) = 2)]
  simp only [zero_add]

private theorem gatheredAny_code (a : Attention) (l : Fin n → ℝ) (j : Fin n) {d : ℕ}
    (hd : 3 ≤ d) : gatheredAny a code B nb l j d = codeAt code B nb j d := by
  unfold gatheredAny
  rw [tok_code l j hd, if_neg (show ¬ (d = 1) by omega), if_neg (show ¬ (d = 2) by omega)]
  simp only [add_zero]

private theorem layerWith_apply (a : Attention) (l : Fin n → ℝ) (j : Fin n)
    (d : Fin (3 + 3 * B)) :
    (layerWith a B).apply (encode code B nb l) j d
      = tok code B nb (fun i => headGather a code B nb l 0 i + headGather a code B nb l 1 i) j d := by
  have hv : attend a (explicitHeads B) (encode code B nb l) j
      = fun c : Fin (3 + 3 * B) => gatheredAny a code B nb l j c :=
    funext fun c => attend_any a l j c
  show (explicitFFN B).apply (attend a (explicitHeads B) (encode code B nb l) j) d = _
  rw [hv, ffn_or (gatheredAny a code B nb l j) d]
  rcases (show (d : ℕ) = 0 ∨ (d : ℕ) = 1 ∨ (d : ℕ) = 2 ∨ 3 ≤ (d : ℕ) by omega) with
    h | h | h | h
  · rw [if_pos h, gatheredAny_one, gatheredAny_two, h, tok_zero]
  · rw [if_neg (show ¬ ((d : ℕ) = 0) by omega),
      if_pos (show (d : ℕ) = 1 ∨ (d : ℕ) = 2 from Or.inl h), h, tok_one]
  · rw [if_neg (show ¬ ((d : ℕ) = 0) by omega),
      if_pos (show (d : ℕ) = 1 ∨ (d : ℕ) = 2 from Or.inr h), h, tok_two]
  · have h0 : ¬ ((d : ℕ) = 0) := by omega
    have h12 : ¬ ((d : ℕ) = 1 ∨ (d : ℕ) = 2) := by omega
    rw [if_neg h0, if_neg h12, gatheredAny_code a l j h, tok_code _ j h]

/-- The explicit layer at any attention kind (in particular softmax at a finite temperature) is a
linear map on log-odds: token `j`'s new log-odds is `∑ k, α_0jk l_k + ∑ k, α_1jk l_k`, the codes
and the zero scratch are kept. No routing assumption is needed (Coppola, BP equivalence: what the
construction computes when softmax replaces hardmax). -/
theorem layerWith_encode (a : Attention) (nb : Fin 2 → Fin n → Fin n) (l : Fin n → ℝ) :
    (layerWith a B).apply (encode code B nb l) = encode code B nb (softStep a code B nb l) :=
  funext fun j => funext fun d => layerWith_apply a l j d

/-- `T` layers of the explicit construction with attention kind `a` are `T` applications of
`softStep` to the log-odds (Coppola, BP equivalence with softmax: what `T` layers compute). -/
theorem layerWith_iterate (a : Attention) (nb : Fin 2 → Fin n → Fin n) (T : ℕ)
    (l : Fin n → ℝ) :
    ((layerWith a B).apply)^[T] (encode code B nb l)
      = encode code B nb ((softStep a code B nb)^[T] l) := by
  induction T generalizing l with
  | zero => rfl
  | succ T ih =>
    first
      | (rw [Function.iterate_succ_apply, Function.iterate_succ_apply, layerWith_encode a nb l, ih]
         done)
      | (rw [Function.iterate_succ_apply', Function.iterate_succ_apply', ih, layerWith_encode a nb]
         done)
      | (show ((layerWith a B).apply)^[T] ((layerWith a B).apply (encode code B nb l))
            = encode code B nb ((softStep a code B nb)^[T] (softStep a code B nb l))
         rw [layerWith_encode a nb l, ih])

/-- The attention weights of the explicit heads do not depend on the log-odds (queries and keys
read only the codes): every layer of a run uses the same weights, so `T` softmax layers apply one
fixed linear map `T` times (Coppola, BP equivalence under softmax). -/
theorem attnWeights_explicit_indep (a : Attention) (nb : Fin 2 → Fin n → Fin n)
    (l l' : Fin n → ℝ) (j k : Fin n) :
    attnWeights a (explicitHeads B 0) (encode code B nb l) j k
        = attnWeights a (explicitHeads B 0) (encode code B nb l') j k ∧
      attnWeights a (explicitHeads B 1) (encode code B nb l) j k
        = attnWeights a (explicitHeads B 1) (encode code B nb l') j k := by
  rw [explicitHeads_zero, explicitHeads_one]
  unfold attnWeights
  have h0 : score (routeHead B (3 + B) 1) (encode code B nb l) j
      = score (routeHead B (3 + B) 1) (encode code B nb l') j :=
    funext fun k =>
      (score_routeHead l (show 3 + B + B ≤ 3 + 3 * B by omega) (nb 0)
        (fun j' _ h1 h2 => tok_query0 l j' h1 h2) j k).trans
      (score_routeHead l' (show 3 + B + B ≤ 3 + 3 * B by omega) (nb 0)
        (fun j' _ h1 h2 => tok_query0 l' j' h1 h2) j k).symm
  have h1 : score (routeHead B (3 + 2 * B) 2) (encode code B nb l) j
      = score (routeHead B (3 + 2 * B) 2) (encode code B nb l') j :=
    funext fun k =>
      (score_routeHead l (show 3 + 2 * B + B ≤ 3 + 3 * B by omega) (nb 1)
        (fun j' _ h1 h2 => tok_query1 l j' h1 h2) j k).trans
      (score_routeHead l' (show 3 + 2 * B + B ≤ 3 + 3 * B by omega) (nb 1)
        (fun j' _ h1 h2 => tok_query1 l' j' h1 h2) j k).symm
  rw [h0, h1]
  exact ⟨rfl, rfl⟩

/-- With a code of score gap `Δ`, every key other than the source `nb h j` scores at least `Δ`
below it, under both explicit heads and for every state (Coppola, BP equivalence: the routing
margin that softmax attention needs; the paper's scalar indices have none). -/
theorem explicit_score_gap {Δ : ℝ} (hc : IsGapCode code n B Δ) (nb : Fin 2 → Fin n → Fin n)
    (l : Fin n → ℝ) (j k : Fin n) :
    (k ≠ nb 0 j → score (explicitHeads B 0) (encode code B nb l) j k + Δ
        ≤ score (explicitHeads B 0) (encode code B nb l) j (nb 0 j)) ∧
      (k ≠ nb 1 j → score (explicitHeads B 1) (encode code B nb l) j k + Δ
        ≤ score (explicitHeads B 1) (encode code B nb l) j (nb 1 j)) := by
  rw [explicitHeads_zero, explicitHeads_one]
  exact ⟨fun hk => score_gap hc l (show 3 + B + B ≤ 3 + 3 * B by omega) (nb 0)
      (fun j' _ h1 h2 => tok_query0 l j' h1 h2) j k hk,
    fun hk => score_gap hc l (show 3 + 2 * B + B ≤ 3 + 3 * B by omega) (nb 1)
      (fun j' _ h1 h2 => tok_query1 l j' h1 h2) j k hk⟩

end Layer

section Main

variable {n : ℕ} {code : ℕ → ℕ → ℝ} {B : ℕ}

/-- One explicit layer maps the encoded state to the encoded oplus-BP step, in log-odds, for every
source map `nb` and every state `l` (Coppola, BP equivalence, constructive half). -/
theorem explicitLayer_encode (hc : IsRoutingCode code n B) (nb : Fin 2 → Fin n → Fin n)
    (l : Fin n → ℝ) :
    (explicitLayer B).apply (encode code B nb l) = encode code B nb (bpStepLogOdds nb l) :=
  funext fun j => funext fun d => layer_apply hc l j d

/-- `T` layers with the same weights perform `T` oplus-BP rounds, in log-odds. -/
theorem explicitLayer_iterate (hc : IsRoutingCode code n B) (nb : Fin 2 → Fin n → Fin n)
    (T : ℕ) (l : Fin n → ℝ) :
    ((explicitLayer B).apply)^[T] (encode code B nb l)
      = encode code B nb ((bpStepLogOdds nb)^[T] l) := by
  induction T generalizing l with
  | zero => rfl
  | succ T ih =>
    first
      | (rw [Function.iterate_succ_apply, Function.iterate_succ_apply, explicitLayer_encode hc nb l,
          ih]; done)
      | (rw [Function.iterate_succ_apply', Function.iterate_succ_apply', ih,
          explicitLayer_encode hc nb]; done)
      | (show ((explicitLayer B).apply)^[T] ((explicitLayer B).apply (encode code B nb l))
            = encode code B nb ((bpStepLogOdds nb)^[T] (bpStepLogOdds nb l))
         rw [explicitLayer_encode hc nb l, ih])

/-- Dim 0 of the residual width `3 + 3B`. -/
def dim0 (B : ℕ) : Fin (3 + 3 * B) := ⟨0, by omega⟩

/-- The decoder: belief `σ(x_j[0])` of every token. -/
def decode (x : Fin n → Fin (3 + 3 * B) → ℝ) (j : Fin n) : ℝ :=
  LogOdds.sigmoid (x j (dim0 B))

/-- Beliefs of a log-odds vector. -/
def sigVec (l : Fin n → ℝ) (j : Fin n) : ℝ := LogOdds.sigmoid (l j)

/-- Decoding an encoded state gives its beliefs. -/
private theorem decode_encode (nb : Fin 2 → Fin n → Fin n) (l : Fin n → ℝ) :
    decode (encode code B nb l) = sigVec l := by
  funext j
  show LogOdds.sigmoid (tok code B nb l j 0) = LogOdds.sigmoid (l j)
  rw [tok_zero]

/-- A log-odds step is an oplus step on beliefs: `σ(a + b) = σ a ⊕ σ b`. -/
private theorem sigVec_bpStep (nb : Fin 2 → Fin n → Fin n) (l : Fin n → ℝ) :
    sigVec (bpStepLogOdds nb l) = oplusStep nb (sigVec l) := by
  funext j
  show LogOdds.sigmoid (l (nb 0 j) + l (nb 1 j))
    = LogOdds.oplus (LogOdds.sigmoid (l (nb 0 j))) (LogOdds.sigmoid (l (nb 1 j)))
  exact (LogOdds.oplus_sigmoid_sigmoid _ _).symm

/-- `T` log-odds steps are `T` oplus steps on beliefs. -/
private theorem sigVec_iterate (nb : Fin 2 → Fin n → Fin n) (T : ℕ) (l : Fin n → ℝ) :
    sigVec ((bpStepLogOdds nb)^[T] l) = (oplusStep nb)^[T] (sigVec l) := by
  induction T generalizing l with
  | zero => rfl
  | succ T ih =>
    first
      | (rw [Function.iterate_succ_apply, Function.iterate_succ_apply, ih, sigVec_bpStep]; done)
      | (rw [Function.iterate_succ_apply', Function.iterate_succ_apply', sigVec_bpStep, ih]; done)
      | (show sigVec ((bpStepLogOdds nb)^[T] (bpStepLogOdds nb l))
            = (oplusStep nb)^[T] (oplusStep nb (sigVec l))
         rw [ih, sigVec_bpStep])

/-- Beliefs in `(0, 1)` are recovered from their log-odds. -/
private theorem sigVec_logit (p : Fin n → ℝ) (hp0 : ∀ j, 0 < p j) (hp1 : ∀ j, p j < 1) :
    sigVec (fun j => LogOdds.logit (p j)) = p := by
  funext j
  exact LogOdds.sigmoid_logit (hp0 j) (hp1 j)

/-- Decoded beliefs after `T` explicit layers are `T` rounds of the paper's oplus-BP, started from
beliefs `p ∈ (0, 1)^n` encoded as log-odds. -/
theorem decode_iterate (hc : IsRoutingCode code n B) (nb : Fin 2 → Fin n → Fin n) (T : ℕ)
    (p : Fin n → ℝ) (hp0 : ∀ j, 0 < p j) (hp1 : ∀ j, p j < 1) :
    decode (((explicitLayer B).apply)^[T] (encode code B nb (fun j => LogOdds.logit (p j))))
      = (oplusStep nb)^[T] p := by
  rw [explicitLayer_iterate hc nb T, decode_encode, sigVec_iterate, sigVec_logit p hp0 hp1]

end Main

/-- BP equivalence, constructive half, one-hot codes (`B = n`): there is one layer `L`, fixed
before any state is chosen, such that for every source map `nb`, every number of rounds `T` and
every log-odds state `l`, `T` applications of `L` to the encoded state give the encoded `T`-round
oplus-BP state (Coppola, BP-equivalence theorem, with the quantifiers as claimed in words). -/
theorem exists_layer_oneHot (n : ℕ) :
    ∃ L : Layer 2 (3 + 3 * n) (3 + 3 * n), ∀ (nb : Fin 2 → Fin n → Fin n) (T : ℕ) (l : Fin n → ℝ),
      (L.apply)^[T] (encode oneHot n nb l) = encode oneHot n nb ((bpStepLogOdds nb)^[T] l) :=
  ⟨explicitLayer n, fun nb T l => explicitLayer_iterate (oneHot_isRoutingCode n) nb T l⟩

/-- The same with binary ±1 codes of width `B`, for any `n ≤ 2 ^ B` tokens. -/
theorem exists_layer_binary {n B : ℕ} (hn : n ≤ 2 ^ B) :
    ∃ L : Layer 2 (3 + 3 * B) (3 + 3 * B), ∀ (nb : Fin 2 → Fin n → Fin n) (T : ℕ) (l : Fin n → ℝ),
      (L.apply)^[T] (encode binCode B nb l) = encode binCode B nb ((bpStepLogOdds nb)^[T] l) :=
  ⟨explicitLayer B, fun nb T l => explicitLayer_iterate (binCode_isRoutingCode hn) nb T l⟩

/-- BP equivalence on beliefs, one-hot codes: one layer `L`, for all source maps, rounds and
beliefs in `(0, 1)`, decodes after `T` layers to `T` rounds of `b_j ← b_{nb 0 j} ⊕ b_{nb 1 j}`. -/
theorem exists_layer_decode_oneHot (n : ℕ) :
    ∃ L : Layer 2 (3 + 3 * n) (3 + 3 * n), ∀ (nb : Fin 2 → Fin n → Fin n) (T : ℕ) (p : Fin n → ℝ),
      (∀ j, 0 < p j) → (∀ j, p j < 1) →
      decode ((L.apply)^[T] (encode oneHot n nb (fun j => LogOdds.logit (p j))))
        = (oplusStep nb)^[T] p :=
  ⟨explicitLayer n, fun nb T p hp0 hp1 =>
    decode_iterate (oneHot_isRoutingCode n) nb T p hp0 hp1⟩

/-- BP equivalence on beliefs, binary ±1 codes of width `B`, `n ≤ 2 ^ B`. -/
theorem exists_layer_decode_binary {n B : ℕ} (hn : n ≤ 2 ^ B) :
    ∃ L : Layer 2 (3 + 3 * B) (3 + 3 * B), ∀ (nb : Fin 2 → Fin n → Fin n) (T : ℕ) (p : Fin n → ℝ),
      (∀ j, 0 < p j) → (∀ j, p j < 1) →
      decode ((L.apply)^[T] (encode binCode B nb (fun j => LogOdds.logit (p j))))
        = (oplusStep nb)^[T] p :=
  ⟨explicitLayer B, fun nb T p hp0 hp1 =>
    decode_iterate (binCode_isRoutingCode hn) nb T p hp0 hp1⟩

end

end TBN.Construction

import Lake
open Lake DSL

/-! The tbn Lean project: Mathlib at the tag matching the pinned toolchain, nothing else. -/

package tbn where
  -- The proofs were written without a compiler at hand. `lake build --wfail` must keep failing on
  -- what matters (a `sorry`, which Lean reports only as a warning, or any other real warning), but
  -- not on style linters: deliberate `first | a | b` fallbacks (unreachable/unused tactic), an
  -- instance argument a proof happens not to need (unused section variables, unused variables),
  -- or a lemma alias deprecated after it was written, or a `simp [...]` argument a fallback does
  -- not need (a linter of later Lean versions; `weak.` options are ignored where undeclared).
  -- None of these affects what is proved.
  leanOptions := #[⟨`autoImplicit, false⟩, ⟨`relaxedAutoImplicit, false⟩,
    ⟨`weak.linter.unreachableTactic, false⟩, ⟨`weak.linter.unusedTactic, false⟩,
    ⟨`weak.linter.unusedSectionVars, false⟩, ⟨`weak.linter.unusedVariables, false⟩,
    ⟨`weak.linter.deprecated, false⟩, ⟨`weak.linter.unusedSimpArgs, false⟩]

require mathlib from git
  "https://github.com/leanprover-community/mathlib4.git" @ "v4.20.0"

@[default_target]
lean_lib TBN where
  srcDir := "lean"

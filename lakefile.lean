import Lake
open Lake DSL

/-! The tbn Lean project: Mathlib at the tag matching the pinned toolchain, nothing else. -/

package tbn where
  -- The proofs were written without a compiler at hand, so some steps keep a deliberate fallback
  -- (`first | a | b`). The two linters below would report the untried branch as a warning, which
  -- `lake build --wfail` turns into an error; every other warning still fails the build.
  leanOptions := #[⟨`autoImplicit, false⟩, ⟨`relaxedAutoImplicit, false⟩,
    ⟨`weak.linter.unreachableTactic, false⟩, ⟨`weak.linter.unusedTactic, false⟩]

require mathlib from git
  "https://github.com/leanprover-community/mathlib4.git" @ "v4.20.0"

@[default_target]
lean_lib TBN where
  srcDir := "lean"

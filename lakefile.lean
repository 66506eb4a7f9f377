import Lake
open Lake DSL

/-! The tbn Lean project: Mathlib at the tag matching the pinned toolchain, nothing else. -/

package tbn where
  leanOptions := #[⟨`autoImplicit, false⟩, ⟨`relaxedAutoImplicit, false⟩]

require mathlib from git
  "https://github.com/leanprover-community/mathlib4.git" @ "v4.20.0"

@[default_target]
lean_lib TBN where
  srcDir := "lean"

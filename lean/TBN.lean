import TBN.LogOdds
import TBN.TuringGood
import TBN.AndOr
import TBN.Concepts
import TBN.Uniqueness
import TBN.Transformer
import TBN.Construction
import TBN.Softmax
import TBN.WeightedBP
import TBN.Weights
import TBN.FactorGraph
import TBN.SumProduct
import TBN.Pearl
import TBN.PearlFactor
import TBN.TreeGraph
import TBN.BlockSum
import TBN.TreeLocal
import TBN.TreeBP

/-!
# tbn: sigmoid transformers and belief propagation

Library root: imports every module. See `docs/ARCHITECTURE.md` and `proofs_manifest.toml`.
-/

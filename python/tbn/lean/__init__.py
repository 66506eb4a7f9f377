"""The Lean side of the bridge: manifest, source reader, weight extraction, toolchain, LeanDojo.

``tbn.gate`` puts these together; each module here stands alone and never imports the gate.
"""

"""One numerical cross-check per Lean theorem of the manifest (SPEC 4).

Each check is a function ``check(precision: int, instances: int, seed: int) -> CheckResult``
named by its dotted path in ``proofs_manifest.toml``.  It draws ``instances`` cases (random and
edge cases), evaluates both sides of the Lean statement in mpmath at ``precision`` digits (or
exactly), and returns the largest deviation.  A false statement must make its check fail.
"""

"""Belief propagation: real sum-product, and the paper's oplus-BP as its own model (SPEC 3.2).

`belief_propagation` is loopy sum-product on any factor graph (exact on trees); `oplus_bp_step`
and `oplus_bp` are the update rule of Coppola's paper, b_j <- b_nb0(j) oplus b_nb1(j), which is a
special model and coincides with sum-product only in the cases `tbn.bp.oplus` documents.
"""
from .oplus import oplus_bp, oplus_bp_step
from .sum_product import BPResult, belief_propagation

__all__ = ["BPResult", "belief_propagation", "oplus_bp_step", "oplus_bp"]

"""The transformer side (SPEC 3.3-3.8): model, explicit oplus-BP weights, a compiler from factor
graphs to weights running sum-product exactly, softmax bounds, the implicit graph of any weights,
uniqueness, and binarisation of k-ary gates."""
from .compiler import CompiledBP, SparseLayer, compile_factor_graph
from .inference import TransformerResult, transformer_marginals
from .model import FFN, Head, Layer, layer_forward, model_forward
from .pairwise import pairwise_marginals
from .routed import RoutedShape, routed_marginals
from .weights import (binary_code, cross_project, decode_oplus_state, encode_oplus_state,
                      explicit_oplus_layer, explicit_oplus_matrix, one_hot_code, project_dim)

__all__ = [
    "Head", "FFN", "Layer", "layer_forward", "model_forward",
    "project_dim", "cross_project", "binary_code", "one_hot_code", "explicit_oplus_layer",
    "explicit_oplus_matrix", "encode_oplus_state", "decode_oplus_state",
    "compile_factor_graph", "CompiledBP", "SparseLayer", "transformer_marginals",
    "TransformerResult", "pairwise_marginals", "routed_marginals", "RoutedShape",
]

"""placeholder"""
def oplus_bp_step(nb0, nb1, beliefs): raise NotImplementedError
def oplus_bp(nb0, nb1, beliefs, rounds): raise NotImplementedError

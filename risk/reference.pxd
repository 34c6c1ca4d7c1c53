# Cython declarations for reference.py (see matching/model.pxd): the reference price as
# C calls into the matching engine.

cimport cython

from matching.engine cimport MatchingEngine, TopOfBook


cpdef last_trade_px(market, str symbol)


cdef class ReferencePrices:
    cdef readonly dict configured

    @cython.locals(engine_top=TopOfBook)
    cpdef of(self, market, str symbol)

# Cython declarations for engine.py (see matching/model.pxd): the risk engine as an
# extension type, its quiet path (the common case of every order) with typed locals.

cimport cython

from matching.commands cimport ReplaceOrder, SubmitOrder
from matching.model cimport Order, collar_edges
from risk.exposure cimport AccountExposure, Credit, Exposures, Leg
from risk.checks cimport others_value
from risk.throttle cimport Throttle


cdef class RiskDecision:
    cdef public object denial
    cdef public object cmd
    cdef public tuple warnings


cdef class RiskEngine:
    cdef public object admit
    cdef public object apply
    cdef dict _instruments
    cdef dict _units
    cdef dict _configured_ref
    cdef Exposures _exposures
    cdef Throttle _throttle
    cdef object _limits
    cdef dict _resolved
    cdef dict _quiet
    cdef object _global
    cdef dict _by_symbol
    cdef dict _by_account
    cdef bint _all_active

    cpdef RiskDecision check_order(self, SubmitOrder cmd, market, now_ns)
    cpdef RiskDecision check_replace(self, ReplaceOrder cmd, Order order, market, now_ns)
    cpdef _reference(self, market, str symbol)
    @cython.locals(leg=Leg, acct=AccountExposure, credit=Credit)
    cdef _quiet_edge(self, q, market, str symbol, bint is_buy, order_qty, qty, price,
                     limit_price, bint new_order, freed_lots, freed_px)


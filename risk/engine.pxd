# Cython declarations for engine.py (see matching/model.pxd): the risk engine as an
# extension type, its quiet path (the common case of every order) with typed locals.

cimport cython

from matching.commands cimport ReplaceOrder, SubmitOrder
from matching.model cimport Order, collar_edges, leaves_of
from matching.names cimport Names
from risk.exposure cimport Exposures, Leg
from risk.quiet cimport LastTrades, Quiet, quiet_edge
from risk.reduce_only cimport ReduceOnlyOrders
from risk.reference cimport ReferencePrices, last_trade_px
from risk.throttle cimport Throttle

# The enum members engine.py binds once, as C globals: each order tests several.
cdef object _ACTIVE, _BUY, _MARKET, _STOP, _LIMIT, _STOP_LIMIT, _IOC, _FOK
# quiet_edge's two answers, as C integers: compared with its answer to every order
cdef long long _FULL, _NO_EDGE


cdef class RiskDecision:
    cdef public object denial
    cdef public object cmd
    cdef public tuple warnings
    cdef public Leg leg


@cython.final
cdef class RiskEngine:
    cdef dict _instruments
    cdef dict _units
    cdef ReferencePrices _prices
    cdef LastTrades _trades
    cdef readonly Exposures exposures
    cdef readonly Throttle throttle
    cdef readonly ReduceOnlyOrders reduce_only
    cdef object _limits
    cdef dict _resolved
    cdef Names _quiet
    cdef dict _bands
    cdef object _global
    cdef dict _by_symbol
    cdef dict _by_account
    cdef bint _all_active

    @cython.locals(quiet=Quiet)
    cpdef Leg passes_quietly(self, SubmitOrder cmd, market)
    @cython.locals(quiet=Quiet, edge=cython.longlong)
    cpdef RiskDecision check_order(self, SubmitOrder cmd, market, long long now_ns)
    cdef Quiet _quiet_of(self, SubmitOrder cmd)
    @cython.locals(by_symbol=Names)
    cdef Quiet _quiet_record(self, str account, str symbol)
    cpdef bint replace_passes_quietly(self, ReplaceOrder cmd, Order order, market) except -1
    @cython.locals(quiet=Quiet, freed=cython.longlong)
    cpdef RiskDecision check_replace(self, ReplaceOrder cmd, Order order, market,
                                     long long now_ns)
    @cython.locals(quiet=Quiet)
    cdef Quiet _quiet_replace(self, ReplaceOrder cmd, Order order, market)


@cython.locals(decision=RiskDecision)
cdef RiskDecision _passed(cmd, Leg leg=*)
cdef bint _may_rest(SubmitOrder cmd)
cdef bint _pure_reduction(ReplaceOrder cmd, Order order) except -1
cdef object _valued_at(ReplaceOrder cmd, Order order)
cdef object _limit_price(ReplaceOrder cmd, Order order)
cdef object _old_price(Order order)
cdef long long _order_edge(RiskEngine risk, Quiet quiet, SubmitOrder cmd,
                           market) except? -2

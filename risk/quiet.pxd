# Cython declarations for quiet.py (see matching/model.pxd): the quiet path on C long
# longs, overflow-checked, so that a value beyond their range raises OverflowError (which
# quiet_edge answers FULL) instead of wrapping.

cimport cython

from matching.book cimport OrderBook
from matching.engine cimport MatchingEngine
from matching.model cimport collar_edges
from risk.exposure cimport AccountExposure, Credit, Leg
from risk.reference cimport ReferencePrices, last_trade_px



@cython.final
cdef class LastTrades:
    cdef object engine
    cdef list books
    cdef list legs

    @cython.locals(n=Py_ssize_t, book=OrderBook)
    cpdef of(self, market, Leg leg)
    @cython.locals(n=Py_ssize_t)
    cdef _find(self, MatchingEngine engine, Leg leg)


cdef class Band:
    cdef readonly object pct_num
    cdef readonly object pct_den
    cdef readonly object ticks
    cdef readonly bint valid
    cdef readonly long long n
    cdef readonly long long d
    cdef readonly long long lo
    cdef readonly long long hi

    cpdef move(self, n, d)


cdef class Quiet:
    cdef readonly Leg leg
    cdef readonly AccountExposure account
    cdef readonly Credit credit
    cdef readonly Band band
    cdef readonly long long k
    cdef readonly long long max_qty
    cdef readonly long long max_notional
    cdef readonly long long max_open_orders
    cdef readonly long long max_open_notional
    cdef readonly long long max_position
    cdef readonly long long max_position_notional2
    cdef readonly bint values_positions


cpdef long long quiet_edge(Quiet q, market, ReferencePrices prices, LastTrades trades,
                           bint is_buy, long long order_qty, long long qty, price, limit_price,
                           bint opens_order, long long freed_lots, freed_px) except? -2

@cython.locals(band=Band, leg=Leg, credit=Credit, edge=cython.longlong, open_orders=cython.longlong,
               open_notional=cython.longlong, position=cython.longlong,
               open_buy=cython.longlong, open_sell=cython.longlong, hi=cython.longlong,
               lo=cython.longlong, after_hi=cython.longlong, after_lo=cython.longlong,
               after=cython.longlong, before=cython.longlong, others=cython.longlong)
cdef long long _edge(Quiet q, market, ReferencePrices prices, LastTrades trades, bint is_buy,
                     long long order_qty, long long qty, bint has_price, long long price,
                     bint has_limit, long long limit_price, bint opens_order,
                     long long freed_lots, long long freed_px, long long n,
                     long long d) except? -2

@cython.locals(other=Leg, total=cython.longlong, position=cython.longlong,
               open_buy=cython.longlong, open_sell=cython.longlong, hi=cython.longlong,
               lo=cython.longlong, worst=cython.longlong, n=cython.longlong,
               d=cython.longlong, k=cython.longlong)
cdef long long _others_value(Leg leg, market, ReferencePrices prices,
                             LastTrades trades) except? -2

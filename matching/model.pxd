# Cython declarations for model.py (see matching/README in setup.py's build note): the
# order record becomes an extension type with its fields in a C struct. A quantity, a count
# of the engine's own sequences and a time is a C 64-bit integer: the gateway takes no price
# or quantity beyond 2^63 - 1 ticks or lots (gateway/decode.py MAX_UNITS, the journal's
# column width too), so the compiled core computes what the Python one does, without an
# integer object per value. A field that may be None (a market order's price, a stop price,
# an expire time, a display quantity) stays an object, as does a sum that may pass 2^63
# (a notional; a level's total in book.pxd).

cimport cython


cdef class Order:
    cdef public long long order_id
    cdef public str owner
    cdef public str account
    cdef public str cl_ord_id
    cdef public str symbol
    cdef public object side
    cdef public object ord_type
    cdef public object tif
    cdef public long long qty
    cdef public object price
    cdef public object stop_price
    cdef public object expire_ns
    cdef public bint post_only
    cdef public object display_qty
    cdef public str orig_cl_ord_id
    cdef public object status
    cdef public long long cum_qty
    cdef public object cum_notional
    cdef public long long visible
    cdef public bint triggered
    cdef public long long priority
    cdef public long long ts_ns
    cdef public bint reduce_only
    cdef public object collar
    cdef public Order ahead
    cdef public Order behind

    @cython.locals(row=tuple, i=Py_ssize_t)
    cpdef set_status(self, new)


cdef class Instrument:
    cdef readonly str symbol
    cdef readonly object tick
    cdef readonly object lot
    cdef readonly object min_lots
    cdef readonly object max_lots


cpdef tuple collar_edges(n, d, pct_num, pct_den, ticks)
cpdef bint is_live_status(status)
cpdef long long leaves_of(Order order)

# Read on every status test and change, as C globals rather than module lookups.
cdef object _NEW, _PARTIALLY_FILLED
cdef tuple _NEXT

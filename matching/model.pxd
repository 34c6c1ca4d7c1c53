# Cython declarations for model.py (see matching/README in setup.py's build note): the
# order record becomes an extension type with its fields in a C struct. Types stay Python
# objects so that integers are exact and unbounded, as in the pure-Python module; except
# order_id, a number of the engine's own sequence: a C integer is one cache miss fewer on an
# order entered long ago, whose id every event of it copies.

cdef class Order:
    cdef public long long order_id
    cdef public str owner
    cdef public str account
    cdef public str cl_ord_id
    cdef public str symbol
    cdef public object side
    cdef public object ord_type
    cdef public object tif
    cdef public object qty
    cdef public object price
    cdef public object stop_price
    cdef public object expire_ns
    cdef public bint post_only
    cdef public object display_qty
    cdef public str orig_cl_ord_id
    cdef public object status
    cdef public object cum_qty
    cdef public object cum_notional
    cdef public object visible
    cdef public bint triggered
    cdef public object priority
    cdef public object ts_ns
    cdef public bint reduce_only
    cdef public object collar

    cpdef set_status(self, new)


cdef class Instrument:
    cdef readonly str symbol
    cdef readonly object tick
    cdef readonly object lot
    cdef readonly object min_lots
    cdef readonly object max_lots


cpdef tuple collar_edges(n, d, pct_num, pct_den, ticks)
cpdef bint is_live_status(status)

# Cython declarations for events.py: each event an extension type (see model.pxd: the
# fields that are C 64-bit integers there are here too).

cdef class OrderEvent:
    cdef public long long exec_id
    cdef public long long order_id
    cdef public str owner
    cdef public str account
    cdef public str cl_ord_id
    cdef public str orig_cl_ord_id
    cdef public str symbol
    cdef public object side
    cdef public object ord_type
    cdef public object tif
    cdef public object price
    cdef public object stop_price
    cdef public long long qty
    cdef public long long cum_qty
    cdef public long long leaves_qty
    cdef public object cum_notional
    cdef public object status
    cdef public long long ts_ns
    cdef public object expire_ns
    cdef public object display_qty
    cdef public bint post_only
    cdef public bint reduce_only

cdef class OrderAccepted(OrderEvent):
    pass

cdef class OrderRejected(OrderEvent):
    cdef public object reason
    cdef public str text

cdef class OrderFilled(OrderEvent):
    cdef public long long last_qty
    cdef public long long last_px
    cdef public long long trade_id
    cdef public bint aggressor
    cdef public long long contra_order_id

cdef class OrderCanceled(OrderEvent):
    cdef public object reason

cdef class OrderExpired(OrderEvent):
    cdef public object reason

cdef class OrderReplaced(OrderEvent):
    cdef public bint ended

cdef class OrderTriggered(OrderEvent):
    cdef public object trigger_px

cdef class OrderRestated(OrderEvent):
    cdef public str text

cdef class CancelRejected:
    cdef public str owner
    cdef public str cl_ord_id
    cdef public str orig_cl_ord_id
    cdef public object order_id
    cdef public object status
    cdef public bint is_replace
    cdef public object reason
    cdef public str text
    cdef public object ts_ns

cdef class MassCancelDone:
    cdef public str owner
    cdef public str request_id
    cdef public str account
    cdef public str symbol
    cdef public object canceled
    cdef public object reason
    cdef public object ts_ns
    cdef public str text

# Cython declarations for commands.py: each command an extension type (see model.pxd).

cdef class SubmitOrder:
    cdef public str owner
    cdef public str account
    cdef public str cl_ord_id
    cdef public str symbol
    cdef public object side
    cdef public object ord_type
    cdef public object tif
    cdef public long long qty
    cdef public object price
    cdef public long long ts_ns
    cdef public object stop_price
    cdef public object expire_ns
    cdef public bint post_only
    cdef public object display_qty
    cdef public bint reduce_only
    cdef public bint poss_resend
    cdef public object collar
    cdef public tuple trims

cdef class RejectOrder:
    cdef public str owner
    cdef public str account
    cdef public str cl_ord_id
    cdef public str symbol
    cdef public object side
    cdef public object ord_type
    cdef public object tif
    cdef public object qty
    cdef public object price
    cdef public object ts_ns
    cdef public object reason
    cdef public str text
    cdef public object stop_price
    cdef public object expire_ns
    cdef public object display_qty
    cdef public bint post_only
    cdef public bint reduce_only

cdef class CancelOrder:
    cdef public str owner
    cdef public str cl_ord_id
    cdef public str orig_cl_ord_id
    cdef public object order_id
    cdef public long long ts_ns
    cdef public str symbol
    cdef public object side
    cdef public bint poss_resend

cdef class ReplaceOrder:
    cdef public str owner
    cdef public str cl_ord_id
    cdef public str orig_cl_ord_id
    cdef public object order_id
    cdef public long long qty
    cdef public object price
    cdef public long long ts_ns
    cdef public object stop_price
    cdef public bint post_only
    cdef public str symbol
    cdef public object side
    cdef public object ord_type
    cdef public object tif
    cdef public str account
    cdef public object display_qty
    cdef public object reduce_only
    cdef public object expire_ns
    cdef public tuple trims
    cdef public bint poss_resend

cdef class MassCancel:
    cdef public str owner
    cdef public str request_id
    cdef public object ts_ns
    cdef public str account
    cdef public str symbol
    cdef public object reason
    cdef public bint poss_resend

cdef class AdvanceTime:
    cdef public object ts_ns

cdef class EndOfDay:
    cdef public object ts_ns
    cdef public str symbol

cdef class NewDay:
    cdef public object ts_ns

cdef class SetSelfTradePrevention:
    cdef public object mode
    cdef public dict by_account
    cdef public object ts_ns

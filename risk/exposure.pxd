# Cython declarations for exposure.py (see matching/model.pxd): the exposure records as
# extension types, and `apply`, which runs for every event, with typed locals.

cimport cython

from matching.events cimport (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderReplaced,
    OrderRestated,
    OrderTriggered,
)
from risk.open_orders cimport OpenOrders

cdef object _BUY  # a C global: compared with every fill's side


@cython.final
cdef class Credit:
    cdef public list legs
    cdef readonly long long open_notional64
    cdef readonly bint narrow
    cdef readonly object wide_open_notional

    cpdef int change_open_notional(self, long long leaves, long long px, long long old,
                                   long long old_px, k, long long k64) except -1
    cpdef add_open_notional(self, delta)


@cython.final
cdef class Leg:
    cdef public str symbol
    cdef public object units
    cdef public AccountExposure account
    cdef public Credit credit
    cdef public object k
    cdef readonly long long k64
    cdef public Py_ssize_t number
    cdef readonly long long position64
    cdef readonly long long open_buy64
    cdef readonly long long open_sell64
    cdef readonly bint narrow
    cdef readonly object wide_position
    cdef readonly object wide_open_buy
    cdef readonly object wide_open_sell

    cpdef add_position(self, delta)
    cpdef add_open(self, bint is_buy, delta)
    cdef int shift_position(self, long long delta) except -1
    cdef int shift_open(self, bint is_buy, long long delta) except -1
    cdef _add_open_exactly(self, bint is_buy, delta)
    cdef _store(self, position, open_buy, open_sell)


cdef class AccountExposure:
    cdef public str name
    cdef public long long open_orders  # a count of live orders: never near 2^63
    cdef public dict legs
    cdef public dict credits


cdef class _Open:
    cdef public Leg leg
    cdef public bint is_buy
    cdef public object leaves
    cdef public object px


@cython.final
cdef class Exposures:
    cdef object _units
    cdef dict _accounts
    cdef list _legs
    cdef OpenOrders _open
    cdef dict _wide

    cpdef AccountExposure account(self, str name)
    @cython.locals(acct=AccountExposure, leg=Leg)
    cpdef Leg leg(self, str account, str symbol)
    cpdef prefetch(self, long long order_id)
    @cython.locals(ev=OrderEvent)
    cpdef apply(self, events, Leg leg=*, long long order_id=*)
    @cython.locals(oid=cython.longlong, leaves=cython.longlong, px64=cython.longlong,
                   opens=OpenOrders, cell=Py_ssize_t, leg=Leg, fill=OrderFilled,
                   is_buy=bint, old=cython.longlong, old_px=cython.longlong)
    cdef int _follow(self, OrderEvent ev, bint is_fill, px, Leg hint) except -1
    @cython.locals(wide=dict, rec=_Open, cell=Py_ssize_t, leg=Leg, fill=OrderFilled,
                   is_buy=bint)
    cdef _follow_wide(self, OrderEvent ev, bint is_fill, px)


cdef extern from *:
    """
    /* An int as a C long long into *out: 1; 0, *out unchanged, if it is beyond the range;
       -1, with TypeError set, if it is not an int (a bug upstream, never taken as wide). */
    static CYTHON_INLINE int risk_to_ll(PyObject *o, long long *out) {
        int overflow = 0;
        long long v;
        if (!PyLong_Check(o)) {
            PyErr_Format(PyExc_TypeError, "an int is required, not %.200s", Py_TYPE(o)->tp_name);
            return -1;
        }
        v = PyLong_AsLongLongAndOverflow(o, &overflow);
        if (overflow) return 0;
        *out = v;
        return 1;
    }

    /* Whether an int fits a C long long, without raising (an object that is not an int
       does not: the caller takes its exact path, which handles or rejects it). */
    static CYTHON_INLINE int risk_fits_ll(PyObject *o) {
        int overflow = 0;
        long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
        if (v == -1 && PyErr_Occurred()) { PyErr_Clear(); return 0; }
        return overflow == 0;
    }

    /* *field + delta into *field; 0, *field unchanged, if the sum is beyond a long long. */
    static CYTHON_INLINE int risk_add_ll(long long *field, long long delta) {
        long long r;
        if (__builtin_add_overflow(*field, delta, &r)) return 0;
        *field = r;
        return 1;
    }

    /* *total + (leaves * px - old * old_px) * k into *total; 0, *total unchanged, if a
       step of it is beyond a long long. */
    static CYTHON_INLINE int risk_add_notional_ll(long long *total, long long leaves,
                                                  long long px, long long old,
                                                  long long old_px, long long k) {
        long long now, was, r;
        if (__builtin_mul_overflow(leaves, px, &now) || __builtin_mul_overflow(old, old_px, &was)
                || __builtin_sub_overflow(now, was, &r) || __builtin_mul_overflow(r, k, &r)
                || __builtin_add_overflow(*total, r, &r))
            return 0;
        *total = r;
        return 1;
    }
    """
    bint _fits_c "risk_fits_ll" (object o) noexcept
    int _to64 "risk_to_ll" (object o, long long *out) except -1
    bint _add_c "risk_add_ll" (long long *field, long long delta) noexcept
    bint _add_notional_c "risk_add_notional_ll" (long long *total, long long leaves,
                                                 long long px, long long old,
                                                 long long old_px, long long k) noexcept

@cython.locals(fits=bint)
cdef bint _fits64(object value)

cdef int _POSITION, _OPEN_BUY, _OPEN_SELL  # a leg's 64-bit fields, for _add64
@cython.locals(done=bint)
cdef bint _add64(Leg leg, int field, long long delta) noexcept
@cython.locals(done=bint)
cdef bint _add_notional64(Credit credit, long long leaves, long long px, long long old,
                          long long old_px, long long k) noexcept

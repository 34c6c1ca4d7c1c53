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


cdef class Credit:
    cdef public object open_notional
    cdef public list legs


cdef class Leg:
    cdef public str symbol
    cdef public object units
    cdef public AccountExposure account
    cdef public Credit credit
    cdef public object position
    cdef public object open_buy
    cdef public object open_sell
    cdef public object k


cdef class AccountExposure:
    cdef public str name
    cdef public object open_orders
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
    cdef dict _open

    cpdef AccountExposure account(self, str name)
    @cython.locals(acct=AccountExposure, leg=Leg)
    cpdef Leg leg(self, str account, str symbol)
    @cython.locals(ev=OrderEvent, fill=OrderFilled, rec=_Open, leg=Leg, opens=dict)
    cpdef apply(self, events)

# Cython declarations for gate.py (see matching/model.pxd): the order path as an extension
# type whose every step is a C call into the throttle, the checks, the engine and exposure.

cimport cython

from matching.commands cimport CancelOrder, MassCancel, ReplaceOrder, SubmitOrder
from matching.engine cimport MatchingEngine
from matching.model cimport Order, is_live_status
from risk.engine cimport RiskDecision, RiskEngine
from risk.exposure cimport Exposures, Leg
from risk.throttle cimport Throttle


@cython.final
cdef class Gate:
    cdef readonly RiskEngine risk
    cdef readonly MatchingEngine engine
    cdef Throttle throttle
    cdef Exposures exposures
    cdef object admitted
    cdef readonly object applied
    cdef readonly tuple warnings
    cdef readonly bint logout

    cpdef list handle(self, cmd)
    @cython.locals(decision=RiskDecision, order_id=cython.longlong, leg=Leg)
    cdef list _order(self, SubmitOrder cmd)
    @cython.locals(decision=RiskDecision, order=Order)
    cdef list _replace(self, ReplaceOrder cmd)
    cdef list _cancel(self, CancelOrder cmd)
    cdef list _mass_cancel(self, MassCancel cmd)
    cdef _admit(self, str session, bint is_cancel, long long now_ns)
    cdef list _apply(self, cmd, Leg leg, long long order_id)


cdef bint _as_sent(RiskDecision decision, cmd)

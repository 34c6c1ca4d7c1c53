# Cython declarations for checks.py (see matching/model.pxd): only the valuation of an
# account's other instruments, the longest loop of the full checks, is typed.

cimport cython

from risk.exposure cimport Leg
from risk.reference cimport last_trade_px


@cython.locals(other=Leg)
cpdef others_value(Leg leg, market, reference)

# Cython declarations for checks.py (see matching/model.pxd): only the helper the quiet
# path calls for every order of an account with positions in other instruments is typed.

cimport cython

from risk.exposure cimport Leg


@cython.locals(other=Leg)
cpdef others_value(Leg leg, market, reference)

# Cython declarations for reduce_only.py (see matching/model.pxd): compiled so that the risk
# engine's test for "no reduce-only order anywhere", made for every order, is one C field.

cdef class ReduceOnlyOrders:
    cdef readonly dict ids

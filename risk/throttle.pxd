# Cython declarations for throttle.py (see matching/model.pxd): `admit` runs for every
# message.

cimport cython


cdef class _Bucket:
    cdef public object nano_tokens
    cdef public object last_ns
    cdef public object denials


cdef class Throttle:
    cdef dict _buckets
    cdef object _limits
    cdef object _rate
    cdef object _cap

    @cython.locals(bucket=_Bucket)
    cpdef admit(self, str session, bint is_cancel, now_ns)

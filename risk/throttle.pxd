# Cython declarations for throttle.py (see matching/model.pxd): `admit` runs for every
# message.

cimport cython

from matching.names cimport Names

cdef long long _TOKEN  # a C global, set at import: admit's arithmetic stays on C integers
cdef object _ADMITTED


cdef class _Bucket:
    cdef public long long nano_tokens
    cdef public long long last_ns
    cdef public object denials


@cython.final
cdef class Throttle:
    cdef Names _buckets
    cdef object _limits
    cdef long long _rate
    cdef long long _cap
    cdef long long _fill_ns

    @cython.locals(bucket=_Bucket, cap=cython.longlong, tokens=cython.longlong,
                   elapsed=cython.longlong)
    cpdef admit(self, str session, bint is_cancel, long long now_ns)

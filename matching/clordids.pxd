# Cython declarations for clordids.py: slots and hashes as typed views of their arrays, and
# the probe's arithmetic on unsigned 64-bit integers. Semantics live in clordids.py only.

cimport cython

from matching.prefetch cimport prefetch_address, prefetch_object
from matching.strhash cimport str_hash

cdef unsigned long long _EMPTY, _LOW32, _HASH_BITS, _MIX
cdef Py_ssize_t _FIRST_CAPACITY, _MAX_ENTRIES, _AHEAD


@cython.final
cdef class ClOrdIds:
    cdef list _entries
    cdef unsigned long long[::1] _hashes
    cdef unsigned long long[::1] _slots
    cdef unsigned long long _mask

    @cython.locals(h=cython.ulonglong, fp=cython.ulonglong, i=cython.ulonglong,
                   s=cython.ulonglong, e=Py_ssize_t, mask=cython.ulonglong, entries=list)
    cpdef object get(self, str owner, str cl_ord_id)
    @cython.locals(i=cython.ulonglong)
    cpdef prefetch(self, str owner, str cl_ord_id)
    @cython.locals(e=Py_ssize_t, entries=list, h=cython.ulonglong, capacity=Py_ssize_t)
    cpdef add(self, str owner, str cl_ord_id, value)
    @cython.locals(hashes="unsigned long long[::1]")
    cdef _grow_hashes(self, Py_ssize_t n)
    @cython.locals(e=Py_ssize_t, entries=list)
    cpdef map_values(self, fn)
    @cython.locals(i=cython.ulonglong, mask=cython.ulonglong)
    cdef _place(self, unsigned long long h, Py_ssize_t e)
    @cython.locals(e=Py_ssize_t, n=Py_ssize_t, i=cython.ulonglong, mask=cython.ulonglong)
    cdef _rebuild(self, Py_ssize_t capacity)



@cython.locals(a=cython.ulonglong, b=cython.ulonglong)
cdef unsigned long long _hash(str owner, str cl_ord_id)

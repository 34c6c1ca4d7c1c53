# Cython declarations for clordids.py: the tables as typed views of their arrays, and the
# probe's arithmetic on unsigned 64-bit integers. Semantics live in clordids.py only.

cimport cython
from cpython cimport array as carray
from libc.string cimport memset

from matching.prefetch cimport prefetch_address, prefetch_object
from matching.strhash cimport str_hash


cdef extern from "Python.h":
    void PyObject_GC_UnTrack(object op)

cdef unsigned long long _EMPTY, _LOW32, _HASH_BITS, _MIX
cdef Py_ssize_t _FIRST_CAPACITY, _MAX_ENTRIES, _CHUNK_BITS, _CHUNK
cdef Py_ssize_t _CLEAR_PER_ADD, _COPY_PER_ADD
cdef carray.array _SLOTS


@cython.final
cdef class ClOrdIds:
    cdef list _chunks
    cdef Py_ssize_t _count
    cdef unsigned long long[::1] _slots
    cdef unsigned long long _mask
    cdef unsigned long long[::1] _next
    cdef Py_ssize_t _cleared, _copied, _first_new
    cdef unsigned long long _pending

    @cython.locals(h=cython.ulonglong, fp=cython.ulonglong, i=cython.ulonglong,
                   s=cython.ulonglong, e=Py_ssize_t, k=Py_ssize_t, mask=cython.ulonglong,
                   entries=list)
    cpdef object get(self, str owner, str cl_ord_id)
    @cython.locals(i=cython.ulonglong)
    cpdef prefetch(self, str owner, str cl_ord_id)
    @cython.locals(e=Py_ssize_t, k=Py_ssize_t, entries=list, chunk=list,
                   slot=cython.ulonglong)
    cpdef add(self, str owner, str cl_ord_id, value)
    @cython.locals(e=Py_ssize_t, k=Py_ssize_t, entries=list)
    cpdef map_values(self, fn)
    @cython.locals(last=bint, size=Py_ssize_t, end=Py_ssize_t, i=Py_ssize_t,
                   old_size=Py_ssize_t, first_new=cython.ulonglong, mask=cython.ulonglong,
                   s=cython.ulonglong)
    cdef _grow(self, unsigned long long slot, Py_ssize_t e)


@cython.locals(i=cython.ulonglong)
cdef inline void _place(unsigned long long[::1] table, unsigned long long mask,
                        unsigned long long slot) noexcept


cdef inline void _clear(unsigned long long[::1] table, Py_ssize_t start,
                        Py_ssize_t end) noexcept


cdef inline carray.array blank_like(carray.array template, Py_ssize_t size):
    """An array of `template`'s type and `size` items, not written (clordids._blank)."""
    return carray.clone(template, size, False)


@cython.locals(a=cython.ulonglong, b=cython.ulonglong)
cdef unsigned long long _hash(str owner, str cl_ord_id)

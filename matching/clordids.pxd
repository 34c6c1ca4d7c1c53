# Cython declarations for clordids.py: slots and hashes as typed views of their arrays, and
# the probe's arithmetic on unsigned 64-bit integers. Semantics live in clordids.py only.

cimport cython

from matching.prefetch cimport prefetch_address, prefetch_object

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


cdef extern from *:
    """
    /* A string's hash as hash() gives it, read from the string when it has been computed
       (a string computes its hash once and keeps it): no call through the type's slot. */
    static CYTHON_INLINE Py_hash_t clordids_str_hash(PyObject *s) {
        Py_hash_t h = ((PyASCIIObject *)s)->hash;
        return h != -1 ? h : PyObject_Hash(s);
    }
    """
    Py_hash_t _str_hash "clordids_str_hash" (str s) except? -1


@cython.locals(a=cython.ulonglong, b=cython.ulonglong)
cdef unsigned long long _hash(str owner, str cl_ord_id)

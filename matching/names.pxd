# Cython declarations for names.py: `get` on C integers, the key's cached hash read from
# the string itself.

cimport cython

from matching.strhash cimport str_hash


@cython.final
cdef class Names:
    cdef dict _dict
    cdef list _slots
    cdef Py_ssize_t _mask

    @cython.locals(h=Py_ssize_t, mask=Py_ssize_t, i=Py_ssize_t, k=object)
    cpdef object get(self, str key, default=*)
    @cython.locals(mask=Py_ssize_t, i=Py_ssize_t)
    cdef _place(self, str key, value)
    cdef _rebuild(self, Py_ssize_t capacity)

# C only: a string's hash without the call, as prefetch.pxd a declaration without a Python
# module. Compiled code cimports it where a string's hash is read on every command; the .py
# beside calls hash(), which gives the same value.

cdef extern from *:
    """
    /* A string's hash as hash() gives it, read from the string when it has been computed
       (a string computes its hash once and keeps it): no call through the type's slot. */
    static CYTHON_INLINE Py_hash_t __pyx_str_hash(PyObject *s) {
        Py_hash_t h = ((PyASCIIObject *)s)->hash;
        return h != -1 ? h : PyObject_Hash(s);
    }
    """
    Py_hash_t str_hash "__pyx_str_hash" (str s) except? -1

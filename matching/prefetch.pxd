# C only: hints to the processor to start loading memory ahead of its use, which change
# nothing a program sees. Declarations without a Python module: the compiled core cimports
# them, and every call in a .py is guarded by `cython.compiled`, so the same source runs in
# Python, where the hint is simply not given.

cdef extern from *:
    """
    /* Every cache line of an object's basic size. */
    static CYTHON_INLINE void __pyx_prefetch_object(PyObject *o) {
        const char *p = (const char *)o;
        Py_ssize_t size = Py_TYPE(o)->tp_basicsize;
        for (Py_ssize_t i = 0; i < size; i += 64) __builtin_prefetch(p + i);
    }
    """
    void prefetch_object "__pyx_prefetch_object" (object o) noexcept
    void prefetch_address "__builtin_prefetch" (const void *p) noexcept

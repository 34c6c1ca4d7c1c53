# C only: hints to the processor to start loading memory ahead of its use, which change
# nothing a program sees. Declarations without a Python module: the compiled core cimports
# them, and every call in a .py is guarded by `cython.compiled`, so the same source runs in
# Python, where the hint is simply not given.

cdef extern from *:
    """
    /* Every cache line an object's basic size spans (from the line its start is in). */
    static CYTHON_INLINE void __pyx_prefetch_object(PyObject *o) {
        uintptr_t start = (uintptr_t)o;
        uintptr_t end = start + (uintptr_t)Py_TYPE(o)->tp_basicsize;
        for (uintptr_t line = start & ~(uintptr_t)63; line < end; line += 64)
            __builtin_prefetch((const void *)line);
    }
    """
    void prefetch_object "__pyx_prefetch_object" (object o) noexcept
    void prefetch_address "__builtin_prefetch" (const void *p) noexcept

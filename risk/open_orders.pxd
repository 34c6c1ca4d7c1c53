# Cython declarations for open_orders.py: the cells as a typed view of their array, and the
# probe's arithmetic on 64-bit integers. Semantics live in open_orders.py only.

cimport cython

from matching.prefetch cimport prefetch_address

cdef Py_ssize_t _FIRST_BITS, _FIRST_CAPACITY, _STRIDE
cdef unsigned long long _MIX, _BITS64


# The accessors cannot fail (open_orders.py: every index is within the cells).
@cython.final
cdef class OpenOrders:
    cdef long long[::1] _cells
    cdef int _shift
    cdef Py_ssize_t _mask
    cdef Py_ssize_t _count

    @cython.locals(mask=Py_ssize_t, i=Py_ssize_t, key=cython.longlong)
    cpdef Py_ssize_t find(self, long long order_id) noexcept
    @cython.locals(i=Py_ssize_t)
    cpdef prefetch(self, long long order_id)
    cpdef long long leaves(self, Py_ssize_t cell) noexcept
    cpdef long long price(self, Py_ssize_t cell) noexcept
    cpdef Py_ssize_t leg_number(self, Py_ssize_t cell) noexcept
    cpdef bint is_buy(self, Py_ssize_t cell) noexcept
    @cython.locals(base=Py_ssize_t)
    cpdef void set(self, Py_ssize_t cell, long long leaves, long long price) noexcept
    @cython.locals(mask=Py_ssize_t, i=Py_ssize_t)
    cpdef add(self, long long order_id, Py_ssize_t leg, bint is_buy, long long leaves,
              long long price)
    @cython.locals(mask=Py_ssize_t, hole=Py_ssize_t, i=Py_ssize_t, home=Py_ssize_t,
                   key=cython.longlong, base=Py_ssize_t)
    cpdef remove(self, Py_ssize_t cell)
    @cython.locals(base=Py_ssize_t)
    cdef _put(self, Py_ssize_t i, long long order_id, long long leaves, long long price,
              long long leg_side)
    @cython.locals(old="long long[::1]", capacity=Py_ssize_t, mask=Py_ssize_t,
                   base=Py_ssize_t, key=cython.longlong, i=Py_ssize_t)
    cdef _grow(self)


@cython.locals(table=OpenOrders)
cpdef OpenOrders _restore(list items)

cpdef Py_ssize_t _home(unsigned long long order_id, int shift)

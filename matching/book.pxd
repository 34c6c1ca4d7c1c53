# Cython declarations for book.py: the book's structures as extension types, their hot
# methods callable at C speed from engine.py. Semantics live in book.py only.

cimport cython

from matching.model cimport Instrument, Order


@cython.final
cdef class PriceLevel:
    cdef public object price
    cdef public Order head
    cdef public Order tail
    cdef public Py_ssize_t count
    cdef public object total
    cdef public object hidden

    @cython.locals(tail=Order)
    cpdef append(self, Order order)
    @cython.locals(ahead=Order, behind=Order)
    cpdef unlink(self, Order order)


cdef Py_ssize_t _FIRST_LEVELS, _NEAR_TOP
cdef object _BUY


@cython.final
cdef class BookSide:
    cdef public object side
    cdef public long long sign
    cdef long long[::1] keys
    cdef public list ladder
    cdef public PriceLevel best
    cdef public list _spare

    @cython.locals(level=PriceLevel, at=Py_ssize_t, leaves="long long", px="long long")
    cpdef add(self, Order order)
    @cython.locals(level=PriceLevel, leaves="long long")
    cpdef remove(self, Order order)
    @cython.locals(leaves="long long")
    cpdef detach(self, PriceLevel level, Order order)
    @cython.locals(level=PriceLevel, cut="long long", leaves="long long",
                   hidden_before="long long")
    cpdef reduce(self, Order order, long long new_qty)
    @cython.locals(px="long long", at=Py_ssize_t)
    cdef PriceLevel _level_of(self, Order order)
    @cython.locals(n=Py_ssize_t, lo=Py_ssize_t, hi=Py_ssize_t, mid=Py_ssize_t, i=Py_ssize_t,
                   k="long long")
    cdef Py_ssize_t _find(self, long long key) except? -1
    @cython.locals(level=PriceLevel)
    cdef PriceLevel _open_level(self, price, Py_ssize_t at)
    @cython.locals(n=Py_ssize_t, j=Py_ssize_t, keys="long long[::1]")
    cpdef _file_level(self, PriceLevel level, Py_ssize_t at)
    @cython.locals(ladder=list, n=Py_ssize_t, at=Py_ssize_t, j=Py_ssize_t, px="long long")
    cpdef close_level(self, PriceLevel level)
    @cython.locals(best=PriceLevel)
    cpdef bint crosses(self, price, taker_side)


@cython.final
cdef class StopBook:
    cdef public object buys
    cdef public object sells
    cdef public Py_ssize_t count

    cpdef add(self, Order order)
    cpdef remove(self, Order order)
    cpdef pop_triggered(self, low_px, high_px)


cpdef tuple _stop_key(Order order)


@cython.final
cdef class OrderBook:
    cdef public Instrument instrument
    cdef public BookSide bids
    cdef public BookSide asks
    cdef public StopBook stops
    cdef public object last_px

    cpdef BookSide side(self, side)
    cpdef BookSide opposite(self, side)

# Cython declarations for engine.py: the engine as an extension type whose internal steps
# are C calls, and the local variables of the hot paths typed so that field access is a
# struct access. Semantics live in engine.py only; nothing here changes behaviour.

cimport cython

from matching.book cimport BookSide, OrderBook, PriceLevel, StopBook
from matching.clordids cimport ClOrdIds
from matching.commands cimport (
    AdvanceTime,
    CancelOrder,
    EndOfDay,
    MassCancel,
    NewDay,
    RejectOrder,
    ReplaceOrder,
    SetSelfTradePrevention,
    SubmitOrder,
)
from matching.events cimport (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderReplaced,
    OrderRestated,
    OrderTriggered,
)
from matching.model cimport Instrument, Order, is_live_status
from matching.names cimport Names
from matching.prefetch cimport prefetch_object

# The enum members and reasons engine.py binds once, as C globals: read on every command,
# each would otherwise be a lookup in the module's dictionary.
cdef object _BUY, _MARKET, _LIMIT, _STOP, _STOP_LIMIT, _FOK, _GTD, _GTC, _DAY
cdef object _NEW, _PARTIAL, _FILLED, _CANCELED, _EXPIRED, _STP_OFF
cdef object _REASON_FOK, _REASON_MARKET, _REASON_IOC, _REASON_REQUESTED


cdef class TopOfBook:
    cdef readonly object bid_px
    cdef readonly object bid_qty
    cdef readonly object ask_px
    cdef readonly object ask_qty


@cython.final
cdef class MatchingEngine:
    cdef Names _books
    cdef object _stp_default
    cdef Names _stp_by_account
    cdef Names _accounts
    cdef list _orders
    cdef object _first_order_id
    cdef dict _carried
    cdef ClOrdIds _by_clordid
    cdef ClOrdIds _day_before
    cdef dict _mass_cancels
    cdef dict _mass_cancels_before
    cdef list _gtd
    cdef long long _next_order_id
    cdef long long _next_exec_id
    cdef long long _next_trade_id
    cdef long long _next_priority

    cpdef list handle(self, cmd)
    @cython.locals(book=OrderBook)
    cpdef last_trade_px(self, str symbol)
    cpdef long long next_order_id(self)
    cpdef next_expiry_ns(self)
    cpdef bint answers_without_executing(self, str owner, str cl_ord_id, bint poss_resend)
    cpdef list _live(self, str symbol)
    cdef Order _known(self, order_id)
    @cython.locals(book=OrderBook, bid=PriceLevel, ask=PriceLevel)
    cpdef TopOfBook top_of_book(self, str symbol)
    @cython.locals(exec_id="long long")
    cpdef OrderEvent _snap(self, OrderEvent ev, Order o, long long ts_ns)
    @cython.locals(ev=OrderFilled)
    cdef OrderFilled _filled(self, Order o, long long ts_ns, long long qty, long long px,
                             long long trade_id, bint aggressor, contra_order_id)
    @cython.locals(ev=OrderReplaced)
    cdef OrderReplaced _replaced(self, Order o, long long ts_ns, bint ended)
    @cython.locals(ev=OrderRestated)
    cdef OrderRestated _restated(self, Order o, long long ts_ns, str text)
    cdef list _reject(self, cmd, reason, str text)
    @cython.locals(book=OrderBook, seen=Order, by_clordid=ClOrdIds)
    cdef list _submit(self, SubmitOrder cmd)
    @cython.locals(order=Order, account=str, order_id="long long")
    cdef list _enter(self, SubmitOrder cmd, OrderBook book)
    @cython.locals(order=Order, book=OrderBook)
    cdef list _trim(self, tuple trims, long long ts_ns)
    @cython.locals(inst=Instrument)
    cdef _validate(self, SubmitOrder cmd, OrderBook book)
    @cython.locals(opposite=BookSide, best=PriceLevel)
    cdef _work(self, OrderBook book, Order order, list events, long long ts_ns, bint trigger=*)
    @cython.locals(expired=OrderExpired, canceled=OrderCanceled)
    cdef _end(self, Order order, status, reason, list events, long long ts_ns)
    @cython.locals(book=OrderBook)
    cdef OrderBook _book_of(self, Order order)
    cdef _unfile(self, OrderBook book, Order order)
    cdef _stp_mode(self, account)
    @cython.locals(level=PriceLevel, maker=Order)
    cdef bint _fok_fillable(self, BookSide opposite, side, price, need, str account)
    cdef bint _ends_unfilled(self, SubmitOrder cmd, OrderBook book)
    cdef str _unknown(self, str owner, str cl_ord_id, order_id)
    @cython.locals(level=PriceLevel, maker=Order, stp_off=bint, is_buy=bint,
                   remaining="long long", q="long long", avail="long long", trade_id="long long")
    cdef _match(self, OrderBook book, BookSide opposite, Order taker, list events, long long ts_ns)
    cdef _refresh_slice(self, PriceLevel level, Order maker)
    cdef _prevent_self_trade(self, stp, BookSide opposite, PriceLevel level, Order maker,
                             Order taker, remaining, list events, long long ts_ns)
    @cython.locals(order=Order, triggered=OrderTriggered)
    cdef _trigger_stops(self, OrderBook book, list events, long long ts_ns, first_px=*)
    @cython.locals(order=Order)
    cpdef Order find(self, str owner, str cl_ord_id, order_id)
    cdef list _cancel_reject(self, cmd, Order order, reason, str text)
    @cython.locals(order=Order)
    cdef _precheck(self, cmd, str owner, str cl_ord_id, str orig_cl_ord_id, order_id,
                   str symbol)
    cdef _rename(self, Order order, str cl_ord_id)
    @cython.locals(order=Order)
    cdef list _cancel(self, CancelOrder cmd)
    @cython.locals(order=Order, book=OrderBook, side=BookSide)
    cdef list _replace(self, ReplaceOrder cmd)
    @cython.locals(order=Order)
    cdef list _mass_cancel(self, MassCancel cmd)
    @cython.locals(order=Order)
    cdef list _advance_time(self, AdvanceTime cmd)
    @cython.locals(order=Order)
    cdef list _end_of_day(self, EndOfDay cmd)
    @cython.locals(order=Order, live=ClOrdIds, day=ClOrdIds, carried=dict)
    cdef _new_day(self)


@cython.locals(o=Order)
cpdef Order _entered(order_id, SubmitOrder cmd)
@cython.locals(qty="long long", cum_qty="long long")
cdef inline OrderEvent _as_of(OrderEvent ev, Order o, long long ts_ns)
cdef _remainder_reason(Order order)
cdef _invalid_shape(SubmitOrder cmd, Instrument inst)
cdef _changed_by_replace(ReplaceOrder cmd, Order order, Instrument inst)
@cython.locals(order=Order)
cdef _invalid_replace(ReplaceOrder cmd, Order order, Instrument inst)
cdef bint _is_priced(t)
cdef bint _is_stop(t)
cdef bint _is_market(t)
cdef bint _is_resting_tif(tif)
cdef bint _rests(Order order)

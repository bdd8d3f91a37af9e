"""The market maker: where it quotes, how it keeps a deep touch, how it reacts to the flow.

The maker quotes a bid at the centre ``c`` (``book.sc[S_CENTER]``, price ticks) and an ask one
price step above. It keeps at least a target size (``steps.mm_size``) at both quotes, skewed
by its inventory (long: a smaller bid and a larger ask), so the best level is deep and sticky.
It moves its quotes in two ways only:

- **flow** (:func:`react`): when market orders or cancellations deplete a quote's queue, the
  maker either refills the level (the price reverts) or, if the latent price lies on the side
  the flow pushed toward, improves inside the new spread (the price moves one step). This is
  the queue-reactive rule with the latent price deciding the probability of each outcome;
- **staleness** (:func:`requote`): when its fair value (the latent price plus a transient
  shift that every market order pushes its way, :func:`record_impact`) drifts further than
  ``band`` ticks from the quote centre, the maker moves its quotes toward it in increments:
  it pulls the quotes it leaves behind, takes (or pulls) what others left there, and quotes
  anew.

Both rules depend on the past only through the centre and the book, and the staleness rule
resets the centre to a function of the latent price, so two books fed the same flow from
different starting states converge: that is what keeps segment warm-ups exact.
"""

from __future__ import annotations

import math

from aleatoric.reactor._kernels._bundles import (
    F_INVENTORY,
    F_OFFSET,
    I64,
    S_BASE,
    S_BEST_ASK,
    S_BEST_BID,
    S_CENTER,
    Book,
    Steps,
    kernel,
)
from aleatoric.reactor._kernels.matching import REACT_BIT, add_and_emit, pull_maker, sweep
from aleatoric.reactor._kernels.queues import snap_down, snap_up, step_at
from aleatoric.reactor.dtypes import ASK, BID

__all__ = ["ask_of", "fair_value", "react", "reaction_id", "record_impact", "requote"]


def _ask_of_impl(steps: Steps, s: int, c: int) -> int:
    # The maker's ask for bid ``c``: one price step above, or ``width`` steps in a scenario.
    w = steps.width[s]
    if w <= 1:
        return snap_up(c + 1, steps.scale, steps.sig)
    return snap_up(c + w * step_at(c, steps.scale, steps.sig), steps.scale, steps.sig)


#: The maker's ask price (ticks) when its bid is at ``c``.
ask_of = kernel(inline=True)(_ask_of_impl)


def _fair_value_impl(book: Book, f: float) -> float:
    return f + float(book.fl[F_OFFSET])


#: The maker's fair value (ticks): the latent price plus the flow-driven shift.
fair_value = kernel(inline=True)(_fair_value_impl)


def _record_impact_impl(book: Book, steps: Steps, s: int, side: int, size: int) -> None:
    q = math.sqrt(min(size, steps.impact_cap))
    book.fl[F_OFFSET] += steps.impact[s] * q if side == BID else -steps.impact[s] * q


#: Shift the maker's fair value after a market order of ``size`` lots on ``side``.
record_impact = kernel()(_record_impact_impl)


def _quote_size_impl(book: Book, steps: Steps, s: int, side: int) -> int:
    inv = book.fl[F_INVENTORY] / steps.inv_scale
    inv = min(1.0, max(-1.0, inv))
    factor = 1.0 - steps.skew * inv if side == BID else 1.0 + steps.skew * inv
    return max(1, int(steps.mm_size[s, side] * factor))


_quote_size = kernel()(_quote_size_impl)


def _best_px_impl(book: Book, side: int) -> int:
    lvl = book.sc[S_BEST_BID] if side == BID else book.sc[S_BEST_ASK]
    return int(lvl + book.sc[S_BASE]) if lvl >= 0 else -1


_best_px = kernel(inline=True)(_best_px_impl)


def _top_up_impl(
    book: Book, steps: Steps, out: I64, n: int, on: bool, ts: int, s: int, side: int,
    px: int, oid: int,
) -> int:  # fmt: skip
    # Bring the queue at ``px`` up to the maker's target size (one add, if any is missing).
    target = _quote_size(book, steps, s, side)
    have = book.lv_size[side, px - book.sc[S_BASE]]
    if have >= target:
        return n
    return add_and_emit(book, out, n, on, ts, side, px, target - have, oid, steps.mm_life[s, side])


_top_up = kernel()(_top_up_impl)


def _clear_impl(book: Book, steps: Steps, s: int, side: int, px: int) -> bool:
    # Whether a quote at ``px`` on ``side`` would leave the book uncrossed. A scenario's wide
    # spread (``width`` > 1) leaves room for others' orders inside the maker's quotes; when
    # the spread narrows again such an order may stand at or beyond the new quote, and the
    # maker then leaves that quote for a later step. Outside that case it is always clear.
    other = _best_px(book, ASK if side == BID else BID)
    if other < 0:
        return True
    return other > px if side == BID else other < px


_clear = kernel(inline=True)(_clear_impl)


def _move_impl(
    book: Book, steps: Steps, out: I64, n: int, on: bool, ts: int, s: int, to: int, k: int
) -> int:
    # Move the quotes from the centre to ``to`` (one increment): quote the new far side first
    # (so no side is ever empty), pull the stale quotes the new near side would cross (the
    # maker's; with ``take`` others' stale orders are picked off by one sweep, else pulled
    # too), then quote the new near side. Ids: four per increment ``k`` of the step.
    base = book.sc[S_BASE]
    nl = book.lv_size.shape[1]
    new_a = ask_of(steps, s, to)
    ids = steps.dyn_id[s] + 4 * k
    if to > book.sc[S_CENTER]:
        n = _top_up(book, steps, out, n, on, ts, s, ASK, new_a, ids + 3)
        # Everything below the new ask is stale: with a scenario's wide spread (``width`` > 1)
        # that includes the levels inside it, else it is the levels up to the new bid.
        top = new_a - 1 - base
        n = pull_maker(book, out, n, on, ts, ASK, top, steps.take)
        lvl = book.sc[S_BEST_ASK]
        qty = 0
        while 0 <= lvl <= top and lvl < nl:
            qty += book.lv_size[ASK, lvl]
            lvl += 1
        if qty > 0:
            n = sweep(book, out, n, on, ts, BID, top, qty, ids, False)
        n = _top_up(book, steps, out, n, on, ts, s, BID, to, ids + 2)
    else:
        n = _top_up(book, steps, out, n, on, ts, s, BID, to, ids + 2)
        bottom = to + 1 - base  # everything above the new bid is stale (as above)
        n = pull_maker(book, out, n, on, ts, BID, bottom, steps.take)
        lvl = book.sc[S_BEST_BID]
        qty = 0
        while lvl >= bottom and lvl >= 0:
            qty += book.lv_size[BID, lvl]
            lvl -= 1
        if qty > 0:
            n = sweep(book, out, n, on, ts, ASK, bottom, qty, ids + 1, False)
        n = _top_up(book, steps, out, n, on, ts, s, ASK, new_a, ids + 3)
    book.sc[S_CENTER] = to
    return n


_move = kernel()(_move_impl)

#: Most increments of one requote (ids: four per increment, 64 per step).
MAX_INCREMENTS = 16


def _requote_impl(book: Book, steps: Steps, out: I64, n: int, on: bool, ts: int, s: int) -> int:
    """Move the quotes toward the fair value when it left the band; top both quotes up.

    A move goes up a staircase of increments of about one band, each a message of its own
    (new far quote, stale quotes pulled or taken, new near quote), so a large move shows the
    order-flow imbalance of every level it passes, as a sweep through a real book does. At
    most four bands per step: a larger gap closes over several steps.
    """
    book.fl[F_INVENTORY] *= steps.decay
    book.fl[F_OFFSET] *= steps.impact_decay
    f = steps.fair[s] + book.fl[F_OFFSET]
    c = book.sc[S_CENTER]
    base = book.sc[S_BASE]
    nl = book.lv_size.shape[1]
    target = snap_down(math.floor(f), steps.scale, steps.sig)
    if c < 0:
        c = target
    else:
        a = ask_of(steps, s, c)
        gap = f - 0.5 * (c + a)
        band = steps.band[s]
        if abs(gap) > band:
            cap = int(4.0 * band) + 1
            if target > c + cap:
                target = snap_down(c + cap, steps.scale, steps.sig)
            elif target < c - cap:
                target = snap_down(c - cap, steps.scale, steps.sig)
            inc = max(1, int(band))
            k = 0
            while c != target:
                nxt = c + inc if target > c else c - inc
                if k == MAX_INCREMENTS - 1 or (nxt > target if target > c else nxt < target):
                    nxt = target
                nxt = snap_down(nxt, steps.scale, steps.sig)
                if nxt == c:
                    nxt = target
                n = _move(book, steps, out, n, on, ts, s, nxt, k)
                c = nxt
                k += 1
    book.sc[S_CENTER] = c
    a = ask_of(steps, s, c)
    if c - base < 0 or a - base >= nl:
        return n
    # Lean: the quote the latent price leans against is not topped up, so flow toward the
    # latent price depletes it and moves the price (see ``react``).
    gap = f - 0.5 * (c + a)
    hold = steps.hold * steps.band[s]
    if (gap >= -hold or book.sc[S_BEST_BID] + base < c) and _clear(book, steps, s, BID, c):
        n = _top_up(book, steps, out, n, on, ts, s, BID, c, steps.dyn_id[s] + 2)
    if (gap <= hold or book.sc[S_BEST_ASK] < 0 or book.sc[S_BEST_ASK] + base > a) and _clear(
        book, steps, s, ASK, a
    ):
        n = _top_up(book, steps, out, n, on, ts, s, ASK, a, steps.dyn_id[s] + 3)
    return n


requote = kernel()(_requote_impl)


def _reaction_id_impl(arrival_id: int) -> int:
    # Arrival ids are ``block << 22 | index`` with ``index < 2**18``; a reaction keeps the
    # block and index, sets bit 20 and leaves two low bits for which quote it is.
    return ((arrival_id >> 22) << 22) | REACT_BIT | ((arrival_id & 0x3FFFF) << 2)


#: The first id of the maker's quotes in reaction to an arrival (four per arrival).
reaction_id = kernel()(_reaction_id_impl)


def _react_impl(
    book: Book, steps: Steps, out: I64, n: int, on: bool, ts: int, s: int, f: float, rid: int
) -> int:
    """After an arrival: refill a depleted quote, or step toward the latent price."""
    c = book.sc[S_CENTER]
    if c < 0:
        return n
    a = ask_of(steps, s, c)
    mid = 0.5 * (c + a)
    bb = _best_px(book, BID)
    ba = _best_px(book, ASK)
    if ba < 0 or ba > a:
        if f > mid and (bb < 0 or bb <= c):
            # The ask queue is gone and the latent price is above: the bid improves to ``a``.
            if steps.width[s] <= 1:
                c = a
                a = snap_up(c + 1, steps.scale, steps.sig)
            else:
                c = snap_up(c + 1, steps.scale, steps.sig)
                a = ask_of(steps, s, c)
    elif (bb < 0 or bb < c) and f < mid and (ba < 0 or ba >= a):
        if steps.width[s] <= 1:
            a = c
            c = snap_down(c - 1, steps.scale, steps.sig)
        else:
            c = snap_down(c - 1, steps.scale, steps.sig)
            a = ask_of(steps, s, c)
    book.sc[S_CENTER] = c
    base = book.sc[S_BASE]
    if c - base < 0 or a - base >= book.lv_size.shape[1]:
        return n
    if _best_px(book, BID) < c and _clear(book, steps, s, BID, c):
        n = _top_up(book, steps, out, n, on, ts, s, BID, c, rid)
    if (_best_px(book, ASK) < 0 or _best_px(book, ASK) > a) and _clear(book, steps, s, ASK, a):
        n = _top_up(book, steps, out, n, on, ts, s, ASK, a, rid + 1)
    return n


react = kernel()(_react_impl)

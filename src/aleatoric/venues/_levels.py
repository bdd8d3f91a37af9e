"""Book levels as wire text, written by one compiled loop instead of one f-string per level.

A day of depth messages carries millions of ``["63437.30","0.125"]`` levels; formatting each
in Python dominated the encoders. :func:`level_text` writes every level of a batch into one
ASCII buffer (levels joined by commas, a trailing comma after the last) and returns it with
the start offset of each level, so a message's run of levels ``a:b`` is one string slice.
Numbers print exactly as :class:`~aleatoric.venues._format.Formatter` prints them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numba as nb
import numpy as np
import numpy.typing as npt

from aleatoric.instruments import Grid

__all__ = ["LevelText", "NumberStyle", "Run", "concat", "level_text", "row_text"]

I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]

_FIXED, _TRIMMED, _KEEP_ONE = 0, 1, 2
_POW10 = np.array([10**i for i in range(19)], dtype=np.int64)


@dataclass(frozen=True)
class NumberStyle:
    """How one number column prints: a :class:`Formatter` style on a grid.

    ``zero`` replaces the text of 0 when set (Bybit writes a deleted level's size as ``"0"``),
    ``missing`` the text of -1 (an empty book side).
    """

    grid: Grid
    style: str = "fixed"
    places: int = 0
    zero: str | None = None
    missing: str | None = None

    def spec(self) -> tuple[int, int, int]:
        """Return (multiplier to decimal units, decimal places, trim mode) for the kernel."""
        if self.style == "fixed":
            if self.places < self.grid.scale:
                raise ValueError(
                    f"cannot print a {self.grid.step} grid with {self.places} decimals"
                )
            mul = self.grid.numerator * 10 ** (self.places - self.grid.scale)
            return mul, self.places, _FIXED
        if self.style not in ("trimmed", "keep_one"):
            raise ValueError(f"style must be fixed, trimmed or keep_one, was {self.style!r}")
        mode = _TRIMMED if self.style == "trimmed" else _KEEP_ONE
        return self.grid.numerator, self.grid.scale, mode


@nb.njit(cache=True)
def _put_int(buf, pos, n):  # type: ignore[no-untyped-def]  # pragma: no cover
    # Decimal digits of a non-negative integer at buf[pos:], returns the new position.
    k = 1
    while k < 19 and n >= _POW10[k]:
        k += 1
    for i in range(k - 1, -1, -1):
        q = n // 10
        buf[pos + i] = 48 + n - 10 * q
        n = q
    return pos + k


@nb.njit(cache=True)
def _put_decimal(buf, pos, n, places, mode):  # type: ignore[no-untyped-def]  # pragma: no cover
    # n / 10**places with ``places`` decimals (fixed), trailing zeros and a bare dot removed
    # (trimmed), or trimmed keeping one decimal (keep_one); n may be negative.
    if n < 0:
        buf[pos] = 45
        pos += 1
        n = -n
    p10 = _POW10[places]
    whole = n // p10
    frac = n - whole * p10
    pos = _put_int(buf, pos, whole)
    if places == 0:
        if mode == 2:
            buf[pos] = 46
            buf[pos + 1] = 48
            return pos + 2
        return pos
    keep = places
    if mode != 0:
        while keep > 0 and frac % 10 == 0:
            frac //= 10
            keep -= 1
        if keep == 0:
            if mode == 2:
                buf[pos] = 46
                buf[pos + 1] = 48
                return pos + 2
            return pos
    buf[pos] = 46
    pos += 1
    for i in range(keep - 1, -1, -1):
        q = frac // 10
        buf[pos + i] = 48 + frac - 10 * q
        frac = q
    return pos + keep


_INT, _DEC, _CHOICE, _RUN = 0, 1, 2, 3


@nb.njit(cache=True)
def _rows(  # type: ignore[no-untyped-def]  # pragma: no cover
    values, stops, kinds, specs, zero_at, miss_at, segs, seg_ends, choices, choice_ends,
    choice_base, width, lv_buf, lv_off,
):  # fmt: skip
    # Row i: segs[0] field[0] segs[1] field[1] ... segs[k] then a comma. Field kinds: signed
    # integer, decimal (specs: multiplier, places, trim mode; zero_at >= 0 prints choice
    # zero_at for 0, miss_at likewise for -1), a choice (the value indexes that field's
    # strings), or a run of rows values:stops of an earlier call's text (lv_buf, lv_off)
    # joined by commas. ``width``
    # bounds one row's bytes without its runs; the buffer doubles when a row might not fit.
    k, n = values.shape
    offsets = np.empty(n + 1, np.int64)
    buf = np.empty(min(n * width, 1 << 20) + width, np.uint8)
    pos = 0
    for i in range(n):
        need = pos + width
        for f in range(k):
            if kinds[f] == 3:
                need += lv_off[stops[f, i]] - lv_off[values[f, i]]
        if need > buf.shape[0]:
            grown = np.empty(max(2 * buf.shape[0], need), np.uint8)
            grown[:pos] = buf[:pos]
            buf = grown
        offsets[i] = pos
        for f in range(k + 1):
            a = seg_ends[f - 1] if f else 0
            for j in range(a, seg_ends[f]):
                buf[pos] = segs[j]
                pos += 1
            if f == k:
                break
            v = values[f, i]
            kind = kinds[f]
            c = -1
            if kind == 3:
                e = stops[f, i]
                if e > v:
                    a = lv_off[v]
                    m = lv_off[e] - 1 - a
                    buf[pos : pos + m] = lv_buf[a : a + m]
                    pos += m
                continue
            if kind == 2:
                c = choice_base[f] + v
            elif kind == 1 and v == 0 and zero_at[f] >= 0:
                c = zero_at[f]
            elif kind == 1 and v == -1 and miss_at[f] >= 0:
                c = miss_at[f]
            if c >= 0:
                a = choice_ends[c - 1] if c else 0
                for j in range(a, choice_ends[c]):
                    buf[pos] = choices[j]
                    pos += 1
            elif kind == 1:
                pos = _put_decimal(buf, pos, v * specs[f, 0], specs[f, 1], specs[f, 2])
            else:
                if v < 0:
                    buf[pos] = 45
                    pos += 1
                    v = -v
                pos = _put_int(buf, pos, v)
        buf[pos] = 44
        pos += 1
    offsets[n] = pos
    return buf[:pos], offsets


class LevelText:
    """Rows written by :func:`row_text`, each followed by a comma, with their start offsets.

    ``join(a, b)`` is ``",".join(rows[a:b])``; the text and offsets as Python objects are
    made on first use (a run source or a :class:`Messages` stream never needs them).
    """

    __slots__ = ("_offsets", "_text", "buf", "off")

    def __init__(self, buf: U8, offsets: I64) -> None:
        self.buf = buf
        self.off = offsets
        self._text: str | None = None
        self._offsets: list[int] | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self.buf.tobytes().decode("ascii")
        return self._text

    @property
    def offsets(self) -> list[int]:
        if self._offsets is None:
            self._offsets = self.off.tolist()
        return self._offsets

    def join(self, a: int, b: int) -> str:
        """Return rows ``a`` to ``b - 1`` joined by commas ("" when none)."""
        if b <= a:
            return ""
        return self.text[self.offsets[a] : self.offsets[b] - 1]

    def __len__(self) -> int:
        return int(self.off.size) - 1

    def items(self) -> list[str]:
        """Return every row's text as its own string."""
        text, off = self.text, self.offsets
        return [text[a : b - 1] for a, b in itertools.pairwise(off)]

    def run(self, start: npt.ArrayLike, stop: npt.ArrayLike) -> Run:
        """Return a :func:`row_text` field printing rows ``start[i]:stop[i]`` joined by commas."""
        return Run(self, np.asarray(start, dtype=np.int64), np.asarray(stop, dtype=np.int64))


@nb.njit(cache=True)
def _permute(buf, start, length, order):  # type: ignore[no-untyped-def]  # pragma: no cover
    # Items ``order`` of (buf, start, length), each followed by a comma, and their offsets.
    total = 0
    for i in order:
        total += length[i] + 1
    out = np.empty(total, np.uint8)
    offsets = np.empty(order.shape[0] + 1, np.int64)
    pos = 0
    for j in range(order.shape[0]):
        i = order[j]
        offsets[j] = pos
        a = start[i]
        m = length[i]
        out[pos : pos + m] = buf[a : a + m]
        pos += m
        out[pos] = 44
        pos += 1
    offsets[order.shape[0]] = pos
    return out, offsets


def concat(parts: list[LevelText], order: npt.ArrayLike) -> LevelText:
    """Return the rows of ``parts`` (numbered across them, in turn) in ``order``."""
    bufs = [p.buf for p in parts]
    shift = np.cumsum([0] + [b.size for b in bufs[:-1]])
    offs = [p.off for p in parts]
    start = np.concatenate([o[:-1] + k for o, k in zip(offs, shift, strict=True)] + [_empty()])
    length = np.concatenate([np.diff(o) - 1 for o in offs] + [_empty()])
    buf = np.concatenate(bufs) if bufs else np.zeros(0, dtype=np.uint8)
    out, offsets = _permute(buf, start, length, np.asarray(order, dtype=np.int64))
    return LevelText(out, offsets)


def _empty() -> I64:
    return np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class Run:
    """A :func:`row_text` field: per row, the rows ``start:stop`` of another text."""

    source: LevelText
    start: I64
    stop: I64


#: A field of :func:`row_text`: an integer column, a decimal column with its style, or an
#: index column into a tuple of strings.
Field = (
    tuple[npt.ArrayLike]
    | tuple[npt.ArrayLike, NumberStyle]
    | tuple[npt.ArrayLike, tuple[str, ...]]
    | tuple[npt.ArrayLike, npt.NDArray[np.uint8]]
    | Run
)


def row_text(template: str, fields: dict[str, Field]) -> LevelText:
    """Write one text per row: ``template`` with ``{name}`` replaced by each field's value.

    A field is ``(ints,)`` (printed as integers), ``(units, NumberStyle)`` (printed as that
    style prints them), ``(index, strings)`` (printed as ``strings[index]``; strings may be a
    ``uint8`` matrix of fixed-width ASCII texts, one per row) or a
    :class:`Run` of another text's rows. Literal braces in the template are written as they
    are; only ``{name}`` of a field is replaced. Runs of one call share one source text.
    """
    order: list[tuple[int, str]] = []
    for name in fields:
        at = template.find("{" + name + "}")
        if at < 0:
            raise ValueError(f"template has no {{{name}}}")
        order.append((at, name))
    order.sort()
    segments: list[bytes] = []
    cursor = 0
    for at, name in order:
        segments.append(template[cursor:at].encode("ascii"))
        cursor = at + len(name) + 2
    segments.append(template[cursor:].encode("ascii"))
    names = [name for _, name in order]
    n_rows = -1
    columns = []
    kinds = np.zeros(len(names), dtype=np.int64)
    specs = np.zeros((len(names), 3), dtype=np.int64)
    zero_at = np.full(len(names), -1, dtype=np.int64)
    miss_at = np.full(len(names), -1, dtype=np.int64)
    choice_base = np.zeros(len(names), dtype=np.int64)
    strings: list[bytes] = []
    tables: list[npt.NDArray[np.uint8]] = []
    table_at: dict[int, int] = {}
    width = sum(len(x) for x in segments) + 1
    stops = np.zeros((len(names), 0), dtype=np.int64)
    source: LevelText | None = None
    run_stops: dict[int, I64] = {}
    for f, name in enumerate(names):
        field = fields[name]
        col = np.ascontiguousarray(field.start if isinstance(field, Run) else field[0],
                                   dtype=np.int64)  # fmt: skip
        if n_rows >= 0 and col.size != n_rows:
            raise ValueError(f"field {name} has {col.size} rows, expected {n_rows}")
        n_rows = col.size
        columns.append(col)
        if isinstance(field, Run):
            if source is not None and field.source is not source:
                raise ValueError("runs of one row_text call must share one source")
            source = field.source
            kinds[f] = _RUN
            run_stops[f] = field.stop
            continue
        if len(field) == 1:
            width += 21
            continue
        how = field[1]
        if isinstance(how, NumberStyle):
            kinds[f] = _DEC
            specs[f] = how.spec()
            width += 48
            if how.zero is not None:
                zero_at[f] = len(strings)
                strings.append(how.zero.encode("ascii"))
                width += len(strings[-1])
            if how.missing is not None:
                miss_at[f] = len(strings)
                strings.append(how.missing.encode("ascii"))
                width += len(strings[-1])
        elif isinstance(how, np.ndarray):
            # A table of fixed-width ASCII texts, one row of bytes each.
            kinds[f] = _CHOICE
            if col.size and (int(col.min()) < 0 or int(col.max()) >= how.shape[0]):
                raise ValueError(f"field {name} indexes {how.shape[0]} texts")
            table_at[f] = sum(t.shape[0] for t in tables)  # after every string, below
            tables.append(np.ascontiguousarray(how, dtype=np.uint8))
            width += how.shape[1]
        else:
            kinds[f] = _CHOICE
            if col.size and (int(col.min()) < 0 or int(col.max()) >= len(how)):
                raise ValueError(f"field {name} indexes {len(how)} strings")
            choice_base[f] = len(strings)
            strings += [x.encode("ascii") for x in how]
            width += max((len(x) for x in how), default=0)
    values = np.stack(columns) if columns else np.zeros((0, max(n_rows, 0)), dtype=np.int64)
    if run_stops:
        stops = np.zeros(values.shape, dtype=np.int64)
        for f, stop in run_stops.items():
            stops[f] = stop
    lv_buf, lv_off = (source.buf, source.off) if source else (_bytes(b""), np.zeros(1, np.int64))
    seg_ends = np.cumsum([len(x) for x in segments]).astype(np.int64)
    for f, at in table_at.items():
        choice_base[f] = len(strings) + at
    ends = [np.cumsum([len(x) for x in strings], dtype=np.int64)]
    choice_bytes = b"".join(strings)
    for t in tables:
        ends.append(len(choice_bytes) + t.shape[1] * np.arange(1, t.shape[0] + 1, dtype=np.int64))
        choice_bytes += t.tobytes()
    choice_ends = np.concatenate(ends)
    buf, offsets = _rows(
        values, stops, kinds, specs, zero_at, miss_at, _bytes(b"".join(segments)), seg_ends,
        _bytes(choice_bytes), choice_ends, choice_base, width, lv_buf, lv_off,
    )  # fmt: skip
    return LevelText(buf, offsets)


def _bytes(data: bytes) -> npt.NDArray[np.uint8]:
    return np.frombuffer(data + b" ", dtype=np.uint8)[: len(data)].copy()


def level_text(
    template: str, price: npt.ArrayLike, size: npt.ArrayLike, price_style: NumberStyle,
    size_style: NumberStyle, count: npt.ArrayLike | None = None,
) -> LevelText:  # fmt: skip
    """Write one level per row with ``template`` (``{px}``, ``{sz}`` and optionally ``{n}``).

    For example ``'["{px}","{sz}"]'``.
    """
    fields: dict[str, Field] = {"px": (price, price_style), "sz": (size, size_style)}
    if "{n}" in template:
        if count is None:
            raise ValueError("template prints {n}: pass count")
        fields["n"] = (count,)
    return row_text(template, fields)

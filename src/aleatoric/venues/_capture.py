"""Capture files as recorders write them: gzip text, ``<19-digit local ns> <raw JSON>`` lines.

One file per venue, symbol and UTC day: ``<root>/<venue>/<symbol lower>_<YYYYMMDD>.gz``. The
local timestamp is the receive time in nanoseconds, always after the exchange time.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from aleatoric.errors import DatasetError

__all__ = [
    "NORMALIZED_MARKER",
    "CaptureError",
    "CaptureLine",
    "ReadStats",
    "capture_path",
    "read_capture",
    "write_capture",
    "write_capture_blocks",
]


#: File in a normalized capture's folder: where it came from (venue, capture, truncation).
NORMALIZED_MARKER = "normalized.json"


def capture_path(root: Path, venue: str, symbol: str, day: str) -> Path:
    """Return the capture file path for a venue, symbol and day (``YYYY-MM-DD``)."""
    return root / venue / f"{symbol.lower()}_{day.replace('-', '')}.gz"


#: Fast compression: captures are written once and read by streaming tools; level 1 is
#: several times faster than the default 9 for about 20 % larger files.
GZIP_LEVEL = 1


def write_capture(path: Path, lines: Iterable[str]) -> int:
    """Write ready capture lines (``"<19-digit ns> <json>\\n"``) to ``path`` atomically.

    Returns the line count. The gzip header carries no file name or time, so equal lines
    give equal bytes.
    """

    def blocks() -> Iterator[tuple[bytes, int]]:
        chunk: list[str] = []
        for line in lines:
            chunk.append(line)
            if len(chunk) >= 65_536:
                yield "".join(chunk).encode(), len(chunk)
                chunk.clear()
        yield "".join(chunk).encode(), len(chunk)

    return write_capture_blocks(path, blocks())


def write_capture_blocks(path: Path, blocks: Iterable[tuple[bytes, int]]) -> int:
    """Write blocks of whole capture lines, each with its line count, to ``path`` atomically.

    The bytes equal :func:`write_capture` of the same lines; blocks spare a string per line.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    count = 0
    with (
        open(tmp, "wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="", compresslevel=GZIP_LEVEL) as gz,
    ):
        for data, lines in blocks:
            gz.write(data)
            count += lines
    os.replace(tmp, path)
    return count


@dataclass(frozen=True)
class CaptureLine:
    """One parsed capture line: local receive time and the raw JSON text."""

    local_ns: int
    text: str
    line_no: int


@dataclass
class ReadStats:
    """Lines read and lines that were not ``<19 digits> <json>``, with the first few."""

    lines: int = 0
    malformed: int = 0
    examples: list[str] = field(default_factory=list)
    #: Where and why the file ends early (a cut gzip stream), or None when it is whole.
    truncated: str | None = None

    def bad(self, line_no: int, why: str) -> None:
        self.malformed += 1
        if len(self.examples) < 10:
            self.examples.append(f"line {line_no}: {why}")


class CaptureError(DatasetError):
    """A capture file that cannot be read at all (not gzip although named ``.gz``)."""


def _lines(path: Path, stats: ReadStats) -> Iterator[str]:
    # The text lines of the file; a gzip stream cut short ends them with stats.truncated.
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
        try:
            yield from fh
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            if stats.lines == 0 and isinstance(exc, gzip.BadGzipFile):
                raise CaptureError(f"{path} is not a gzip file ({exc})") from None
            stats.truncated = (
                f"the compressed stream ends early after line {stats.lines} "
                f"({type(exc).__name__}: {exc or 'cut'}); later lines are lost"
            )


def read_capture(path: Path, stats: ReadStats) -> Iterator[CaptureLine]:
    """Yield the lines of a capture (gzip or plain text), streaming; count malformed lines.

    A truncated gzip file yields every line before the cut (a partial last line counts as
    malformed) and sets ``stats.truncated``; a file that is not gzip at all raises
    :class:`CaptureError`.
    """
    for line_no, raw in enumerate(_lines(path, stats), start=1):
        stats.lines += 1
        line = raw.rstrip("\n")
        if not line:
            stats.bad(line_no, "empty line")
            continue
        head, _, text = line.partition(" ")
        if len(head) not in (16, 19) or not head.isdigit() or not text:
            stats.bad(line_no, "expected '<timestamp> <json>'")
            continue
        local = int(head) * (1000 if len(head) == 16 else 1)
        yield CaptureLine(local, text, line_no)

"""Integrity rules for native captures: the venue's own sequencing rules on raw frames, then
the canonical rules on the capture normalized through the venue decoder.

Frame rules live with their venue (``venues/<name>/frames.py``) and are found in the venue
registry. They read the capture once, streaming; each sees every frame in order and reports
offending lines (``seq`` in an example is the capture line number).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from aleatoric.integrity._check import check_dataset, rule_names
from aleatoric.integrity._model import CheckReport, Example, IntegrityInputError, RuleResult
from aleatoric.venues import REGISTRY
from aleatoric.venues._capture import ReadStats, read_capture
from aleatoric.venues._frames import MAX_EXAMPLES, FrameRule, LocalAfterExchange
from aleatoric.venues._gaps import capture_gaps

__all__ = ["FRAME_RULES", "check_capture"]

#: Frame rules by venue, for the venues built in (every venue also gets
#: ``local_after_exchange``); :func:`check_capture` reads the live registry.
FRAME_RULES: dict[str, tuple[type[FrameRule], ...]] = {
    name: spec.frame_rules for name, spec in REGISTRY.items()
}


def _result(rule: FrameRule) -> RuleResult:
    rule.finish()
    passed = rule.violations == 0
    return RuleResult(rule.name, passed, rule.violations, rule.examples, rule.rows, rule.note)


def check_capture(
    path: str | Path, venue: str, *, rules: Sequence[str] | None = None
) -> CheckReport:
    """Check a native capture: the venue's frame rules, then canonical rules after decoding.

    Raises
    ------
    IntegrityInputError
        If the file is missing, the venue has no rules, or a rule name is unknown.
    """
    capture = Path(path)
    if not capture.is_file():
        raise IntegrityInputError(f"capture file {capture} does not exist")
    spec = REGISTRY.get(venue)
    if spec is None:
        raise IntegrityInputError(f"unknown venue {venue!r}; allowed: {', '.join(REGISTRY)}")
    frame_rules: list[FrameRule] = [LocalAfterExchange()]
    frame_rules += [cls() for cls in spec.frame_rules]
    gaps = [(g.start_ns, g.end_ns) for g in capture_gaps(capture)]
    for frame_rule in frame_rules:
        frame_rule.gaps = gaps
    frame_names = [r.name for r in frame_rules]
    canonical = [n for n in rule_names() if n not in spec.not_checked]
    if rules is not None:
        unknown = [r for r in rules if r not in frame_names and r not in canonical]
        if unknown:
            allowed = ", ".join(frame_names + canonical)
            raise IntegrityInputError(f"unknown rule(s) {', '.join(unknown)}; allowed: {allowed}")
        frame_rules = [r for r in frame_rules if r.name in rules]
        canonical = [n for n in canonical if n in rules]
    stats = ReadStats()
    for line in read_capture(capture, stats):
        try:
            msg = json.loads(line.text)
        except ValueError:
            stats.bad(line.line_no, "not JSON")
            continue
        if isinstance(msg, dict):
            for rule in frame_rules:
                rule.see(line.line_no, line.local_ns, msg)
    results = [_result(r) for r in frame_rules]
    if stats.malformed:
        examples: list[Example] = [
            {"table": "capture", "seq": 0, "ts_event": 0, "message": e}
            for e in stats.examples[:MAX_EXAMPLES]
        ]
        bad_lines = RuleResult(
            "capture_lines_readable", False, stats.malformed, examples, stats.lines
        )
        results.append(bad_lines)
    if stats.truncated:
        cut: Example = {"table": "capture", "seq": 0, "ts_event": 0, "message": stats.truncated}
        results.append(RuleResult("capture_complete", False, 1, [cut], stats.lines))
    rows = stats.lines
    symbol = capture.name.split("_")[0].upper()
    if canonical:
        from aleatoric.venues.normalize import normalize

        scratch = Path(tempfile.mkdtemp(prefix="aleatoric-check-"))
        try:
            normalize(capture, venue, scratch / "ds")
            if (scratch / "ds").exists() and any((scratch / "ds").rglob("*.parquet")):
                report = check_dataset(scratch / "ds", rules=canonical)
                results += report.results
                symbol = report.symbol
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return CheckReport(str(capture), venue, symbol, rows, results)

"""The realism report shows the receive-latency distribution of a dataset with a latency overlay."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console

import aleatoric
from aleatoric.realism import render_html, render_terminal, scorecard

OVERLAY = {"kind": "latency", "profile": "cross-region", "params": {"loss_p": 0.001}}


@pytest.fixture(scope="module")
def lossy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rep") / "ds"
    config = aleatoric.load_config(
        duration="3m", segment="3m", warmup="5m", seed=4, overlays=[OVERLAY]
    )
    aleatoric.generate(config, out, formats=("parquet", "native"))
    return out


@pytest.mark.slow
def test_report_shows_the_latency_section(lossy: Path, tmp_path: Path) -> None:
    card = scorecard(lossy)
    html = render_html(card, tmp_path / "r.html").read_text()
    section = html[html.index("<section id='latency'>") :]
    section = section[: section.index("</section>")]
    assert "configured: cross-region [0 min, 3 min)" in section
    assert "fitted (nearest cross-region)" in section
    assert "native messages lost" in section
    p50 = float(re.search(r"delay p50</th><td>([\d.,]+) ms", section).group(1))  # type: ignore[union-attr]
    assert p50 == pytest.approx(68, rel=0.05)  # d_min 65 + exp(mu) 3
    assert "<img alt='receive latency' src=\"data:image/png;base64," in section
    buf = io.StringIO()
    render_terminal(card, Console(file=buf, width=200))
    assert "receive latency" in buf.getvalue()


@pytest.mark.slow
def test_no_section_without_an_overlay(small_dataset: Path, tmp_path: Path) -> None:
    html = render_html(scorecard(small_dataset), tmp_path / "r.html").read_text()
    assert "id='latency'" not in html

"""OpenData releases as a user builds and checks them: the real CLI, real files, real keys.

The tests that build releases are marked slow (CI runs them; the quick run leaves them out).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from aleatoric.opendata import (
    build_release,
    load_universe,
    parse_date,
    release_configs,
    release_seed,
    scenario_for,
    universe,
)

BIN = [sys.executable, "-m", "aleatoric.cli"]
DAY = "2026-03-01"
#: A small universe (two instruments, one native capture) keeps the builds short.
SMALL_UNIVERSE = """
version = 1
preset = "volatile"
tables = ["book_snapshot", "trades", "ticker", "funding"]
snapshot_depth = 10
snapshot_interval = "1s"
instruments = [
  { venue = "binance", symbol = "BTCUSDT" },
  { venue = "okx", symbol = "ETH-USDT-SWAP" },
]
[native]
duration = "1m"
instruments = [{ venue = "hyperliquid", symbol = "BTC" }]
"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([*BIN, *args], capture_output=True, text=True, timeout=900, env=env)


def digests(root: Path, *subs: str) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for sub in subs
        for p in sorted((root / sub).rglob("*"))
        if p.is_file() and p.name != "provenance.intoto.jsonl"
    }


@pytest.fixture(scope="module")
def small_universe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("universe") / "universe.toml"
    path.write_text(SMALL_UNIVERSE)
    return path


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "opendata.key"
    res = run("keygen", str(path), "--algorithm", "ed25519")
    assert res.returncode == 0, res.stderr
    return path


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory, small_universe: Path, key: Path) -> Path:
    out = tmp_path_factory.mktemp("catalog")
    res = run("opendata", "build", "--date", DAY, "--out", str(out), "--duration", "2m",
              "--universe", str(small_universe), "--key", str(key))  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert f"built {out / DAY}" in res.stdout
    return out / DAY


def test_seed_is_the_date_and_the_universe_is_the_documented_one() -> None:
    assert release_seed(parse_date("2026-03-01")) == 20260301
    spec = universe()
    venues = {i.venue for i in spec.instruments}
    assert venues == {"binance", "bybit", "okx", "hyperliquid"}
    assert {i.symbol[:3] for i in spec.instruments} == {"BTC", "ETH"}
    data, native = release_configs(parse_date(DAY), 86_400_000_000_000)
    assert data.seed == native.seed == 20260301
    assert data.canonical()["start"] == "2026-03-01T00:00:00Z"
    assert data.canonical()["duration"] == "1d" and native.canonical()["duration"] == "1h"
    assert "book_delta" in native.tables and "mbo" not in data.tables
    assert scenario_for(parse_date(DAY), spec.scenarios.rotation) == ()


@pytest.mark.slow
def test_release_layout_card_and_signature(release: Path, key: Path) -> None:
    document = json.loads((release / "release.json").read_text())
    assert document["date"] == DAY and document["seed"] == 20260301
    assert document["duration"] == "2m"
    listed = {f["path"] for f in document["files"]}
    assert "data/manifest.json" in listed and "captures/manifest.json" in listed
    assert (
        "scorecard/binance_BTCUSDT.json" in listed and "scorecard/okx_ETH_USDT_SWAP.html" in listed
    )
    assert any(p.startswith("captures/native/hyperliquid/") for p in listed)
    assert [i["split"] for i in document["instruments"]] == ["binance_BTCUSDT", "okx_ETH_USDT_SWAP"]
    figures = document["instruments"][0]["headline"]
    assert figures["trades"] > 0 and figures["low"] <= figures["close"] <= figures["high"]
    card = (release / "README.md").read_text()
    front = yaml.safe_load(card.split("---\n")[1])
    assert front["license"] == "apache-2.0"
    assert {c["config_name"] for c in front["configs"]} == set(document["config"]["tables"])
    for config in front["configs"]:
        for entry in config["data_files"]:
            assert list(release.glob(entry["path"])), entry["path"]
    for section in ("## Schema", "## Verify and rebuild", "## Citation", "## Licence", "20260301"):
        assert section in card
    scorecard = json.loads((release / "scorecard/binance_BTCUSDT.json").read_text())
    assert scorecard["path"] == "data" and scorecard["seed"] == 20260301
    res = run("opendata", "verify", str(release), "--key", f"{key}.pub")
    assert res.returncode == 0, res.stderr
    assert "verified" in res.stdout and "signature by key" in res.stdout
    # each dataset of the release also verifies on its own with the engine's verify
    res = run("verify", str(release / "data"), "--key", f"{key}.pub")
    assert res.returncode == 0, res.stderr


@pytest.mark.slow
def test_rebuild_is_byte_identical_and_verify_rebuild_passes(
    release: Path, small_universe: Path, key: Path, tmp_path: Path
) -> None:
    again = build_release(
        parse_date(DAY), tmp_path, duration_ns=120_000_000_000,
        spec=load_universe(small_universe),
    )  # fmt: skip
    mine = digests(again.path, "data", "captures", "scorecard")
    assert mine == digests(release, "data", "captures", "scorecard")
    assert len([p for p in mine if p.endswith(".parquet")]) >= 8
    res = run("opendata", "verify", str(release), "--key", f"{key}.pub", "--rebuild")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "data files identical" in res.stdout


@pytest.mark.slow
def test_a_rerun_changes_nothing(release: Path, small_universe: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in release.rglob("*")}
    res = run("opendata", "build", "--date", DAY, "--out", str(release.parent), "--duration",
              "2m", "--universe", str(small_universe))  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "already built, unchanged" in res.stdout
    assert {p: p.stat().st_mtime_ns for p in release.rglob("*")} == before


@pytest.mark.slow
def test_verify_names_a_changed_an_added_and_a_wrongly_signed_file(
    release: Path, key: Path, tmp_path: Path
) -> None:
    copy = tmp_path / DAY
    shutil.copytree(release, copy)
    part = sorted((copy / "data" / "trades").rglob("*.parquet"))[0]
    data = bytearray(part.read_bytes())
    data[len(data) // 2] ^= 0xFF
    part.write_bytes(bytes(data))
    (copy / "notes.txt").write_text("hello")
    res = run("opendata", "verify", str(copy), "--key", f"{key}.pub")
    assert res.returncode == 1
    assert f"{part.relative_to(copy).as_posix()}: sha256 mismatch" in res.stderr
    assert "notes.txt: not listed in release.json" in res.stderr
    other = tmp_path / "other.key"
    assert run("keygen", str(other)).returncode == 0
    res = run("opendata", "verify", str(release), "--key", f"{other}.pub")
    assert res.returncode == 1 and "signature does not verify" in res.stderr


@pytest.mark.parametrize(
    ("flags", "field", "allowed"),
    [
        (["--date", "2026-02-30"], "date", "YYYY-MM-DD"),
        (["--date", "1969-12-31"], "date", "1970-01-01T01:00:00Z"),
        (["--date", DAY, "--duration", "2d"], "duration", "between 1m and 1d"),
        (["--date", DAY, "--duration", "90s"], "duration", "between 1m and 1d"),
    ],
)
def test_bad_input_exits_2_naming_the_field_and_writes_nothing(
    tmp_path: Path, flags: list[str], field: str, allowed: str
) -> None:
    out = tmp_path / "catalog"
    res = run("opendata", "build", *flags, "--out", str(out))
    assert res.returncode == 2, res.stderr
    assert f"{field}:" in res.stderr and allowed in res.stderr
    assert "Traceback" not in res.stderr
    assert not out.exists() or not any(out.iterdir())


def test_a_bad_universe_names_its_field(tmp_path: Path) -> None:
    bad = tmp_path / "u.toml"
    bad.write_text(SMALL_UNIVERSE.replace('venue = "okx"', 'venue = "kraken"'))
    res = run(
        "opendata", "build", "--date", DAY, "--out", str(tmp_path / "c"), "--universe", str(bad)
    )
    assert res.returncode == 2
    assert "universe.instruments" in res.stderr and "binance" in res.stderr
    assert not (tmp_path / "c").exists()


@pytest.mark.slow
def test_another_release_in_the_way_is_refused(release: Path, small_universe: Path) -> None:
    res = run("opendata", "build", "--date", DAY, "--out", str(release.parent), "--duration",
              "3m", "--universe", str(small_universe))  # fmt: skip
    assert res.returncode == 2
    assert "duration is '2m', not '3m'" in res.stderr and "overwrite" in res.stderr


def test_verify_refuses_what_is_not_a_release(tmp_path: Path) -> None:
    res = run("opendata", "verify", str(tmp_path))
    assert res.returncode == 2 and "not an OpenData release" in res.stderr


@pytest.fixture(scope="module")
def catalog(release: Path, small_universe: Path, key: Path) -> Path:
    # A second day next to the first one, then the catalogue over both.
    root = release.parent
    res = run("opendata", "build", "--date", "2026-03-02", "--out", str(root), "--duration",
              "2m", "--universe", str(small_universe), "--key", str(key))  # fmt: skip
    assert res.returncode == 0, res.stderr
    res = run("opendata", "index", str(root))
    assert res.returncode == 0, res.stderr
    assert "indexed 2 day(s)" in res.stdout
    return root


@pytest.mark.slow
def test_catalog_lists_each_day_with_sizes_digests_and_figures(catalog: Path) -> None:
    doc = json.loads((catalog / "catalog.json").read_text())
    assert [d["date"] for d in doc["days"]] == [DAY, "2026-03-02"]
    for day in doc["days"]:
        folder = catalog / day["date"]
        on_disk = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        assert day["bytes"] == on_disk
        raw = (folder / "release.json").read_bytes()
        assert day["release_sha256"] == hashlib.sha256(raw).hexdigest()
        assert day["signed"] and day["seed"] == int(day["date"].replace("-", ""))
        for inst in day["instruments"]:
            assert (catalog / inst["scorecard_html"]).is_file()
            assert inst["headline"]["realized_vol_pct"] >= 0
    assert (
        doc["days"][0]["instruments"][0]["headline"] != doc["days"][1]["instruments"][0]["headline"]
    )
    page = (catalog / "index.html").read_text()
    assert page.count("<polyline") == 2 and "2026-03-02" in page
    before = {p.name: p.read_bytes() for p in catalog.iterdir() if p.is_file()}
    assert run("opendata", "index", str(catalog)).returncode == 0
    assert {p.name: p.read_bytes() for p in catalog.iterdir() if p.is_file()} == before


@pytest.mark.slow
def test_datasets_loads_each_table_from_the_card(
    catalog: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    datasets = pytest.importorskip("datasets")
    import polars as pl

    front = yaml.safe_load((catalog / "README.md").read_text().split("---\n")[1])
    assert front["license"] == "apache-2.0"
    configs = {c["config_name"]: c["data_files"] for c in front["configs"]}
    for table in ("trades", "ticker"):
        files = {e["split"]: str(catalog / e["path"]) for e in configs[table]}
        loaded = datasets.load_dataset(
            "parquet", data_files=files, cache_dir=str(tmp_path / "cache")
        )
        for entry in configs[table]:
            venue, symbol = entry["path"].split("venue=")[1].split("/symbol=")
            symbol = symbol.split("/")[0]
            expected = sum(
                pl.read_parquet(p).height
                for p in sorted(
                    catalog.glob(f"*/data/{table}/venue={venue}/symbol={symbol}/*/*.parquet")
                )
            )
            split = loaded[entry["split"]]
            assert split.num_rows == expected > 0
            assert split.features["ts_event"].dtype == "timestamp[ns, tz=UTC]"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve(root: Path) -> Iterator[str]:
    """Serve ``root`` over real HTTP on a free local port; yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
def test_verify_from_a_url(catalog: Path, key: Path) -> None:
    with serve(catalog) as base:
        res = run("opendata", "verify", f"{base}/2026-03-02", "--key", f"{key}.pub")
        assert res.returncode == 0, res.stderr
        assert "signature by key" in res.stdout
        res = run("opendata", "verify", f"{base}/2026-03-09")
        assert res.returncode == 2 and "HTTP 404" in res.stderr


def _chromium() -> Any:
    # Chromium and its driver from the system's packages (bash .ci/browser installs them).
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        message = "chromium and chromedriver are not installed (bash .ci/browser installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=options)


@pytest.mark.slow
def test_the_index_page_renders_in_headless_chromium(catalog: Path) -> None:
    from selenium.webdriver.common.by import By

    driver = _chromium()
    try:
        with serve(catalog) as base:
            driver.get(f"{base}/index.html")
            assert driver.title == "Aleatoric OpenData"
            plot = driver.find_element(By.ID, "regime")
            assert plot.is_displayed() and plot.size["width"] > 400 and plot.size["height"] > 200
            assert len(driver.find_elements(By.CSS_SELECTOR, "#regime polyline")) == 2
            rows = driver.find_elements(By.CSS_SELECTOR, "tbody tr")
            assert [r.get_attribute("id") for r in rows] == ["day-2026-03-02", f"day-{DAY}"]
            assert "MB" in rows[0].text and "signed" in rows[0].text
            links = {a.get_attribute("href") for a in driver.find_elements(By.TAG_NAME, "a")}
            errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            assert errors == []
            assert len(links) >= 2 * 4 + 2  # card, release, two scorecards a day; catalog, card
            for link in sorted(links):
                assert link.startswith(base), link
                with urllib.request.urlopen(link) as answer:
                    assert answer.status == 200, link
                    assert answer.read(), link
            scorecard = next(link for link in sorted(links) if link.endswith(".html"))
            driver.get(scorecard)
            assert driver.find_element(By.TAG_NAME, "h1").text
            images = driver.execute_script(
                "return Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)"
            )
            assert images and all(images)
            errors = [
                e for e in driver.get_log("browser")
                if e["level"] == "SEVERE" and "favicon.ico" not in e["message"]
            ]  # fmt: skip
            assert errors == []
    finally:
        driver.quit()


def test_index_of_a_folder_without_releases_exits_2(tmp_path: Path) -> None:
    res = run("opendata", "index", str(tmp_path))
    assert res.returncode == 2 and "no release" in res.stderr

"""The content-addressed cache, per-table content digests and `aleatoric reproduce`."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

import aleatoric
from aleatoric.cache import CacheCorruptionWarning, CacheStore
from aleatoric.config import DatasetConfig
from aleatoric.reactor import simulate_segment
from aleatoric.sinks.parquet import content_sha256

CONFIG = {"duration": "10m", "segment": "5m", "warmup": "5m", "seed": 13,
          "tables": ("trades", "ticker", "book_snapshot")}  # fmt: skip


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def config() -> DatasetConfig:
    return aleatoric.load_config(**CONFIG)


@pytest.fixture(scope="module")
def reference(config: DatasetConfig, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "ds"
    aleatoric.generate(config, out)
    return out


def test_dataset_hit_is_identical(config: DatasetConfig, reference: Path, tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "cache")
    first = aleatoric.generate(config, tmp_path / "a", cache=store)
    second = aleatoric.generate(config, tmp_path / "b", cache=store)
    assert not first.cached and second.cached
    assert _digests(tmp_path / "a") == _digests(reference) == _digests(tmp_path / "b")


def test_longer_range_reuses_segments(config: DatasetConfig, tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "cache")
    aleatoric.generate(config, tmp_path / "short", cache=store)
    keys = {e.key for e in store.entries() if e.kind == "segment"}
    assert len(keys) == 2
    longer = config.model_copy(update={"duration": 15 * 60 * 10**9})
    aleatoric.generate(longer, tmp_path / "long", cache=store)
    after = {e.key for e in store.entries() if e.kind == "segment"}
    assert keys < after and len(after) == 3
    aleatoric.generate(longer, tmp_path / "fresh")
    assert _digests(tmp_path / "long") == _digests(tmp_path / "fresh")


def test_corrupt_segment_is_regenerated_not_served(
    config: DatasetConfig, reference: Path, tmp_path: Path
) -> None:
    store = CacheStore(tmp_path / "cache")
    aleatoric.generate(config, tmp_path / "a", cache=store)
    for entry in store.entries():
        if entry.kind == "dataset":
            import shutil

            shutil.rmtree(entry.path)
        else:
            data = bytearray(entry.path.read_bytes())
            data[len(data) // 2] ^= 0xFF
            entry.path.write_bytes(bytes(data))
    key = store.segment_key(config, 0)
    with pytest.warns(CacheCorruptionWarning, match="does not match"):
        assert store.get_segment(key) is None  # detected and deleted
    with pytest.warns(CacheCorruptionWarning):  # the other corrupted segments
        aleatoric.generate(config, tmp_path / "b", cache=store)
    assert _digests(tmp_path / "b") == _digests(reference)


def test_corrupt_dataset_entry_is_regenerated(
    config: DatasetConfig, reference: Path, tmp_path: Path
) -> None:
    store = CacheStore(tmp_path / "cache")
    aleatoric.generate(config, tmp_path / "a", cache=store)
    cached = next(e for e in store.entries() if e.kind == "dataset")
    victim = next(cached.path.rglob("*.parquet"))
    victim.unlink()
    victim.write_bytes(b"not parquet")
    with pytest.warns(CacheCorruptionWarning, match="does not match its SHA-256"):
        result = aleatoric.generate(config, tmp_path / "b", cache=store)
    assert not result.cached
    assert _digests(tmp_path / "b") == _digests(reference)


@pytest.mark.slow
def test_concurrent_writers_agree(config: DatasetConfig, reference: Path, tmp_path: Path) -> None:
    code = (
        "import sys, aleatoric\n"
        "from aleatoric.cache import CacheCorruptionWarning, CacheStore\n"
        f"c = aleatoric.load_config(**{CONFIG!r})\n"
        "aleatoric.generate(c, sys.argv[1], cache=CacheStore(sys.argv[2]))\n"
    )
    cache = str(tmp_path / "cache")
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path / f"w{i}"), cache])
        for i in range(2)
    ]
    assert [p.wait(timeout=600) for p in procs] == [0, 0]
    for i in range(2):
        assert _digests(tmp_path / f"w{i}") == _digests(reference)
    store = CacheStore(cache)
    for e in store.entries():
        if e.kind == "segment":
            assert store.get_segment(e.key) is not None


def test_gc_keeps_within_limit(config: DatasetConfig, tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "cache")
    aleatoric.generate(config, tmp_path / "a", cache=store)
    total = sum(e.bytes for e in store.entries())
    removed = store.gc(total // 2)
    assert removed and sum(e.bytes for e in store.entries()) <= total // 2
    assert store.gc(0) and store.entries() == []


def test_content_digest_ignores_file_encoding(reference: Path, tmp_path: Path) -> None:
    manifest = json.loads((reference / "manifest.json").read_text())
    entry = next(f for f in manifest["files"] if f["table"] == "trades")
    table = pq.read_table(reference / entry["path"])
    rewritten = tmp_path / "x.parquet"
    pq.write_table(table, rewritten, compression="snappy", row_group_size=1000)
    assert hashlib.sha256(rewritten.read_bytes()).hexdigest() != entry["sha256"]
    again = pq.read_table(rewritten)
    assert content_sha256(again) == entry["content_sha256"]
    assert set(manifest["table_digests"]) == {"trades", "ticker", "book_snapshot"}


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "aleatoric.cli", *args], capture_output=True,
                          text=True, timeout=600, env=env)  # fmt: skip


@pytest.mark.slow
def test_reproduce_passes_then_names_the_tampered_file(reference: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(reference, copy)
    res = _cli("reproduce", str(copy))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "reproduced" in res.stdout
    victim = next(copy.rglob("trades/**/*.parquet"))
    data = bytearray(victim.read_bytes())
    data[100] ^= 0x01
    victim.write_bytes(bytes(data))
    res = _cli("reproduce", str(copy), "--format", "json")
    assert res.returncode == 1
    report = json.loads(res.stdout)
    assert report["reproduced"] is False
    assert report["changed_on_disk"] == [str(victim.relative_to(copy))]
    assert report["mismatched"] == []
    res = _cli("reproduce", str(tmp_path / "nothing"))
    assert res.returncode == 2


@pytest.mark.slow
def test_cli_cache_commands(tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    res = _cli("generate", "--out", str(tmp_path / "a"), "--duration", "5m", "--segment", "5m",
               "--warmup", "5m", "--tables", "trades", "--cache-dir", cache, "-q")  # fmt: skip
    assert res.returncode == 0, res.stderr
    res = _cli("cache", "info", "--cache-dir", cache)
    assert "segments: 1" in res.stdout and "datasets: 1" in res.stdout
    res = _cli("cache", "gc", "--max-size", "0", "--cache-dir", cache)
    assert "removed 2 entries" in res.stdout
    res = _cli("cache", "gc", "--max-size", "lots", "--cache-dir", cache)
    assert res.returncode == 2 and "500MB" in res.stderr


def test_signed_on_generate_and_signature_never_cached(
    config: DatasetConfig, tmp_path: Path
) -> None:
    from aleatoric.provenance import generate_key, verify_dataset

    private, public = generate_key(tmp_path / "signing.key")
    store = CacheStore(tmp_path / "cache")
    aleatoric.generate(config, tmp_path / "a", cache=store, sign_key=private)
    assert verify_dataset(tmp_path / "a", public).files > 0
    again = aleatoric.generate(config, tmp_path / "b", cache=store)
    assert again.cached and not (tmp_path / "b" / "provenance.intoto.jsonl").exists()


def test_segment_keys_hold_only_what_changes_a_segment(config: DatasetConfig) -> None:
    store = CacheStore()
    key = store.segment_key(config, 1)
    # Applied when writing: the same segment, the same key.
    for change in ({"latency": 7 * 10**6}, {"duration": 4 * 3600 * 10**9}, {"tables": ("trades",)}):
        assert store.segment_key(config.model_copy(update=change), 1) == key, change
    okx = aleatoric.load_config(venue="okx", symbol="BTC-USDT-SWAP", **CONFIG)
    with_checksum = aleatoric.load_config(venue="okx", symbol="BTC-USDT-SWAP", okx_checksum=True,
                                          **CONFIG)  # fmt: skip
    assert store.segment_key(okx, 0) == store.segment_key(with_checksum, 0)
    # What the reactor reads changes the key.
    for change in ({"seed": config.seed + 1}, {"preset": "volatile"}, {"snapshot_depth": 5},
                   {"warmup": 6 * 60 * 10**9}, {"ticker_interval": 10**8}):  # fmt: skip
        assert store.segment_key(config.model_copy(update=change), 1) != key, change
    # And the claim holds: the latency leaves the simulated rows alone.
    slow = config.model_copy(update={"latency": 50 * 10**6})
    assert np.array_equal(simulate_segment(slow, 0).rows, simulate_segment(config, 0).rows)
    several = aleatoric.load_config(instruments=["binance:BTCUSDT", "okx:BTC-USDT-SWAP"])
    with pytest.raises(ValueError, match="single-instrument"):
        store.segment_key(several, 0)


def test_segments_are_stored_compressed_and_exact(tmp_path: Path) -> None:
    # A segment entry holds every table's rows: compare it with the Parquet of all tables.
    config = aleatoric.load_config(duration="5m", segment="5m", warmup="5m", seed=13)
    store = CacheStore(tmp_path / "cache")
    aleatoric.generate(config, tmp_path / "a", cache=store, formats=("parquet",))
    segments = [e for e in store.entries() if e.kind == "segment"]
    parquet = sum(p.stat().st_size for p in (tmp_path / "a").rglob("*.parquet"))
    assert len(segments) == 1
    assert segments[0].bytes <= 1.5 * parquet, (segments[0].bytes, parquet)
    cached = store.get_segment(segments[0].key)
    fresh = simulate_segment(config, 0)
    assert cached is not None
    np.testing.assert_array_equal(cached.rows, fresh.rows)
    assert cached.rows.dtype == fresh.rows.dtype and cached.rows.flags.c_contiguous
    for name in fresh.ticker:
        np.testing.assert_array_equal(cached.ticker[name], fresh.ticker[name])
    np.testing.assert_array_equal(cached.snapshot_price, fresh.snapshot_price)
    np.testing.assert_array_equal(cached.funding_rate, fresh.funding_rate)


def test_run_warns_on_growth_and_keeps_the_cap(config: DatasetConfig, tmp_path: Path) -> None:
    from aleatoric.cache import CacheGrowthWarning

    probe = CacheStore(tmp_path / "probe", max_bytes=0, warn_bytes=0)
    aleatoric.generate(config, tmp_path / "p", cache=probe)
    full = probe.size()
    # A cap below one run's entries: the least recently used go (the segments, written
    # before the dataset entry), and the warning names the size added.
    store = CacheStore(tmp_path / "cache", max_bytes=full - 1, warn_bytes=1)
    with pytest.warns(CacheGrowthWarning, match=r"added \d+\.\d\d GB"):
        aleatoric.generate(config, tmp_path / "a", cache=store)
    assert 0 < store.size() <= full - 1
    quiet = CacheStore(tmp_path / "quiet", max_bytes=0, warn_bytes=10 * full)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheGrowthWarning)
        aleatoric.generate(config, tmp_path / "b", cache=quiet)
    assert quiet.size() == full


def test_cache_limits_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ALEATORIC_CACHE_MAX_SIZE", "3GB")
    monkeypatch.setenv("ALEATORIC_CACHE_WARN_SIZE", "500MB")
    store = CacheStore(tmp_path)
    assert (store.max_bytes, store.warn_bytes) == (3 * 10**9, 500 * 10**6)
    monkeypatch.delenv("ALEATORIC_CACHE_WARN_SIZE")
    assert CacheStore(tmp_path).warn_bytes == 5 * 10**9  # the documented default
    monkeypatch.setenv("ALEATORIC_CACHE_MAX_SIZE", "lots")
    with pytest.raises(ValueError, match=r"ALEATORIC_CACHE_MAX_SIZE.*was 'lots'"):
        CacheStore(tmp_path)


def test_cli_bad_cache_limit_is_exit_2_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALEATORIC_CACHE_MAX_SIZE", "lots")
    cache = str(tmp_path / "c")
    res = _cli("generate", "--out", str(tmp_path / "a"), "--duration", "5m", "--segment", "5m",
               "--warmup", "5m", "--tables", "trades", "--cache-dir", cache, "-q")  # fmt: skip
    assert res.returncode == 2
    assert "ALEATORIC_CACHE_MAX_SIZE" in res.stderr and "'lots'" in res.stderr
    assert "Traceback" not in res.stderr and not (tmp_path / "a").exists()
    res = _cli("cache", "info", "--cache-dir", str(tmp_path / "c"))
    assert res.returncode == 2 and "ALEATORIC_CACHE_MAX_SIZE" in res.stderr


def _key_from(src: Path, root: Path) -> str:
    code = (
        "import aleatoric; from aleatoric.cache import CacheStore; "
        f"print(CacheStore({str(root)!r}).segment_key(aleatoric.load_config(), 0))"
    )
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, check=True)  # fmt: skip
    return done.stdout.strip()


def test_segment_keys_change_with_the_engine_code(tmp_path: Path) -> None:
    # Two builds of one version (a checkout before and after a model change) must not serve
    # each other's segments from a shared cache.
    import shutil

    package = Path(aleatoric.__file__).parent
    copy = tmp_path / "src"
    shutil.copytree(package, copy / "aleatoric", ignore=shutil.ignore_patterns("__pycache__"))
    original = CacheStore(tmp_path / "c").segment_key(aleatoric.load_config(), 0)
    assert _key_from(copy, tmp_path / "c") == original
    flow = copy / "aleatoric" / "reactor" / "_flow.py"
    flow.write_text(flow.read_text() + "\n# a changed build\n")
    assert _key_from(copy, tmp_path / "c") != original

"""Datasets never share files with the cache or each other; corrupt cache entries are
evicted and regenerated with a warning; an output directory belongs to one run at a time;
interrupted runs leave nothing behind, and what a killed run left is removed by the next."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import aleatoric
from aleatoric.cache import CacheCorruptionWarning, CacheStore
from aleatoric.sinks import MANIFEST_NAME

SMALL: dict[str, Any] = {
    "duration": "5m", "segment": "5m", "warmup": "5m", "tables": ["trades", "ticker"],
}  # fmt: skip
CLI = [sys.executable, "-m", "aleatoric.cli"]


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _inodes(root: Path) -> set[tuple[int, int]]:
    return {(p.stat().st_dev, p.stat().st_ino) for p in root.rglob("*") if p.is_file()}


def test_datasets_from_the_cache_share_no_inode(tmp_path: Path) -> None:
    cache = CacheStore(tmp_path / "cache")
    config = aleatoric.load_config(seed=5, **SMALL)
    first = aleatoric.generate(config, tmp_path / "a", cache=cache)
    second = aleatoric.generate(config, tmp_path / "b", cache=cache)
    third = aleatoric.generate(config, tmp_path / "c", cache=cache)
    assert not first.cached and second.cached and third.cached
    cached = _inodes(tmp_path / "cache" / "datasets")
    a, b, c = (_inodes(tmp_path / n) for n in "abc")
    assert cached and not (a & cached) and not (b & cached) and not (c & cached)
    assert not (a & b) and not (b & c) and not (a & c)
    # Editing one dataset in place changes nothing elsewhere.
    victim = next((tmp_path / "b").rglob("*.parquet"))
    before = _digests(tmp_path / "c")
    with victim.open("r+b") as fh:
        fh.write(b"XXXX")
    assert _digests(tmp_path / "c") == before
    assert aleatoric.generate(config, tmp_path / "d", cache=cache).cached
    assert _digests(tmp_path / "d") == _digests(tmp_path / "a")


@pytest.mark.parametrize(
    "manifest",
    [
        "{not json",
        '{"files": "not a list", "tables": {}, "segments": []}',
        '{"files": [42], "tables": {}, "segments": []}',
        '{"files": [{"path": 1, "sha256": null}], "tables": {}, "segments": []}',
        "[]",
        "",
    ],
)
def test_a_corrupt_cached_manifest_is_evicted_and_regenerated(
    tmp_path: Path, manifest: str
) -> None:
    cache = CacheStore(tmp_path / "cache")
    config = aleatoric.load_config(seed=6, **SMALL)
    aleatoric.generate(config, tmp_path / "first", cache=cache)
    entry = cache.root / "datasets" / cache.dataset_key(config, ["parquet"])
    (entry / MANIFEST_NAME).write_text(manifest)
    with pytest.warns(CacheCorruptionWarning, match="corrupt dataset entry"):
        again = aleatoric.generate(config, tmp_path / "again", cache=cache)
    assert not again.cached
    assert _digests(tmp_path / "again") == _digests(tmp_path / "first")
    assert json.loads((entry / MANIFEST_NAME).read_text())["files"]  # stored afresh


def test_a_corrupt_cached_segment_is_evicted_and_regenerated(tmp_path: Path) -> None:
    cache = CacheStore(tmp_path / "cache")
    config = aleatoric.load_config(seed=7, **SMALL)
    aleatoric.generate(config, tmp_path / "first", cache=cache)
    key = cache.segment_key(config, 0)
    path = next((cache.root / "segments").glob(f"*/{key}.npz"))
    # A well-formed npz with the right digest but the wrong arrays (a writer bug).
    np.savez(path.with_name("x.npz"), meta=np.zeros(1))
    os.replace(path.with_name("x.npz"), path)
    path.with_suffix(".sha256").write_text(hashlib.sha256(path.read_bytes()).hexdigest())
    with pytest.warns(CacheCorruptionWarning, match="corrupt segment entry"):
        assert cache.get_segment(key) is None
    assert not path.exists()
    fresh = aleatoric.generate(config, tmp_path / "again", cache=CacheStore(tmp_path / "c2"))
    assert _digests(fresh.path) == _digests(tmp_path / "first")


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def _wait_for(predicate: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


LONG = ["--duration", "3h", "--segment", "5m", "--warmup", "5m", "--tables", "trades,ticker"]


@pytest.mark.slow
def test_a_second_run_to_the_same_out_fails_with_exit_2(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _cli("generate", *LONG, "--seed", "1", "--out", str(out), "--no-cache", "--quiet")
    try:
        _wait_for(lambda: (tmp_path / ".out.claim").exists() or first.poll() is not None)
        assert first.poll() is None, first.communicate()
        second = subprocess.run(
            [*CLI, "generate", *LONG, "--seed", "2", "--out", str(out), "--no-cache", "--quiet"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert second.returncode == 2, second.stderr
        assert "being written by another run" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        _, stderr = first.communicate(timeout=300)
    assert first.returncode == 0, stderr
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    assert manifest["config"]["seed"] == 1
    assert not (tmp_path / ".out.claim").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_sigterm_leaves_nothing_behind(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = _cli("generate", *LONG, "--seed", "3", "--out", str(out), "--no-cache", "--quiet")
    _wait_for(lambda: any(tmp_path.glob(".out.partial-*/*")) or run.poll() is not None)
    assert run.poll() is None, run.communicate()
    run.send_signal(signal.SIGTERM)
    _, stderr = run.communicate(timeout=120)
    assert run.returncode != 0 and "nothing was written" in stderr, stderr
    assert "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []


def test_the_next_run_removes_what_a_killed_run_left(tmp_path: Path) -> None:
    out = tmp_path / "out"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
    stale = tmp_path / f".out.partial-{host}-{dead.pid}-0badcafe"
    (stale / "trades").mkdir(parents=True)
    (tmp_path / ".out.claim").write_text(f"{host}:{dead.pid}")
    alive = tmp_path / f".out.partial-{host}-{os.getpid()}-0000beef"  # a live run's: kept
    alive.mkdir()
    aleatoric.generate(aleatoric.load_config(seed=8, **SMALL), out)
    assert not stale.exists() and alive.exists()
    assert not (tmp_path / ".out.claim").exists()
    assert (out / MANIFEST_NAME).is_file()


def test_overwrite_replaces_a_dataset(tmp_path: Path) -> None:
    out = tmp_path / "out"
    aleatoric.generate(aleatoric.load_config(seed=9, **SMALL), out)
    with pytest.raises(aleatoric.OutputExistsError):
        aleatoric.generate(aleatoric.load_config(seed=10, **SMALL), out)
    aleatoric.generate(aleatoric.load_config(seed=10, **SMALL), out, overwrite=True)
    assert json.loads((out / MANIFEST_NAME).read_text())["config"]["seed"] == 10
    assert [p.name for p in tmp_path.iterdir()] == ["out"]

"""Benchmark the job service: throughput with 1 and 2 workers, and the client's overhead.

    python benchmarks/bench_jobs.py [--duration 1h] [--segment 5m] [--redis redis://127.0.0.1:6379]

Needs a Redis server on the loopback interface (an empty database is claimed and flushed
afterwards); the job records go to SQLite in a temporary directory (the single-machine mode).
Each run starts its own API and workers on a cold cache and times a job from submission to
its published dataset. Prints: segments per second with 1 and 2 worker processes and the
speed-up; a local ``aleatoric.generate`` of the same request; and ``Client.generate``
(remote segments, local assembly) against it, with the overhead and a check that the bytes
are identical.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import redis

import aleatoric
from aleatoric.cache import CacheStore
from aleatoric.client import Client
from aleatoric.reactor import segment_count

API_KEY = f"bench-key-{uuid.uuid4().hex}"
CLI = [sys.executable, "-m", "aleatoric.cli"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@contextmanager
def _redis_db(base: str) -> Iterator[str]:
    for db in range(1, 16):
        client = redis.Redis.from_url(f"{base}/{db}")
        if client.dbsize() == 0 and client.set("aleatoric:bench", "1", nx=True, ex=3600):
            try:
                yield f"{base}/{db}"
            finally:
                client.flushdb()
                client.close()
            return
        client.close()
    raise SystemExit("no empty Redis database (1-15) to use")


@contextmanager
def _service(broker: str, root: Path, workers: int, chunk: int) -> Iterator[str]:
    """Run an API and ``workers`` single-process workers on a fresh data directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALEATORIC_")}
    env.update(
        ALEATORIC_BROKER_URL=broker,
        ALEATORIC_QUEUE=f"bench-{uuid.uuid4().hex[:8]}",
        ALEATORIC_DATA_DIR=str(root),
        ALEATORIC_CACHE_DIR=str(root / "cache"),
        ALEATORIC_API_KEYS=API_KEY,
        ALEATORIC_CHUNK_SEGMENTS=str(chunk),
    )
    port = _free_port()
    logs = (root / "logs").resolve()
    logs.mkdir(parents=True)
    procs = []

    def spawn(name: str, args: list[str]) -> subprocess.Popen[bytes]:
        fh = (logs / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            args, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )
        procs.append(proc)
        return proc

    try:
        spawn("api", [*CLI, "serve", "--port", str(port), "--log-level", "warning"])
        url = f"http://127.0.0.1:{port}"
        for i in range(workers):
            spawn(f"worker-{i}", [*CLI, "worker", "--concurrency", "1", "--log-level", "warning"])
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"the API did not start; see {logs}")
            time.sleep(0.2)
        time.sleep(3.0)  # let the workers connect before the clock starts
        yield url
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def _time_job(url: str, body: dict[str, object]) -> tuple[float, float]:
    """Return seconds from submission to every chunk computed, and to the published dataset."""
    headers = {"Authorization": f"Bearer {API_KEY}"}
    began = time.perf_counter()
    job = httpx.post(f"{url}/v1/jobs", json=body, headers=headers, timeout=30).json()
    computed = 0.0
    while True:
        state = httpx.get(f"{url}/v1/jobs/{job['id']}", headers=headers, timeout=30).json()
        if not computed and state["progress"]["done"] == state["progress"]["total"]:
            computed = time.perf_counter() - began
        if state["state"] in ("succeeded", "failed"):
            break
        time.sleep(0.05)
    elapsed = time.perf_counter() - began
    if state["state"] != "succeeded":
        raise SystemExit(f"job failed: {state['error']}")
    return computed or elapsed, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", default="1h")
    parser.add_argument("--segment", default="5m")
    parser.add_argument("--warmup", default="5m")
    parser.add_argument("--tables", default=None, help="comma-separated (default: all)")
    parser.add_argument("--chunk-segments", type=int, default=1)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379")
    args = parser.parse_args()

    body: dict[str, object] = {
        "duration": args.duration,
        "segment": args.segment,
        "warmup": args.warmup,
        "seed": 7,
    }
    if args.tables:
        body["tables"] = args.tables.split(",")
    config = aleatoric.load_config(**body)
    n = segment_count(config)
    scratch = Path(tempfile.mkdtemp(prefix="aleatoric-bench-"))
    try:
        # JIT compilation is warmed up outside the timed regions (and cached on disk for the
        # worker processes).
        aleatoric.simulate_segment(aleatoric.load_config(**{**body, "duration": args.segment}), 0)
        began = time.perf_counter()
        local = aleatoric.generate(config, scratch / "local")
        local_s = time.perf_counter() - began
        print(
            f"request: {args.duration} of BTCUSDT (binance, calm), {n} segments of "
            f"{args.segment}, tables {','.join(config.tables)}, {local.rows:,} rows"
        )
        print(f"local aleatoric.generate (1 process):    {local_s:7.2f} s")

        with _redis_db(args.redis) as broker:
            times: dict[int, float] = {}
            computes: dict[int, float] = {}
            for workers in (1, 2):
                root = scratch / f"service-{workers}"
                with _service(broker, root, workers, args.chunk_segments) as url:
                    computed, times[workers] = _time_job(url, body)
                rate = n / computed
                print(
                    f"service, {workers} worker(s): segments computed in {computed:6.2f} s "
                    f"({rate:.2f} segments/s), dataset published at {times[workers]:6.2f} s"
                )
                computes[workers] = computed
            print(
                f"speed-up of 2 workers over 1: {computes[1] / computes[2]:.2f}x computing "
                f"segments, {times[1] / times[2]:.2f}x job to dataset "
                f"(the finalizer writes on one core; cores here: {os.cpu_count()})"
            )

            root = scratch / "service-client"
            with _service(broker, root, 2, args.chunk_segments) as url:
                began = time.perf_counter()
                with Client(url, API_KEY) as client:
                    client.generate(
                        config,
                        scratch / "remote",
                        chunk_segments=2,
                        concurrency=4,
                        cache=CacheStore(scratch / "client-cache"),
                    )
                client_s = time.perf_counter() - began
            same = _digests(scratch / "remote") == _digests(local.path)
            print(
                f"Client.generate, 2 workers + local write: {client_s:7.2f} s "
                f"({client_s / local_s:.2f}x the local run; bytes identical: {same})"
            )
            print(
                f"client overhead over the 2-worker job:    {client_s - times[2]:+7.2f} s "
                "(the client downloads the segments and writes the dataset itself, no finalizer)"
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()

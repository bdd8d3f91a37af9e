"""Real service processes for the end-to-end tests: the API (uvicorn) and Celery workers."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

__all__ = ["ServiceProcess", "free_port", "start_api", "start_worker", "wait_until"]

#: Start the installed CLI with the interpreter running the tests.
CLI = [sys.executable, "-m", "aleatoric.cli"]


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until(predicate: object, timeout: float, interval: float = 0.2, what: str = "") -> None:
    """Poll ``predicate()`` until it is true; fail the test after ``timeout`` seconds."""
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what or predicate}")


@dataclass
class ServiceProcess:
    """A child process in its own process group, with its output in a log file."""

    name: str
    proc: subprocess.Popen[bytes]
    log: Path
    _fh: IO[bytes] | None = field(default=None, repr=False)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the whole process group (the worker and its pool children)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)

    def stop(self, timeout: float = 20.0) -> None:
        """Stop gracefully (SIGTERM), then SIGKILL if it does not exit in time."""
        if self.proc.poll() is None:
            self.kill(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill(signal.SIGKILL)
                self.proc.wait(10)
        else:
            # The group may still hold pool children of a killed worker.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        if self._fh is not None:
            self._fh.close()

    def output(self) -> str:
        """Return what the process logged so far."""
        return self.log.read_text(errors="replace")


def _spawn(name: str, args: list[str], env: dict[str, str], log: Path) -> ServiceProcess:
    fh = log.open("wb")
    proc = subprocess.Popen(
        args,
        env=env,
        stdout=fh,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    return ServiceProcess(name, proc, log, fh)


def start_api(env: dict[str, str], log_dir: Path) -> tuple[ServiceProcess, str]:
    """Start ``aleatoric serve`` on a free loopback port; return it and its base URL."""
    port = free_port()
    proc = _spawn(
        "api",
        [*CLI, "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env,
        log_dir / f"api-{port}.log",
    )
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        if proc.proc.poll() is not None:
            raise AssertionError(f"the API exited:\n{proc.output()}")
        try:
            return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(healthy, 60, what="the API to answer /healthz")
    return proc, url


def start_worker(
    env: dict[str, str], log_dir: Path, *extra: str, name: str = "worker"
) -> ServiceProcess:
    """Start ``aleatoric worker`` (one pool process unless ``extra`` says otherwise)."""
    args = [*CLI, "worker", "--log-level", "info", *extra]
    if "--one-shot" not in extra and not any(a.startswith("--concurrency") for a in extra):
        args += ["--concurrency", "1"]
    proc = _spawn(name, args, env, log_dir / f"{name}-{time.monotonic_ns()}.log")

    def ready() -> bool:
        if proc.proc.poll() is not None:
            if "--one-shot" in extra:
                return True
            raise AssertionError(f"the worker exited:\n{proc.output()}")
        return " ready." in proc.output()

    wait_until(ready, 60, what=f"{name} to be ready")
    return proc

"""Generate a dataset on a remote job service and assemble it locally, byte for byte.

The client cuts the request into whole-segment chunks and submits each as a job over a
segment range, a bounded number at a time. It follows the jobs, resubmits a failed one a
bounded number of times, downloads each segment the service computed into a local
:class:`~aleatoric.cache.CacheStore` (checking its SHA-256 and its key), then runs the local
:func:`aleatoric.generate` over that cache. The output equals a local run's bytes, because
the assembly is the local writer and every segment is a pure function of config and index.

Needs ``httpx`` (the ``service`` extra). Reads ``ALEATORIC_API_KEY`` when no key is passed.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aleatoric._generate import GenerateResult, OutputFormat, generate
from aleatoric.cache import CacheStore
from aleatoric.config import ConfigError, DatasetConfig
from aleatoric.errors import RemoteError, RemoteJobFailedError
from aleatoric.reactor import segment_count

if TYPE_CHECKING:
    import httpx

__all__ = ["Client", "ClientProgress", "RemoteError", "RemoteJobFailedError"]

#: ``progress(segments_ready, segments_total)``, called from worker threads.
ClientProgress = Callable[[int, int], None]
_SHA256_HEADER = "X-Content-SHA256"


def _config_body(config: DatasetConfig) -> dict[str, Any]:
    # The canonical form round-trips through load_config to an equal config.
    return config.canonical()


class Client:
    """A client of the job service at ``url``.

    Parameters
    ----------
    url
        Base URL of the service, e.g. ``http://127.0.0.1:8000``.
    api_key
        Bearer API key; defaults to ``$ALEATORIC_API_KEY``.
    timeout
        Seconds for each HTTP request.
    """

    def __init__(self, url: str, api_key: str | None = None, *, timeout: float = 60.0) -> None:
        try:
            import httpx
        except ImportError:  # pragma: no cover - depends on the installed extras
            raise ImportError(
                "the remote client needs httpx: pip install 'aleatoric[service]'"
            ) from None
        key = api_key if api_key is not None else os.environ.get("ALEATORIC_API_KEY")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- plain calls ------------------------------------------------------------------

    def _check(self, response: httpx.Response) -> httpx.Response:
        if response.status_code < 400:
            return response
        try:
            body = response.json()
        except ValueError:
            body = {"detail": response.text}
        errors = body.get("errors") or []
        if response.status_code == 422 and errors:
            raise ConfigError([(e["field"], e["message"]) for e in errors])
        detail = body.get("detail", response.reason_phrase)
        raise RemoteError(f"{response.status_code}: {detail}", response.status_code)

    def submit(
        self,
        config: DatasetConfig,
        *,
        segments: tuple[int, int] | None = None,
        formats: Sequence[OutputFormat] = ("parquet",),
    ) -> dict[str, Any]:
        """Submit a job (over ``segments``, half-open, if given); return its record."""
        body: dict[str, Any] = {**_config_body(config), "formats": list(formats)}
        if segments is not None:
            body["segments"] = {"start": segments[0], "stop": segments[1]}
        data: dict[str, Any] = self._check(self._http.post("/v1/jobs", json=body)).json()
        return data

    def job(self, job_id: str) -> dict[str, Any]:
        """Return a job's record: state, chunks and progress, segment keys."""
        data: dict[str, Any] = self._check(self._http.get(f"/v1/jobs/{job_id}")).json()
        return data

    def wait(
        self, job_id: str, *, poll: float = 0.5, timeout: float | None = None
    ) -> dict[str, Any]:
        """Poll a job until it succeeds or fails; return its last record."""
        began = time.monotonic()
        while True:
            record = self.job(job_id)
            if record["state"] in ("succeeded", "failed", "dead"):
                return record
            if timeout is not None and time.monotonic() - began > timeout:
                raise TimeoutError(f"job {job_id} still {record['state']} after {timeout:g} s")
            time.sleep(poll)

    def fetch_segment(self, key: str, store: CacheStore) -> Path:
        """Download segment ``key`` into ``store``, verifying the SHA-256 the server sent."""
        from aleatoric.cache._transfer import install_segment

        response = self._check(self._http.get(f"/v1/segments/{key}"))
        digest = response.headers.get(_SHA256_HEADER)
        if not digest:
            raise RemoteError(f"segment {key[:16]}: no {_SHA256_HEADER} header")
        return install_segment(store, key, response.content, digest)

    # --- distributed generation -------------------------------------------------------

    def generate(
        self,
        config: DatasetConfig,
        out: str | os.PathLike[str],
        *,
        chunk_segments: int = 4,
        concurrency: int = 4,
        progress: ClientProgress | None = None,
        cache: CacheStore | None = None,
        formats: Sequence[OutputFormat] = ("parquet",),
        overwrite: bool = False,
        sign_key: str | os.PathLike[str] | None = None,
        max_resubmits: int = 2,
        poll: float = 0.5,
        timeout: float | None = None,
    ) -> GenerateResult:
        """Compute ``config``'s segments remotely, then write the dataset to ``out`` locally.

        Segments already in the local ``cache`` (default: the user cache) are not requested.
        The result is byte-identical to ``aleatoric.generate(config, out)``.

        Raises
        ------
        RemoteJobFailedError
            If a chunk still fails after ``max_resubmits`` resubmissions.
        RemoteError
            If the service refuses a request or serves a segment under another key (other
            engine or library versions than this machine's).
        """
        if chunk_segments < 1 or concurrency < 1:
            raise ValueError("chunk_segments and concurrency must be at least 1")
        store = cache if cache is not None else CacheStore()
        n = segment_count(config)
        # A segment is missing when any instrument's entry is; chunks are segment ranges.
        keys = {(str(ref), i): store.segment_key(config.for_instrument(ref), i)
                for ref in config.instruments for i in range(n)}  # fmt: skip
        missing = [
            i for i in range(n)
            if any(store.get_segment(keys[str(r), i]) is None for r in config.instruments)
        ]  # fmt: skip
        ready = [n - len(missing)]
        lock = threading.Lock()
        if progress is not None:
            progress(ready[0], n)

        def advance() -> None:
            with lock:
                ready[0] += 1
                if progress is not None:
                    progress(ready[0], n)

        def run(chunk: tuple[int, int]) -> None:
            self._run_chunk(config, chunk, keys, store, advance, max_resubmits, poll, timeout)

        chunks = _ranges(missing, chunk_segments)
        if chunks:
            with ThreadPoolExecutor(max_workers=min(concurrency, len(chunks))) as pool:
                for future in [pool.submit(run, c) for c in chunks]:
                    future.result()
        return generate(
            config, out, cache=store, formats=formats, overwrite=overwrite, sign_key=sign_key
        )

    def _run_chunk(
        self,
        config: DatasetConfig,
        chunk: tuple[int, int],
        keys: dict[tuple[str, int], str],
        store: CacheStore,
        advance: Callable[[], None],
        max_resubmits: int,
        poll: float,
        timeout: float | None,
    ) -> None:
        errors: list[str] = []
        for _ in range(max_resubmits + 1):
            record = self.wait(
                self.submit(config, segments=chunk)["id"], poll=poll, timeout=timeout
            )
            if record["state"] == "succeeded":
                break
            errors.append(record.get("error") or record["state"])
        else:
            raise RemoteJobFailedError(
                f"segments {chunk[0]}-{chunk[1] - 1} failed {len(errors)} times: {errors[-1]}"
            )
        served = {(k["instrument"], int(k["index"])): k["key"] for k in record["segment_keys"]}
        for index in range(*chunk):
            for ref in config.instruments:
                at = (str(ref), index)
                if served.get(at) != keys[at]:
                    raise RemoteError(
                        f"segment {index} of {ref}: the service keys it {served.get(at)!s:.16}, "
                        f"this machine {keys[at]:.16}; engine or library versions differ"
                    )
                self.fetch_segment(keys[at], store)
            advance()


def _ranges(indices: Sequence[int], size: int) -> list[tuple[int, int]]:
    # Consecutive runs of indices, each cut into ranges of at most ``size``.
    out: list[tuple[int, int]] = []
    for i in indices:
        if out and out[-1][1] == i and out[-1][1] - out[-1][0] < size:
            out[-1] = (out[-1][0], i + 1)
        else:
            out.append((i, i + 1))
    return out

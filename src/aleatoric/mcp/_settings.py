"""Runtime settings of the MCP server: where datasets go and how large an inline sample may be.

Read from environment variables (see :meth:`McpSettings.from_env`); a command-line flag or a
keyword argument overrides the environment, which overrides the defaults.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from aleatoric.config import format_duration, parse_duration_ns

__all__ = ["McpSettings", "default_data_dir"]

#: One hour in nanoseconds: the default longest inline sample.
_HOUR_NS = 3_600_000_000_000


def default_data_dir() -> Path:
    """Return the default data directory: ``data`` under the user data directory."""
    return Path(platformdirs.user_data_dir("aleatoric")) / "data"


def _positive_int(environ: Mapping[str, str], name: str, default: int) -> int:
    text = environ.get(name)
    if text is None or not text.strip():
        return default
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise ValueError(f"{name} must be a positive integer, was {text!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, was {text!r}")
    return value


@dataclass(frozen=True)
class McpSettings:
    """Settings of one MCP server.

    Attributes
    ----------
    data_dir
        Every dataset the server writes or reads lies inside this directory.
    cache_dir
        The segment and dataset cache; ``None`` for ``$ALEATORIC_CACHE_DIR`` or the user cache
        directory.
    use_cache
        Whether generation reads and writes the cache.
    max_sample_duration_ns
        Longest dataset ``generate_sample`` answers inline; longer requests go to a job.
    max_sample_rows
        Most rows (estimated before generating) ``generate_sample`` answers inline.
    job_concurrency
        Jobs the local job backend runs at the same time.
    job_workers
        Worker processes per job (``generate(workers=...)``); output is identical for any
        number.
    broker_url
        The job broker; when set, jobs go to the distributed job system instead of the local
        executor.
    """

    data_dir: Path
    cache_dir: Path | None = None
    use_cache: bool = True
    max_sample_duration_ns: int = _HOUR_NS
    max_sample_rows: int = 3_000_000
    job_concurrency: int = 1
    job_workers: int = 1
    broker_url: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> McpSettings:
        """Return settings from environment variables.

        ``ALEATORIC_DATA_DIR``, ``ALEATORIC_CACHE_DIR``, ``ALEATORIC_NO_CACHE`` (``1`` to
        bypass the cache), ``ALEATORIC_MCP_MAX_SAMPLE_DURATION`` (``1h``),
        ``ALEATORIC_MCP_MAX_SAMPLE_ROWS`` (3000000), ``ALEATORIC_MCP_JOB_CONCURRENCY`` (1),
        ``ALEATORIC_MCP_JOB_WORKERS`` (1) and ``ALEATORIC_BROKER_URL``.

        Raises
        ------
        ValueError
            If a variable holds a value of the wrong kind; the message names it.
        """
        env = os.environ if environ is None else environ
        data = env.get("ALEATORIC_DATA_DIR")
        cache = env.get("ALEATORIC_CACHE_DIR")
        duration_text = env.get("ALEATORIC_MCP_MAX_SAMPLE_DURATION")
        max_duration = _HOUR_NS
        if duration_text:
            try:
                max_duration = parse_duration_ns(duration_text)
            except ValueError as exc:
                raise ValueError(f"ALEATORIC_MCP_MAX_SAMPLE_DURATION must be {exc}") from None
            if max_duration <= 0:
                raise ValueError(
                    f"ALEATORIC_MCP_MAX_SAMPLE_DURATION must be positive, was {duration_text!r}"
                )
        return cls(
            data_dir=Path(data) if data else default_data_dir(),
            cache_dir=Path(cache) if cache else None,
            use_cache=env.get("ALEATORIC_NO_CACHE", "").strip().lower() not in ("1", "true", "yes"),
            max_sample_duration_ns=max_duration,
            max_sample_rows=_positive_int(env, "ALEATORIC_MCP_MAX_SAMPLE_ROWS", 3_000_000),
            job_concurrency=_positive_int(env, "ALEATORIC_MCP_JOB_CONCURRENCY", 1),
            job_workers=_positive_int(env, "ALEATORIC_MCP_JOB_WORKERS", 1),
            broker_url=env.get("ALEATORIC_BROKER_URL") or None,
        )

    @property
    def max_sample_duration(self) -> str:
        """Return the longest inline sample as a compact duration (``"1h"``)."""
        return format_duration(self.max_sample_duration_ns)

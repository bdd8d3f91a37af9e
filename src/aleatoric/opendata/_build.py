"""Build one day's release: two datasets, scorecards, the card, ``release.json``, a signature.

Everything is written into a hidden temporary directory next to the target and renamed into
place at the end, so a failed or interrupted build leaves nothing at ``OUT/<date>``. A
release that already exists with the same parameters and intact files is left as it is
(``unchanged``): rerunning a published day changes nothing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from aleatoric._outdir import OutputClaim, locked_dir, partial_dir, remove_stale, replace_dir
from aleatoric._version import __version__
from aleatoric.cache import CacheStore
from aleatoric.config import DatasetConfig, format_duration
from aleatoric.errors import DatasetError, OutputExistsError
from aleatoric.opendata._card import release_card
from aleatoric.opendata._figures import headline, split_name
from aleatoric.opendata._release import (
    RELEASE_FORMAT,
    RELEASE_NAME,
    check_files,
    read_release,
    release_bytes,
    sign_release,
)
from aleatoric.opendata._universe import Universe, release_configs, release_seed, universe
from aleatoric.provenance._files import dataset_files, sha256_of
from aleatoric.provenance._keys import load_private_key
from aleatoric.sinks import library_versions

__all__ = ["BuildResult", "build_release", "expected_parameters"]

#: ``callback(step)``: a line saying what the build does now.
Progress = Callable[[str], None]


@dataclass(frozen=True)
class BuildResult:
    """A built (or already present) release: where, how big, and whether it was rebuilt."""

    path: Path
    date: str
    bytes: int
    files: int
    unchanged: bool = False


def expected_parameters(day: date, duration_ns: int, spec: Universe) -> dict[str, Any]:
    """Return what identifies a release: rebuilding with these gives the same data bytes."""
    return {
        "date": day.isoformat(),
        "seed": release_seed(day),
        "duration": format_duration(duration_ns),
        "universe_version": spec.version,
        "universe": spec.model_dump(mode="json"),
        "engine": {"name": "aleatoric", "version": __version__},
        "libraries": library_versions(),
    }


def _existing(target: Path, wanted: dict[str, Any]) -> list[str]:
    # Why an existing release is not the one asked for (empty: it is, intact).
    try:
        document = read_release(target)
    except DatasetError as exc:
        return [str(exc)]
    differs = [
        f"{k} is {document.get(k)!r}, not {v!r}" for k, v in wanted.items() if document.get(k) != v
    ]
    return differs or check_files(target, document)


def build_release(
    day: date,
    out: str | os.PathLike[str],
    *,
    duration_ns: int,
    key: str | os.PathLike[str] | None = None,
    workers: int = 1,
    remote: str | None = None,
    cache: CacheStore | None = None,
    overwrite: bool = False,
    progress: Progress | None = None,
    spec: Universe | None = None,
) -> BuildResult:
    """Build the release of ``day`` into ``out/<YYYY-MM-DD>``.

    ``remote`` (a job service URL) computes the segments there; the bytes are the same.

    Raises
    ------
    ConfigError
        If the date or duration cannot be built (naming the field).
    OutputExistsError
        If ``out/<date>`` holds something else than this release (other parameters, damaged
        files) and ``overwrite`` is false.
    ProvenanceError
        If ``key`` cannot be used for signing.
    MissingExtraError
        If matplotlib (the ``opendata`` or ``report`` extra) is not installed.
    """
    from aleatoric.realism._report import ensure_matplotlib

    ensure_matplotlib()  # the HTML scorecards need it: refuse before any work is done
    spec = spec or universe()
    say = progress or (lambda _step: None)
    data_config, native_config = release_configs(day, duration_ns, spec)
    private_key = load_private_key(key) if key is not None else None
    target = Path(out) / day.isoformat()
    wanted = expected_parameters(day, duration_ns, spec)
    if target.exists():
        problems = _existing(target, wanted)
        if not problems:
            return _result(target, day, unchanged=True)
        if not overwrite:
            raise OutputExistsError(
                f"{target} holds another release ({'; '.join(problems[:3])}); "
                "pass overwrite to rebuild it"
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(target)
    with OutputClaim(target, shared=overwrite):
        tmp = partial_dir(target)
        tmp.mkdir()
        try:
            _generate(data_config, tmp / "data", ("parquet",), workers, remote, cache, key, say)
            _generate(
                native_config, tmp / "captures", ("native",), workers, remote, cache, key, say
            )
            instruments = _scorecards(tmp, data_config, say)
            document = _document(wanted, data_config, native_config, day, instruments)
            say("writing the dataset card")
            (tmp / "README.md").write_text(release_card(document, _schemas(tmp / "data")))
            document["files"] = [
                {
                    "path": p,
                    "sha256": sha256_of(tmp, p),
                    "bytes": tmp.joinpath(*p.split("/")).stat().st_size,
                }
                for p in dataset_files(tmp)
            ]
            (tmp / RELEASE_NAME).write_bytes(release_bytes(document))
            if private_key is not None:
                say("signing")
                sign_release(tmp, document, private_key)
            with locked_dir(target.parent):
                replace_dir(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return _result(target, day)


def _result(target: Path, day: date, *, unchanged: bool = False) -> BuildResult:
    files = dataset_files(target)
    size = sum(target.joinpath(*p.split("/")).stat().st_size for p in files)
    return BuildResult(target, day.isoformat(), size, len(files), unchanged)


def _generate(
    config: DatasetConfig,
    out: Path,
    formats: tuple[Any, ...],
    workers: int,
    remote: str | None,
    cache: CacheStore | None,
    key: str | os.PathLike[str] | None,
    say: Progress,
) -> None:
    names = ", ".join(f"{i.venue}:{i.symbol}" for i in config.instruments)
    say(f"generating {'/'.join(formats)} ({format_duration(config.duration)}): {names}")
    if remote is not None:
        from aleatoric.client import Client

        with Client(remote, os.environ.get("ALEATORIC_API_KEY")) as client:
            client.generate(config, out, formats=formats, cache=cache, sign_key=key)
        return
    from aleatoric._generate import generate

    generate(config, out, workers=workers, formats=formats, cache=cache, sign_key=key)


def _scorecards(root: Path, config: DatasetConfig, say: Progress) -> list[dict[str, Any]]:
    # One scorecard per instrument (JSON and HTML) and its headline figures.
    from aleatoric.realism import render_html, scorecard

    (root / "scorecard").mkdir()
    instruments = []
    for ref in config.instruments:
        say(f"scoring {ref.venue}:{ref.symbol}")
        card = replace(scorecard(root / "data", f"{ref.venue}:{ref.symbol}"), path="data")
        name = split_name(ref.venue, ref.symbol)
        summary = card.to_dict()
        (root / "scorecard" / f"{name}.json").write_bytes(release_bytes(summary))
        render_html(card, root / "scorecard" / f"{name}.html")
        assert card.observations is not None
        instruments.append({
            "venue": ref.venue, "symbol": ref.symbol, "split": name,
            "headline": headline(card.observations),
            "scorecard": {"verdict": card.verdict, "counts": summary["counts"]},
        })  # fmt: skip
    return instruments


def _document(
    wanted: dict[str, Any],
    data: DatasetConfig,
    native: DatasetConfig,
    day: date,
    instruments: list[dict[str, Any]],
) -> dict[str, Any]:
    native_refs = [{"venue": i.venue, "symbol": i.symbol} for i in native.instruments]
    scenario = [o.model_dump(mode="json") for o in data.overlays]
    return {
        "format": RELEASE_FORMAT,
        **wanted,
        "seed_rule": "the date as the integer YYYYMMDD",
        "scenario": scenario[0] if scenario else None,
        "config": data.canonical(),
        "native": {
            "duration": format_duration(native.duration),
            "instruments": native_refs,
            "config": native.canonical(),
        },
        "instruments": instruments,
    }


def _schemas(data: Path) -> dict[str, list[tuple[str, str]]]:
    # Each table's columns from the first file's Parquet schema.
    out: dict[str, list[tuple[str, str]]] = {}
    for table in sorted(p.name for p in data.iterdir() if p.is_dir()):
        first = min((data / table).rglob("*.parquet"))
        schema = pq.read_schema(first)
        out[table] = [(f.name, str(f.type)) for f in schema]
    return out

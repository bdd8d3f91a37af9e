"""The determinism contract (docs/determinism.md): same inputs, same bytes, however split."""

from __future__ import annotations

import hashlib
import json
import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import aleatoric
from aleatoric.config import DatasetConfig
from aleatoric.reactor import simulate_segment
from tests.conftest import SMALL

GOLDEN = Path(__file__).parent / "golden" / "reactor.json"


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _rows_digest(config: DatasetConfig, index: int) -> str:
    return hashlib.sha256(simulate_segment(config, index).rows.tobytes()).hexdigest()


def test_same_seed_identical_files(
    small_config: DatasetConfig, small_dataset: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again"
    aleatoric.generate(small_config, again)
    first, second = _digests(small_dataset), _digests(again)
    assert len(first) > 10
    assert first == second


def test_other_seed_differs(
    small_config: DatasetConfig, small_dataset: Path, tmp_path: Path
) -> None:
    other = small_config.model_copy(update={"seed": small_config.seed + 1})
    aleatoric.generate(other, tmp_path / "other")
    a, b = _digests(small_dataset), _digests(tmp_path / "other")
    parquet = [k for k in a if k.endswith(".parquet")]
    assert len(parquet) >= 5 * 3, parquet  # the five event tables, every segment
    assert sorted(parquet) == sorted(k for k in b if k.endswith(".parquet"))
    assert all(a[k] != b[k] for k in parquet)


@pytest.mark.slow
def test_worker_count_invariance(
    small_config: DatasetConfig, small_dataset: Path, tmp_path: Path
) -> None:
    aleatoric.generate(small_config, tmp_path / "w2", workers=2)
    assert _digests(tmp_path / "w2") == _digests(small_dataset)


@pytest.mark.slow
def test_three_workers_and_a_failing_worker(
    small_config: DatasetConfig, small_dataset: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    aleatoric.generate(small_config, tmp_path / "w3", workers=3)
    assert _digests(tmp_path / "w3") == _digests(small_dataset)
    # The parent's own worker fails on its first unit: the worker processes waiting for its
    # counts stop, the run raises that error (not a follower's) and publishes nothing.
    import aleatoric._generate as generate_module

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated unit failure")

    monkeypatch.setattr(generate_module, "_simulate_cached", fail)
    with pytest.raises(RuntimeError, match="simulated unit failure"):
        aleatoric.generate(small_config, tmp_path / "bad", workers=2)
    assert not (tmp_path / "bad").exists()


def test_segment_in_fresh_process_is_identical(small_config: DatasetConfig) -> None:
    code = (
        "import hashlib, aleatoric, sys\n"
        "from aleatoric.reactor import simulate_segment\n"
        f"c = aleatoric.DatasetConfig.model_validate_json({small_config.model_dump_json()!r})\n"
        "print(hashlib.sha256(simulate_segment(c, 2).rows.tobytes()).hexdigest())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert out.stdout.strip() == _rows_digest(small_config, 2)


def test_longer_range_reuses_segments(small_config: DatasetConfig) -> None:
    # Segment 1 is the last one of a 10-minute dataset and a middle one of a 15-minute one.
    shorter = small_config.model_copy(update={"duration": 10 * 60 * 10**9})
    assert _rows_digest(shorter, 1) == _rows_digest(small_config, 1)


def test_segment_zero_is_valid_seed() -> None:
    config = aleatoric.load_config(**{**SMALL, "seed": 0, "duration": "5m"})
    assert simulate_segment(config, 0).rows.shape[0] > 1000


def test_golden_digests() -> None:
    # A change here changes every user's data: it must be deliberate and in the changelog.
    golden = json.loads(GOLDEN.read_text())
    for case in golden["cases"]:
        config = aleatoric.load_config(**case["config"])
        assert _rows_digest(config, case["segment"]) == case["sha256"], case["config"]


def test_global_rngs_untouched(small_config: DatasetConfig) -> None:
    random.seed(1234)
    np.random.seed(1234)  # noqa: NPY002 - the point is to watch the legacy global state
    py_state = random.getstate()
    np_state = np.random.get_state()  # noqa: NPY002
    simulate_segment(small_config, 0)
    assert random.getstate() == py_state
    after = np.random.get_state()  # noqa: NPY002
    assert np.array_equal(after[1], np_state[1]) and after[2:] == np_state[2:]


#: Everything on the data path, from config to bytes on disk. Job bookkeeping, the HTTP
#: service and the agent server may read clocks (records carry timestamps); none of that
#: reaches the data.
DATA_PATH = ("_seeding.py", "_generate.py", "basket", "config", "instruments", "reactor", "sinks",
             "venues", "cache")  # fmt: skip


def test_no_module_uses_global_rngs() -> None:
    src = Path(aleatoric.__file__).parent
    files = [p for p in src.rglob("*.py") if p.relative_to(src).parts[0] in DATA_PATH]
    assert len(files) > 20
    banned = ("import random", "from random", "np.random.seed", "np.random.rand",
              "np.random.normal", "np.random.uniform", "np.random.default_rng()",
              "np.random.random", "np.random.choice", "np.random.poisson", "time.time(",
              "datetime.now", "perf_counter", "os.getpid")  # fmt: skip
    builtin_hash = re.compile(r"(?<![\w.])hash\(")
    offenders = [
        f"{path.relative_to(src)}: {needle}"
        for path in files
        for needle in banned
        if needle in path.read_text()
    ]
    offenders += [str(p) for p in files if builtin_hash.search(p.read_text())]
    assert not offenders
    # Outside the data path, nothing may touch the global generators either.
    everywhere = [p for p in src.rglob("*.py")
                  if any(n in p.read_text() for n in banned[:10])]  # fmt: skip
    assert not everywhere


@pytest.mark.parametrize("seed", [0, 1, 2**64 + 5])
def test_large_and_zero_seeds_accepted(seed: int) -> None:
    config = aleatoric.load_config(**{**SMALL, "seed": seed, "duration": "5m"})
    assert config.seed == seed

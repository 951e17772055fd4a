"""The embedded installation's kept SECRET_KEY: created once, whoever starts first."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import pytest

from payserv.database import kept_secret_key
from payserv.errors import SettingsError

ROUNDS = 40  # a fresh directory each round: the race is at creation


def _all_at_once(data_dir: Path, count: int) -> tuple[list[str], list[str]]:
    """``count`` threads ask for the key at the same moment: (keys, errors)."""
    barrier = threading.Barrier(count)
    keys: list[str] = []
    errors: list[str] = []

    def read() -> None:
        barrier.wait()
        try:
            keys.append(kept_secret_key(data_dir))
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=read) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return keys, errors


def _one_process(data_dir: Path, barrier: Barrier, results: Any) -> None:
    barrier.wait()
    results.put(_all_at_once(data_dir, 4))


def _processes_at_once(data_dir: Path, count: int) -> tuple[list[str], list[str]]:
    """``count`` processes (of 4 threads each) start on ``data_dir`` together."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(count)
    results = context.Queue()
    processes = [
        context.Process(target=_one_process, args=(data_dir, barrier, results))
        for _ in range(count)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    return [k for keys, _ in outcomes for k in keys], [e for _, errs in outcomes for e in errs]


def _assert_one_key(tmp_path: Path, start: Callable[[Path], tuple[list[str], list[str]]]) -> None:
    for run in range(ROUNDS):
        data_dir = tmp_path / f"data{run}"
        data_dir.mkdir()
        keys, errors = start(data_dir)
        assert errors == []
        assert len(set(keys)) == 1, f"round {run}: {len(set(keys))} different keys"
        assert len(keys[0]) >= 32
        assert (data_dir / "secret_key").stat().st_mode & 0o077 == 0
        assert [path.name for path in data_dir.iterdir()] == ["secret_key"]  # no temp file left


def test_threads_starting_together_on_a_fresh_dir_share_one_key(tmp_path: Path) -> None:
    _assert_one_key(tmp_path, lambda data_dir: _all_at_once(data_dir, 16))


def test_processes_starting_together_on_a_fresh_dir_share_one_key(tmp_path: Path) -> None:
    _assert_one_key(tmp_path, lambda data_dir: _processes_at_once(data_dir, 6))


def test_the_key_is_kept_between_runs(tmp_path: Path) -> None:
    first = kept_secret_key(tmp_path)
    assert kept_secret_key(tmp_path) == first


def test_an_empty_key_file_is_a_clear_error(tmp_path: Path) -> None:
    # What a process that crashed mid-write left behind before keys were linked in whole.
    (tmp_path / "secret_key").write_text("")
    with pytest.raises(SettingsError, match="secret_key is empty"):
        kept_secret_key(tmp_path)

"""Timing loops and the servers they talk to (subprocesses on a loopback port)."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx

T = TypeVar("T")


@dataclass(frozen=True)
class Stats:
    """Latencies of one shape, in milliseconds."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p99(self) -> float:
        return statistics.quantiles(self.samples, n=100, method="inclusive")[98]


def measure(ask: Callable[[T], object], prepare: Callable[[], T], requests: int, warmup: int) -> Stats:
    """Time `ask(prepare())` `requests` times after `warmup` untimed calls; `prepare`
    (signing a request, say) is not timed."""
    for _ in range(warmup):
        ask(prepare())
    samples = []
    for _ in range(requests):
        prepared = prepare()
        started = time.perf_counter()
        ask(prepared)
        samples.append((time.perf_counter() - started) * 1000)
    return Stats(tuple(samples))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def server(
    argv: Sequence[str], log: Path, ready_url: str, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Start `argv`, wait until `ready_url` answers 200, stop it on exit."""
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{argv[0]} exited with {proc.returncode}; see {log}")
                try:
                    if httpx.get(ready_url, timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{argv[0]} did not answer {ready_url} within 60 s; see {log}")
                time.sleep(0.1)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def run_timed(argv: Sequence[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    """Run a command to completion; (seconds, stdout). Fails loudly on a non-zero exit."""
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, env={**os.environ, **(env or {})}, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    return elapsed, done.stdout.decode()

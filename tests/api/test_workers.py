"""WorkerPool: getIPSList's blocking work off the event loop, with less machinery than
anyio's thread pool — and the same outcomes: results, exceptions, no lost calls."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from secmon.api.context import WorkerPool


def _wait_idle(pool: WorkerPool) -> None:
    """Until a worker that finished its call is back in the pool."""
    deadline = time.monotonic() + 10
    while not pool._idle:
        assert time.monotonic() < deadline, "the worker never came back"
        time.sleep(0.005)


def _name() -> str:
    return threading.current_thread().name


def test_result_comes_from_a_worker_thread() -> None:
    pool = WorkerPool(max_workers=2)

    async def main() -> tuple[str, str]:
        return _name(), await pool.run(_name)

    loop_thread, worker_thread = asyncio.run(main())
    assert worker_thread != loop_thread
    assert worker_thread == "secmon worker"


def test_exception_reaches_the_caller() -> None:
    pool = WorkerPool(max_workers=1)

    def fail() -> None:
        raise KeyError("missing")

    async def main() -> None:
        with pytest.raises(KeyError, match="missing"):
            await pool.run(fail)
        assert await pool.run(lambda: 42) == 42  # the worker survived

    asyncio.run(main())


def test_more_concurrent_calls_than_workers_all_run_at_once() -> None:
    # Five calls that can only finish together: two run in the pool's threads, the
    # others in Starlette's thread pool — none waits for another.
    pool = WorkerPool(max_workers=2)
    barrier = threading.Barrier(5, timeout=10)

    async def main() -> list[int]:
        return list(await asyncio.gather(*(pool.run(lambda i=i: barrier.wait() * 0 + i) for i in range(5))))

    assert asyncio.run(main()) == [0, 1, 2, 3, 4]


def test_a_cancelled_caller_leaves_the_pool_working() -> None:
    pool = WorkerPool(max_workers=1)
    release = threading.Event()
    errors: list[dict[str, Any]] = []

    async def main() -> str:
        asyncio.get_running_loop().set_exception_handler(lambda _loop, context: errors.append(context))
        waiting = asyncio.create_task(pool.run(release.wait))
        await asyncio.sleep(0.05)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        release.set()  # the call finishes in its thread; nobody takes its result
        _wait_idle(pool)
        return await pool.run(_name)

    assert asyncio.run(main()) == "secmon worker"
    assert errors == []


def test_a_closed_loop_does_not_kill_the_worker() -> None:
    pool = WorkerPool(max_workers=1)
    release = threading.Event()

    async def abandon() -> None:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(pool.run(release.wait), 0.05)

    asyncio.run(abandon())  # this loop is closed before the call ends
    release.set()
    _wait_idle(pool)

    async def again() -> str:
        return await pool.run(_name)

    assert asyncio.run(again()) == "secmon worker"

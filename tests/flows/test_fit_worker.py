"""The decoding pool never waits forever on a dead worker."""

from __future__ import annotations

import threading
from concurrent.futures.process import BrokenProcessPool

import pytest

from flows.fit_worker import DEAD_WORKER_GRACE_S, WATCH_INTERVAL_S, decoding_pool
from tests.helpers import die_sending_half_a_result, slow_square


def _drain(pool, futures) -> dict:
    """Every future's result or exception type, collected through `first_done`."""
    outcome: dict = {}
    pending = set(futures)
    while pending:
        for future in pool.first_done(pending):
            pending.discard(future)
            try:
                outcome[futures[future]] = future.result()
            except BrokenProcessPool:
                outcome[futures[future]] = BrokenProcessPool
    return outcome


def test_a_worker_killed_while_it_sends_a_result_breaks_the_pool() -> None:
    pool = decoding_pool(2)
    futures = {pool.submit(slow_square, 3): "before"}
    first = _drain(pool, futures)
    assert first == {"before": 9}  # a working pool first
    futures = {pool.submit(die_sending_half_a_result, 0): "dies",
               pool.submit(slow_square, 4): "beside"}
    outcome: dict = {}
    runner = threading.Thread(target=lambda: outcome.update(_drain(pool, futures)),
                              daemon=True)
    runner.start()
    runner.join(timeout=DEAD_WORKER_GRACE_S + 10 * WATCH_INTERVAL_S + 20)
    stuck = runner.is_alive()
    if stuck:  # unblock the pool's own thread, or the interpreter waits for it at exit
        pool._break(list(pool._processes.values()))
    pool.shutdown(wait=not stuck, cancel_futures=True)
    assert not stuck, "the pool waited on a dead worker's half-sent result"
    assert outcome["dies"] is BrokenProcessPool
    # the other worker's file either finished before the pool broke or is failed with it
    # (the caller decodes it again, one file per fresh process)
    assert outcome["beside"] in (16, BrokenProcessPool)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_pool_without_a_death_only_waits_for_results(workers: int) -> None:
    with decoding_pool(workers) as pool:
        futures = {pool.submit(slow_square, n): n for n in range(5)}
        assert _drain(pool, futures) == {n: n * n for n in range(5)}

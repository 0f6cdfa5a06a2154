"""Two dramatiq worker pools per process: one places calls, one collects results.

Placing is what keeps a freed channel from standing idle; a poll batch makes dozens of requests in a
row. In one pool a few slow poll batches could hold every thread while placements wait in the queue;
apart, a placement never waits behind a poll.
"""

from __future__ import annotations

from dataclasses import dataclass

import dramatiq

from batch_dialer.workers.actors import DIAL_QUEUE, POLL_QUEUE

__all__ = ["POLL_WAIT_MS", "WorkerPools"]

#: the shortest idle wait of the poll pool's consumers (results are not in a hurry; each look at an
#: empty queue is a Redis round trip)
POLL_WAIT_MS = 100


@dataclass
class WorkerPools:
    dial: dramatiq.Worker
    poll: dramatiq.Worker

    @classmethod
    def start(
        cls, broker: dramatiq.Broker, threads: int, *, wait_ms: int = 100, poll_threads: int | None = None
    ) -> WorkerPools:
        """``threads`` place calls, ``poll_threads`` (default: half as many, at least 2) collect results;
        an idle consumer looks again after ``wait_ms`` at the latest (at once for messages this process
        enqueues, see waking_broker)."""
        pools = cls(
            dial=dramatiq.Worker(broker, queues={DIAL_QUEUE}, worker_threads=threads, worker_timeout=wait_ms),
            poll=dramatiq.Worker(
                broker,
                queues={POLL_QUEUE},
                worker_threads=poll_threads or max(2, threads // 2),
                worker_timeout=max(wait_ms, POLL_WAIT_MS),  # a poll may wait a little; a placement not
            ),
        )
        pools.dial.start()
        pools.poll.start()
        return pools

    def stop(self, timeout_ms: int = 10_000) -> None:
        self.dial.stop(timeout=timeout_ms)
        self.poll.stop(timeout=timeout_ms)

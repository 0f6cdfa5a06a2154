"""Two dramatiq worker pools per process: one places calls, one collects results.

Placing is what keeps a freed channel from standing idle; a poll batch makes dozens of requests in a
row. In one pool a few slow poll batches could hold every thread while placements wait in the queue;
apart, a placement never waits behind a poll.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import dramatiq

from batch_dialer.workers.actors import DIAL_QUEUE, POLL_QUEUE

__all__ = ["WorkerPools"]


@dataclass
class WorkerPools:
    dial: dramatiq.Worker
    poll: dramatiq.Worker

    @classmethod
    def start(
        cls, broker: dramatiq.Broker, threads: int, *, wait_ms: int = 500, poll_threads: int | None = None
    ) -> WorkerPools:
        """``threads`` place calls, ``poll_threads`` (default: half as many, at least 2) collect results;
        an idle consumer looks again after ``wait_ms`` at the latest (at once when a message is enqueued,
        see waking_broker)."""
        pools = cls(
            dial=dramatiq.Worker(broker, queues={DIAL_QUEUE}, worker_threads=threads, worker_timeout=wait_ms),
            poll=dramatiq.Worker(
                broker,
                queues={POLL_QUEUE},
                worker_threads=poll_threads or max(2, threads // 2),
                worker_timeout=wait_ms,
            ),
        )
        pools.dial.start()
        pools.poll.start()
        return pools

    def stop(self, timeout_ms: int = 10_000) -> None:
        """Both pools at once: each takes up to two idle waits to notice (its threads, then consumers)."""
        other = threading.Thread(target=self.poll.stop, kwargs={"timeout": timeout_ms}, daemon=True)
        other.start()
        self.dial.stop(timeout=timeout_ms)
        other.join()

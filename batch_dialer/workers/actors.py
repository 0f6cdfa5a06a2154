"""The dramatiq actors: thin wrappers that find the runtime and call placing / collecting.

Messages carry only attempt ids; the database says what to do, so a duplicated or
redelivered message is harmless and a lost one is re-sent by the scheduler.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import dramatiq

from batch_dialer.workers.collecting import collect
from batch_dialer.workers.placing import place, place_many
from batch_dialer.workers.runtime import POLL_TIME_LIMIT_S, current_runtime

__all__ = ["DIAL_QUEUE", "POLL_QUEUE", "Actors", "declare_actors"]

log = logging.getLogger("batch_dialer.workers.actors")
_A = TypeVar("_A")

DIAL_QUEUE = "dial"
POLL_QUEUE = "poll"

# Transport errors: a few quick retries; business redials are new attempts, not retries.
_RETRY_OPTIONS: dict[str, Any] = {
    "max_retries": 5,
    "min_backoff": 250,
    "max_backoff": 4000,
    "time_limit": 120_000,
}


def place_attempt(attempt_id: int) -> None:
    place(current_runtime(), attempt_id)


def place_attempts(attempt_ids: list[int]) -> None:
    """Several claimed attempts in one message (one Redis round trip and two commits instead of one and
    two each). One that fails in transit does not hold up the rest: its lease is already expired (see
    placing), so the scheduler's recovery re-sends it on its own within a few seconds, as a resubmission
    that asks the centre first."""
    for attempt_id, result in place_many(current_runtime(), attempt_ids).items():
        if isinstance(result, Exception):
            log.warning("placing attempt %d failed (%s); the scheduler re-sends it", attempt_id, result)


def poll_attempts(attempt_ids: list[int]) -> None:
    collect(current_runtime(), attempt_ids)


@dataclass(frozen=True)
class Actors:
    place_attempt: dramatiq.Actor[[int], None]
    place_attempts: dramatiq.Actor[[list[int]], None]
    poll_attempts: dramatiq.Actor[[list[int]], None]


def declare_actors(broker: dramatiq.Broker) -> Actors:
    """Register the actors on `broker` (once per broker)."""
    existing = broker.actors if hasattr(broker, "actors") else {}
    if "place_attempt" in existing:
        return Actors(existing["place_attempt"], existing["place_attempts"], existing["poll_attempts"])

    def actor(fn: Callable[[_A], None], queue: str, **options: Any) -> dramatiq.Actor[[_A], None]:
        return dramatiq.Actor(
            fn,
            broker=broker,
            actor_name=fn.__name__,
            queue_name=queue,
            priority=0,
            options={**_RETRY_OPTIONS, **options},
        )

    return Actors(
        place_attempt=actor(place_attempt, DIAL_QUEUE),
        # its attempts are re-sent one by one by the scheduler's recovery, never the batch again
        place_attempts=actor(place_attempts, DIAL_QUEUE, max_retries=0),
        # a batch stops sending requests at runtime.POLL_BUDGET_S, well inside this limit
        poll_attempts=actor(poll_attempts, POLL_QUEUE, time_limit=int(POLL_TIME_LIMIT_S * 1000)),
    )

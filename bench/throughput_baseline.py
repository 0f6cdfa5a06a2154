"""The raw baseline of bench.throughput: the least work that keeps a trunk full over the same HTTP.

One thread, no database, no broker: every tick it reads the monitor and submits as many calls as lines
are free (minus the calls it sent that the monitor may not show yet); every poll interval it asks each
call in flight for its result, and forgets the final ones. What this costs per call is the floor our
engine is compared with.
"""

from __future__ import annotations

import time

from batch_dialer.callcenter import CenterBusy, connect
from batch_dialer.callcenter.capabilities import LoadMonitor, TtsCalls, TtsResults
from batch_dialer.campaigns.kinds.base import ReadingStatus
from batch_dialer.campaigns.kinds.tts import reading_of_centre_result

__all__ = ["raw_loop"]


def raw_loop(
    url: str, phones: list[str], channels: int, tick_s: float, poll_s: float, ivr_max_s: float
) -> None:
    centre = connect(url, None)
    assert isinstance(centre, TtsCalls) and isinstance(centre, TtsResults) and isinstance(centre, LoadMonitor)
    todo = list(reversed(phones))
    in_flight: dict[str, float] = {}  # token → next poll (monotonic)
    answered: dict[str, float] = {}  # token → when it was first seen answered without keys
    unseen: list[tuple[float, str]] = []  # (sent at, token): not yet in the monitor's playcount
    while todo or in_flight:
        now = time.monotonic()
        playcount = centre.monitor().playcount
        unseen = [(at, t) for at, t in unseen if now - at < tick_s and t in in_flight]
        for _ in range(max(0, channels - playcount - len(unseen))):
            if not todo:
                break
            phone = todo.pop()
            token = f"raw{phone}"
            try:
                centre.submit_tts_call(token, phone, 20, {"ttsabc": "您好"})
            except CenterBusy:  # the trunk was fuller than we counted: try this one next tick
                todo.append(phone)
                break
            in_flight[token] = now + poll_s
            unseen.append((now, token))
        for token, due in list(in_flight.items()):
            if due <= now:
                reading = reading_of_centre_result(centre.tts_call_result(token), wait_for_keys=True)
                waited = now - answered.setdefault(token, now)
                if reading.status is ReadingStatus.AWAITING_KEYS and waited < ivr_max_s:
                    in_flight[token] = now + poll_s  # keys may still come, as the engine waits for them
                elif reading.status in (ReadingStatus.FINAL, ReadingStatus.AWAITING_KEYS):
                    del in_flight[token]
                else:
                    in_flight[token] = now + poll_s
        time.sleep(max(0.0, tick_s - (time.monotonic() - now)))

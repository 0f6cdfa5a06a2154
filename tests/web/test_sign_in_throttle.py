"""Sign-in under attack, over a real uvicorn: 40 concurrent failed sign-ins do not stall a signed-in
user's page; failures are limited per client address and per name; the lock-out answers the same for
names that exist and names that do not."""

from __future__ import annotations

import re
import statistics
import threading
import time
from collections.abc import Callable

import httpx

from batch_dialer.campaigns.clock import ManualClock
from tests.web.conftest import MANAGER, sign_in

ATTACK = 40


def _attack(url: str, names: list[str], results: list[tuple[int, float]], go: threading.Event) -> None:
    """One client per name, all built first (building an httpx client costs CPU in this process,
    which also runs the server), then every guess sent at once; ``go`` is set when they leave."""
    ready = threading.Barrier(len(names) + 1)

    def one(name: str) -> None:
        with httpx.Client(base_url=url, timeout=120) as client:
            ready.wait()
            response = client.post("/login", data={"username": name, "password": "wrong-password"})
            results.append((response.status_code, time.monotonic()))

    threads = [threading.Thread(target=one, args=(n,)) for n in names]
    for t in threads:
        t.start()
    ready.wait()
    go.set()
    for t in threads:
        t.join(180)


def test_page_loads_in_under_a_second_during_40_concurrent_failed_sign_ins(
    serve: Callable[..., str],
) -> None:
    # a high per-address limit: all 40 guesses really run scrypt, the worst case for the server
    url = serve(login_ip_failures=1000)
    client, _ = sign_in(url)
    assert client.get("/campaigns").status_code == 200  # warm
    results: list[tuple[int, float]] = []
    go = threading.Event()
    attacker = threading.Thread(
        target=_attack, args=(url, [f"guess-{i}" for i in range(ATTACK)], results, go)
    )
    attacker.start()
    go.wait()
    latencies: list[tuple[float, float]] = []  # (started, seconds)
    while attacker.is_alive() or not latencies:
        started = time.monotonic()
        response = client.get("/campaigns")
        assert response.status_code == 200
        latencies.append((started, time.monotonic() - started))
    attacker.join()
    client.close()
    assert len(results) == ATTACK and all(status == 401 for status, _ in results)
    last_failure = max(at for _, at in results)
    during = [seconds for started, seconds in latencies if started < last_failure]
    assert during, "no page load overlapped the attack"
    worst = max(during)
    assert worst < 1.0, f"a page took {worst:.2f}s while 40 sign-ins failed ({len(during)} loads)"


def test_failed_sign_ins_are_limited_per_client_address(serve: Callable[..., str]) -> None:
    url = serve(login_ip_failures=10)
    results: list[tuple[int, float]] = []
    _attack(url, [f"spray-{i}" for i in range(ATTACK)], results, threading.Event())
    statuses = [status for status, _ in results]
    assert statuses.count(401) == 10, statuses  # only ten guesses reached a password check
    assert statuses.count(429) == ATTACK - 10
    # the address is refused even with the right password until the window passes
    with httpx.Client(base_url=url) as client:
        refused = client.post("/login", data={"username": MANAGER[0], "password": MANAGER[1]})
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers


def _error_text(response: httpx.Response) -> str:
    found = re.search(r'role="alert"[^>]*>([^<]*)<', response.text)
    return found.group(1) if found else ""


def test_lock_out_does_not_reveal_which_names_exist(serve: Callable[..., str], clock: ManualClock) -> None:
    url = serve(clock=clock, lockout_failures=3)

    def attempts(name: str) -> tuple[list[tuple[int, str]], list[float]]:
        answers: list[tuple[int, str]] = []
        seconds: list[float] = []
        with httpx.Client(base_url=url, timeout=30) as client:
            for _ in range(5):
                started = time.monotonic()
                response = client.post("/login", data={"username": name, "password": "not-the-password"})
                seconds.append(time.monotonic() - started)
                answers.append((response.status_code, _error_text(response)))
        return answers, seconds

    known, known_s = attempts(MANAGER[0])
    unknown, unknown_s = attempts("nobody-by-this-name")
    assert [a[0] for a in known] == [401, 401, 429, 429, 429]
    assert known == unknown  # same statuses, same words
    # every answer costs one password check, so the unknown name is not the fast one
    ratio = statistics.median(unknown_s) / statistics.median(known_s)
    assert 0.33 < ratio < 3, (known_s, unknown_s)

"""Failed sign-ins, counted per client address and per user name, in this process's memory.

Two limits, both answered with the same 429 page:

- per client (IP): after ``ip_failures`` failures within ``ip_window`` the address is refused without
  a password check, so a flood of guesses costs no scrypt work;
- per name: after ``name_failures`` failures in a row the name is locked for ``lock_for``, whether or
  not a user of that name exists (existing users are also locked in the database, which survives a
  restart), so the answer never tells which names exist.

An attempt counts against its address while it runs (40 guesses sent at once are 40 attempts, not 0),
and a success gives it back. A wall clock is passed in, so tests drive the windows.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta

__all__ = ["SignInThrottle"]


class SignInThrottle:
    def __init__(
        self,
        *,
        ip_failures: int,
        ip_window: timedelta,
        name_failures: int,
        lock_for: timedelta,
        max_tracked: int = 10_000,
    ) -> None:
        self.ip_failures = ip_failures
        self.ip_window = ip_window
        self.name_failures = name_failures
        self.lock_for = lock_for
        self.max_tracked = max_tracked  # a spray of random names or addresses cannot grow memory forever
        self._lock = threading.Lock()
        self._by_ip: dict[str, deque[datetime]] = {}
        self._by_name: dict[str, tuple[int, datetime | None]] = {}  # failures in a row, locked until

    @staticmethod
    def _key(name: str) -> str:
        return name.strip().casefold()[:100]

    def begin(self, ip: str, name: str, now: datetime) -> datetime | None:
        """Reserve one attempt; the time until which it is refused (None: go ahead and check)."""
        with self._lock:
            attempts = self._by_ip.setdefault(ip, deque())
            while attempts and attempts[0] <= now - self.ip_window:
                attempts.popleft()
            if len(attempts) >= self.ip_failures:
                return attempts[0] + self.ip_window
            _, until = self._by_name.get(self._key(name), (0, None))
            if until is not None and until > now:
                return until
            attempts.append(now)
            self._trim()
            return None

    def succeeded(self, ip: str, name: str, now: datetime) -> None:
        """Give the reserved attempt back and clear the name's count."""
        with self._lock:
            attempts = self._by_ip.get(ip)
            if attempts:
                attempts.pop()
            self._by_name.pop(self._key(name), None)

    def failed(self, name: str, now: datetime) -> datetime | None:
        """Count a failure for the name (the address was counted by :meth:`begin`); the lock-out end
        when this failure locks the name."""
        with self._lock:
            key = self._key(name)
            count, until = self._by_name.get(key, (0, None))
            if until is not None and until <= now:
                count = 0
            count += 1
            if count >= self.name_failures:
                locked = now + self.lock_for
                self._by_name[key] = (0, locked)
                return locked
            self._by_name[key] = (count, None)
            return None

    def _trim(self) -> None:
        for table in (self._by_ip, self._by_name):
            while len(table) > self.max_tracked:
                table.pop(next(iter(table)))

"""The event-driven call simulation: a channel pool, a waiting line, agents and the calls themselves.

Not thread-safe and without threads of its own: the owner (``SimCenter``) holds one lock and calls
``advance(now)`` before every read or write, so the simulation is replayed lazily and exactly, however
rarely it is looked at. Event times are real epoch seconds; nominal durations are divided by ``speed``.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass

from .outcomes import PlannedCall, plan_call

__all__ = ["ABANDON_AFTER_S", "AGENT_NAMES", "Agent", "CallEngine", "SimCall"]

#: A transferred caller hangs up after waiting this long (nominal seconds) for a free agent.
ABANDON_AFTER_S = 120
AGENT_NAMES = ("李阳", "张霞", "王芳", "刘伟", "陈静", "杨洋", "赵磊", "黄敏", "周杰", "吴婷")


@dataclass
class SimCall:
    """One call as the centre sees it; ``state`` uses the document's result codes (0, 4, 1, 2, 3, 5, 6)."""

    serial: int
    key: str
    api: str
    callee: str
    attempt_no: int
    plan: PlannedCall
    submitted_at: float
    extnum: str | None = None
    pre_s: int = 0
    state: int = 0
    keys: str = ""
    started_at: float | None = None
    answered_at: float | None = None
    ended_at: float | None = None
    queued_at: float | None = None
    agent: str | None = None
    agent_at: float | None = None

    @property
    def ended(self) -> bool:
        return self.ended_at is not None


@dataclass
class Agent:
    telnum: str
    name: str
    serving: int | None = None


class CallEngine:
    """Calls move: waiting line (state 0) -> channel (4) -> answered (1) / final; see the module doc."""

    def __init__(
        self,
        *,
        channels: int,
        agents: int,
        speed: float,
        seed: int,
        on_call_end: Callable[[SimCall], None],
    ) -> None:
        self.channels = channels
        self.speed = speed
        self.seed = seed
        self._on_call_end = on_call_end
        self.calls: dict[int, SimCall] = {}
        self.agents: dict[str, Agent] = {
            str(801 + i): Agent(str(801 + i), AGENT_NAMES[i % len(AGENT_NAMES)]) for i in range(agents)
        }
        self.calls_by_number: Counter[str] = Counter()
        self.in_use = 0
        self.peak_in_use = 0
        self.peak_waiting = 0
        self.peak_queue = 0
        self.busy_nominal_s = 0.0
        self._serials = itertools.count(1)
        self._seq = itertools.count()
        self._events: list[tuple[float, int, str, int]] = []
        self._waiting: deque[int] = deque()
        self._agent_queue: list[int] = []
        self._handlers: dict[str, Callable[[int, float], None]] = {
            "ring_end": self._ring_end,
            "key": self._key,
            "play_end": self._play_end,
            "agent_end": self._agent_end,
            "abandon": self._abandon,
        }

    # -- time ---------------------------------------------------------------------------------------
    def register(self, action: str, handler: Callable[[int, float], None]) -> None:
        """Let an owner (e.g. the SOAP timed-call service) put its own events on the same timeline."""
        self._handlers[action] = handler

    def schedule(self, at: float, action: str, ref: int) -> None:
        heapq.heappush(self._events, (at, next(self._seq), action, ref))

    def advance(self, now: float) -> None:
        """Process every event due at or before ``now``, each at its own time."""
        while self._events and self._events[0][0] <= now:
            at, _, action, ref = heapq.heappop(self._events)
            self._handlers[action](ref, at)

    def after(self, start: float, nominal_s: float) -> float:
        return start + nominal_s / self.speed

    # -- observation --------------------------------------------------------------------------------
    @property
    def waiting(self) -> int:
        return len(self._waiting)

    @property
    def queue(self) -> int:
        return len(self._agent_queue)

    def busy_seconds(self, now: float) -> float:
        """Nominal channel-seconds used so far, including the running part of calls in progress."""
        running = sum(
            (now - c.started_at) * self.speed
            for c in self.calls.values()
            if c.started_at is not None and c.ended_at is None
        )
        return self.busy_nominal_s + running

    def free_agent_for(self, extnum: str | None) -> Agent | None:
        """An extnum naming one agent waits for that agent; any other extnum is a group of all agents."""
        if extnum in self.agents:
            agent = self.agents[extnum]
            return agent if agent.serving is None else None
        return next((a for a in self.agents.values() if a.serving is None), None)

    # -- calls --------------------------------------------------------------------------------------
    def new_call(self, key: str, api: str, callee: str, now: float, *, extnum: str | None = None) -> SimCall:
        """Create a call; its attempt number is how often this number was dialled before, plus one."""
        attempt_no = self.calls_by_number[callee] + 1
        self.calls_by_number[callee] = attempt_no
        serial = next(self._serials)
        plan = plan_call(self.seed, callee, attempt_no)
        call = SimCall(serial, key, api, callee, attempt_no, plan, now, extnum=extnum)
        self.calls[serial] = call
        return call

    def place(self, call: SimCall, now: float) -> None:
        """Seize a free channel now, or join the waiting line (the caller checked its limit)."""
        if self.in_use < self.channels and not self._waiting:
            self._seize(call, now)
        else:
            self._waiting.append(call.serial)
            self.peak_waiting = max(self.peak_waiting, len(self._waiting))

    def place_with_agent(self, call: SimCall, agent: Agent, now: float, pre_s: int) -> None:
        """Click-to-call: the agent's phone rings first (``pre_s``), then the customer's."""
        agent.serving = call.serial
        call.agent = agent.telnum
        call.agent_at = now
        call.pre_s = pre_s
        self._seize(call, now)

    def hang_up(self, serial: int, now: float) -> None:
        call = self.calls[serial]
        if call.ended:
            return
        if call.answered_at is None:
            call.state = 2
        self._end(call, now)

    def _seize(self, call: SimCall, now: float) -> None:
        self.in_use += 1
        self.peak_in_use = max(self.peak_in_use, self.in_use)
        call.started_at = now
        call.state = 4
        self.schedule(self.after(now, call.pre_s + call.plan.ring_s), "ring_end", call.serial)

    def _ring_end(self, serial: int, at: float) -> None:
        call = self.calls[serial]
        if call.ended:
            return
        plan = call.plan
        if not plan.answered:
            call.state = plan.final_state
            self._end(call, at)
            return
        call.state = 1
        call.answered_at = at
        if plan.key_at_s is not None:
            self.schedule(self.after(at, plan.key_at_s), "key", serial)
        self.schedule(self.after(at, plan.talk_s), "play_end", serial)

    def _key(self, serial: int, at: float) -> None:
        call = self.calls[serial]
        if not call.ended:
            call.keys = call.plan.keys

    def _play_end(self, serial: int, at: float) -> None:
        call = self.calls[serial]
        if call.ended:
            return
        if call.api == "captcha" and call.extnum:
            call.queued_at = at
            self._agent_queue.append(serial)
            self.peak_queue = max(self.peak_queue, len(self._agent_queue))
            self.schedule(self.after(at, ABANDON_AFTER_S), "abandon", serial)
            self._dispatch_agents(at)
        else:
            self._end(call, at)

    def _dispatch_agents(self, at: float) -> None:
        for serial in list(self._agent_queue):
            call = self.calls[serial]
            agent = self.free_agent_for(call.extnum)
            if agent is None:
                continue
            self._agent_queue.remove(serial)
            agent.serving = serial
            call.agent = agent.telnum
            call.agent_at = at
            self.schedule(self.after(at, call.plan.agent_s), "agent_end", serial)

    def _agent_end(self, serial: int, at: float) -> None:
        call = self.calls[serial]
        if not call.ended:
            self._end(call, at)

    def _abandon(self, serial: int, at: float) -> None:
        call = self.calls[serial]
        if not call.ended and call.agent is None:
            self._end(call, at)

    def _end(self, call: SimCall, at: float) -> None:
        call.ended_at = at
        if call.started_at is None:
            self._waiting.remove(call.serial)
        else:
            self.in_use -= 1
            self.busy_nominal_s += (at - call.started_at) * self.speed
        if call.serial in self._agent_queue:
            self._agent_queue.remove(call.serial)
        freed_agent = call.agent is not None and self.agents[call.agent].serving == call.serial
        if freed_agent and call.agent is not None:
            self.agents[call.agent].serving = None
        self._on_call_end(call)
        while self.in_use < self.channels and self._waiting:
            self._seize(self.calls[self._waiting.popleft()], at)
        if freed_agent:
            self._dispatch_agents(at)

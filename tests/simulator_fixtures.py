"""Reusable simulator fixtures: ``from tests.simulator_fixtures import sim, sim_factory``.

``running_simulator(clock=None, **config)`` is the plain context manager behind both fixtures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from batch_dialer.callcenter.simulator import Clock, RunningSimulator, SimulatorConfig, start_in_thread

__all__ = ["running_simulator", "sim", "sim_factory"]


@contextmanager
def running_simulator(clock: Clock | None = None, **config: Any) -> Iterator[RunningSimulator]:
    """A simulator on a free loopback port, stopped on exit; ``config`` are SimulatorConfig fields."""
    running = start_in_thread(SimulatorConfig(**config), clock=clock)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def sim() -> Iterator[RunningSimulator]:
    """A simulator with the default configuration (30 channels, 5 agents, speed 60, seed 1)."""
    with running_simulator() as running:
        yield running


@pytest.fixture
def sim_factory() -> Iterator[Callable[..., RunningSimulator]]:
    """``sim_factory(clock=None, **config)`` starts simulators; all are stopped after the test."""
    started: list[RunningSimulator] = []

    def factory(clock: Clock | None = None, **config: Any) -> RunningSimulator:
        running = start_in_thread(SimulatorConfig(**config), clock=clock)
        started.append(running)
        return running

    yield factory
    for running in started:
        running.stop()

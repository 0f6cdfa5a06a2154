"""Untrusted workbooks are read in a child process with a memory and a CPU limit.

Calamine is Rust: when an allocation fails it aborts the whole process (exit 134), which would take
`dialer web` or the scheduler down with it. So the reading of every non-CSV upload happens in a
child forked from a `forkserver` (started once, with pandas and calamine already imported, so a
read costs a fork, not an interpreter start). The child sets RLIMIT_AS and RLIMIT_CPU on itself and
sends back the table or the refusal; a child that is killed, aborts or runs out of time becomes
one `ImportRefused` line. CSV is streamed in the parent and never comes here.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, TypeVar

from batch_dialer.importers.errors import ImportRefused
from batch_dialer.importers.read_limits import ReadLimits

__all__ = ["read_isolated"]

T = TypeVar("T")

_PRELOAD = [
    "batch_dialer.importers.sheet_loading",
    "pandas.io.excel._calamine",
    "python_calamine",
    "lxml.etree",
]
_preload_lock = threading.Lock()
_preloaded = False


def _context() -> Any:
    global _preloaded
    context = multiprocessing.get_context("forkserver")
    with _preload_lock:
        if not _preloaded:
            context.set_forkserver_preload(_PRELOAD)
            _preloaded = True
    return context


def _peak_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(
    conn: Connection, memory_mb: int, cpu_seconds: int, work: Callable[..., Any], args: tuple[Any, ...]
) -> None:
    """In the child: limit ourselves, do the work, send one outcome.

    Its stderr goes nowhere: a Rust abort prints a backtrace there, and the parent says it in one line.
    """
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 2)
    os.close(quiet)
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    used = int(
        resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(resource.RUSAGE_SELF).ru_stime
    )
    resource.setrlimit(resource.RLIMIT_CPU, (used + cpu_seconds, used + cpu_seconds + 5))
    try:
        try:
            outcome: tuple[str, Any, float] = ("ok", work(*args), 0.0)
        except ImportRefused as exc:
            outcome = ("refused", exc.problem, 0.0)
        except MemoryError:
            outcome = ("memory", None, 0.0)
        except Exception as exc:  # a reader bug must still end in one line
            outcome = ("error", f"{type(exc).__name__}: {_first_line(exc)}", 0.0)
        conn.send((outcome[0], outcome[1], _peak_mb()))
    except MemoryError:
        conn.send(("memory", None, _peak_mb()))
    finally:
        conn.close()


def read_isolated(path: Path, limits: ReadLimits, work: Callable[..., T], *args: Any) -> tuple[T, float]:
    """Run ``work(*args)`` in a limited child; returns (its value, the child's peak RSS in MB).

    Raises ImportRefused with the child's own refusal, or with one line saying how the child failed.
    """
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_child,
        args=(sender, limits.memory_mb, limits.cpu_seconds, work, args),
        daemon=True,
        name="dialer-read",
    )
    process.start()
    sender.close()
    deadline = time.monotonic() + limits.cpu_seconds * 2 + 30  # CPU time is the real limit; this is a net
    try:
        outcome: tuple[str, Any, float] | None = None
        while outcome is None:
            ready = wait([receiver, process.sentinel], timeout=max(0.0, deadline - time.monotonic()))
            if not ready:
                raise ImportRefused(
                    path,
                    f"reading the workbook took longer than {limits.cpu_seconds * 2 + 30} s; it was stopped",
                )
            if receiver in ready:
                try:
                    outcome = receiver.recv()
                except EOFError:
                    break  # the child died without an answer
            elif not process.is_alive():
                if receiver.poll():
                    continue
                break
        if outcome is None:
            process.join(5)
            raise ImportRefused(path, _death(process.exitcode, limits))
        kind, value, peak = outcome
        if kind == "ok":
            return value, peak
        if kind == "refused":
            raise ImportRefused(path, str(value))
        if kind == "memory":
            raise ImportRefused(
                path,
                f"reading the workbook needed more than {limits.memory_mb:,} MB of memory; it was stopped",
            )
        raise ImportRefused(path, f"the workbook could not be read ({value})")
    finally:
        if process.is_alive():
            process.kill()
        process.join(5)
        receiver.close()


def _death(exitcode: int | None, limits: ReadLimits) -> str:
    if exitcode is not None and exitcode < 0:
        number = -exitcode
        name = signal.Signals(number).name if number in signal.Signals._value2member_map_ else str(number)
        if number == signal.SIGXCPU:
            return f"reading the workbook took more than {limits.cpu_seconds} s of CPU; it was stopped"
        if number in (signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS, signal.SIGKILL):
            return (
                f"the spreadsheet reader crashed ({name}) within its {limits.memory_mb:,} MB memory limit: "
                "the file asks for more than it holds (a far cell or a huge range?); it is not imported"
            )
        return f"the spreadsheet reader was stopped ({name}); the file is not imported"
    return f"the spreadsheet reader ended without an answer (exit {exitcode}); the file is not imported"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__

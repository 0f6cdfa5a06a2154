"""Running the simulator: in a background thread (tests, demos, benchmarks) or in the foreground (CLI)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from types import TracebackType

import uvicorn

from .center import SimCenter
from .clock import Clock
from .config import SimulatorConfig
from .http_app import create_app

__all__ = ["RunningSimulator", "serve", "start_in_thread"]

_START_TIMEOUT_S = 10.0


def _bind(host: str, port: int) -> socket.socket:
    """Bind ourselves, so port 0 works and the real port is known before uvicorn starts."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so (else ~40 ms per request).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def _server(center: SimCenter, log_level: str, access_log: bool) -> uvicorn.Server:
    config = uvicorn.Config(
        create_app(center), log_level=log_level, access_log=access_log, lifespan="off", timeout_keep_alive=30
    )
    return uvicorn.Server(config)


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class RunningSimulator:
    """A simulator serving in a daemon thread; ``stop()`` (or leaving the ``with`` block) shuts it down."""

    def __init__(self, center: SimCenter, server: uvicorn.Server, sock: socket.socket, host: str) -> None:
        self.center = center
        self.host = host
        self.port: int = sock.getsockname()[1]
        self.base_url = _url(host, self.port)
        self._server = server
        self._sock = sock
        self._thread = threading.Thread(
            target=lambda: asyncio.run(server.serve(sockets=[sock])),
            name=f"simulator-{self.port}",
            daemon=True,
        )

    def _start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"simulator did not start on {self.base_url}")
            time.sleep(0.01)
        with socket.create_connection((self.host, self.port), timeout=_START_TIMEOUT_S):
            pass

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=_START_TIMEOUT_S)
        self._sock.close()

    def __enter__(self) -> RunningSimulator:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_in_thread(
    config: SimulatorConfig | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    clock: Clock | None = None,
    *,
    log_level: str = "warning",
    access_log: bool = False,
) -> RunningSimulator:
    """Start serving and return once the server accepts connections."""
    center = SimCenter(config or SimulatorConfig(), clock)
    sock = _bind(host, port)
    running = RunningSimulator(center, _server(center, log_level, access_log), sock, host)
    running._start()
    return running


def serve(
    config: SimulatorConfig | None = None,
    host: str = "127.0.0.1",
    port: int = 12121,
    *,
    log_level: str = "warning",
    access_log: bool = False,
) -> None:
    """Serve in the foreground until Ctrl-C; prints one line saying where it listens."""
    config = config or SimulatorConfig()
    center = SimCenter(config)
    sock = _bind(host, port)
    real_port = sock.getsockname()[1]
    print(
        f"simulator listening on {_url(host, real_port)} "
        f"(channels={config.channels}, agents={config.agents}, speed={config.speed:g})",
        flush=True,
    )
    try:
        _server(center, log_level, access_log).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()

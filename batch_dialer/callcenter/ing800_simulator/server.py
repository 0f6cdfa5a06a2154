"""Running the 800ing simulator: in a background thread (tests, demos) or in the foreground (CLI)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from types import TracebackType

import uvicorn

from batch_dialer.callcenter.simulator.clock import Clock

from .center import Ing800Center
from .config import Ing800SimConfig
from .http_app import create_app

__all__ = ["RunningIng800Simulator", "serve", "start_in_thread"]

_START_TIMEOUT_S = 10.0


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP_NODELAY under asyncio
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def _server(center: Ing800Center, log_level: str) -> uvicorn.Server:
    config = uvicorn.Config(create_app(center), log_level=log_level, access_log=False, lifespan="off")
    return uvicorn.Server(config)


class RunningIng800Simulator:
    """A simulator serving in a daemon thread; leaving the ``with`` block stops it."""

    def __init__(self, center: Ing800Center, server: uvicorn.Server, sock: socket.socket, host: str) -> None:
        self.center = center
        self.port: int = sock.getsockname()[1]
        self.base_url = f"http://{host}:{self.port}"
        self.url = f"800ing+{self.base_url}"  # what DIALER_CALLCENTER_URL takes
        self._server, self._sock = server, sock
        self._thread = threading.Thread(
            target=lambda: asyncio.run(server.serve(sockets=[sock])),
            name=f"ing800-sim-{self.port}",
            daemon=True,
        )

    def _start(self) -> None:
        self.center.start()
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"800ing simulator did not start on {self.base_url}")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=_START_TIMEOUT_S)
        self.center.stop()
        self._sock.close()

    def __enter__(self) -> RunningIng800Simulator:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_in_thread(
    config: Ing800SimConfig | None = None, host: str = "127.0.0.1", port: int = 0, clock: Clock | None = None
) -> RunningIng800Simulator:
    center = Ing800Center(config or Ing800SimConfig(), clock)
    sock = _bind(host, port)
    running = RunningIng800Simulator(center, _server(center, "warning"), sock, host)
    running._start()
    return running


def serve(config: Ing800SimConfig, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serve in the foreground until Ctrl-C; prints one line saying where it listens."""
    center = Ing800Center(config)
    sock = _bind(host, port)
    accounts = ", ".join(sorted(config.account_passwords()))
    where = f"http://{host}:{sock.getsockname()[1]}"
    print(
        f"800ing simulator listening on {where} (DIALER_CALLCENTER_URL=800ing+{where}; "
        f"accounts {accounts}; trunks={config.trunks}, speed={config.speed:g})",
        flush=True,
    )
    center.start()
    try:
        _server(center, "warning").run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        center.stop()
        sock.close()

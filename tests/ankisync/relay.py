"""A TCP relay between mlcards and the real sync server that can cut the connection in the middle
of one HTTP message, as a dropped Wi-Fi or a proxy timing out would.

Anki's client posts each step of a sync to `/sync/<method>`. The relay watches the request lines
going through; armed with a `Cut`, it forwards only the first bytes of one request (or of the
server's response to it), then closes both sockets. Every other connection, and everything after
the cut, goes through untouched, so the next sync runs normally.
"""

from __future__ import annotations

import contextlib
import re
import select
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

_REQUEST_LINE = re.compile(rb"POST /m?sync/(\w+)")
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length: *(\d+)", re.IGNORECASE)
_BUFFER = 64 * 1024


class Direction(Enum):
    REQUEST = "request"  # mlcards -> server
    RESPONSE = "response"  # server -> mlcards


@dataclass
class Cut:
    """Forward part of the `direction` message of the sync method `method` (its first `after_bytes`
    bytes, or its first `share` when the message says its length), then cut the connection.
    `before_cutting`, if given, runs at that moment, while the rest of the message is held back (e.g.
    to kill the server); with `close_connection=False` the relay then goes on relaying, and what
    happens upstream decides what mlcards sees."""

    method: str
    direction: Direction
    after_bytes: int = 0
    share: float | None = None
    before_cutting: Callable[[], None] | None = None
    close_connection: bool = True
    made: bool = False  # it happened in the middle of the message: bytes of it were held back
    message_length: int | None = None  # headers and body, when the message declared its length
    forwarded: int = 0  # bytes of the message forwarded before the cut

    def limit(self) -> int:
        if self.share is not None and self.message_length is not None:
            return int(self.message_length * self.share)
        return self.after_bytes


class Relay:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}/"
        self.methods: list[str] = []  # every sync method requested through the relay, in order
        self._cut: Cut | None = None
        self._lock = threading.Lock()
        self._closing = False
        self._threads: list[threading.Thread] = []
        accepting = threading.Thread(target=self._accept, daemon=True)
        accepting.start()
        self._threads.append(accepting)

    def arm(self, cut: Cut) -> Cut:
        with self._lock:
            self._cut = cut
        return cut

    def close(self) -> None:
        self._closing = True
        self.listener.close()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            worker = threading.Thread(target=self._pump, args=(client,), daemon=True)
            worker.start()
            self._threads.append(worker)

    def _take_cut(self, method: str | None, direction: Direction) -> Cut | None:
        with self._lock:
            cut = self._cut
            if cut is not None and not cut.made and cut.method == method and cut.direction is direction:
                return cut
        return None

    def _pump(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(("127.0.0.1", self.upstream_port))
        except OSError:
            _reset(client)  # the server is gone: the client sees what it would see without the relay
            client.close()
            return
        method: str | None = None  # the sync method of the message in flight on this connection
        counted = 0  # bytes of that message (request or response) forwarded so far
        counting: Direction | None = None
        try:
            while True:
                readable, _, _ = select.select([client, server], [], [], 30)
                if not readable:
                    return
                for source in readable:
                    data = source.recv(_BUFFER)
                    if not data:
                        return
                    direction = Direction.REQUEST if source is client else Direction.RESPONSE
                    if direction is Direction.REQUEST and (found := _REQUEST_LINE.search(data)):
                        method = found.group(1).decode()
                        self.methods.append(method)
                        data_before = data[: found.start()]
                        data = data[found.start() :]
                        if data_before:
                            server.sendall(data_before)
                        counting, counted = Direction.REQUEST, 0
                    elif direction is Direction.RESPONSE and counting is Direction.REQUEST:
                        counting, counted = Direction.RESPONSE, 0
                    cut = self._take_cut(method, direction)
                    if cut is not None and counted == 0:
                        cut.message_length = _declared_length(data)
                    if cut is not None and counted + len(data) > cut.limit():
                        keep = max(0, cut.limit() - counted)
                        (server if source is client else client).sendall(data[:keep])
                        cut.forwarded = counted + keep
                        if cut.before_cutting is not None:
                            cut.before_cutting()
                        cut.made = True
                        if cut.close_connection:
                            return
                        data = data[keep:]
                    counted += len(data)
                    (server if source is client else client).sendall(data)
        except OSError:
            _reset(client)
        finally:
            client.close()
            server.close()


def _declared_length(first_bytes: bytes) -> int | None:
    """Headers plus body length of an HTTP message whose first bytes (with all its headers) these are."""
    end = first_bytes.find(b"\r\n\r\n")
    found = _CONTENT_LENGTH.search(first_bytes, 0, end) if end >= 0 else None
    return end + 4 + int(found.group(1)) if found else None


def _reset(connection: socket.socket) -> None:
    """Close with a TCP reset, as a killed process's socket is."""
    with contextlib.suppress(OSError):
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

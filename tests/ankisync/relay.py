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
_LAST_CHUNK = b"\r\n0\r\n\r\n"  # the end of a message sent in chunks, as Anki's client and server send them
_BUFFER = 64 * 1024


class Direction(Enum):
    REQUEST = "request"  # mlcards -> server
    RESPONSE = "response"  # server -> mlcards


@dataclass
class Cut:
    """Cut the connection in the middle of the `direction` message of the sync method `method`.

    The relay holds the message back until it has all of it (Anki's messages are small, chunked
    and end with an empty chunk) and forwards its headers and the first `share` of its body; a message longer than
    `after_bytes` (a whole collection) is cut after its first `after_bytes` instead. Either way the
    cut falls after the headers, inside the body, with bytes of it held back. `before_cutting`, if
    given, runs at that moment (e.g. to kill the server); with `close_connection=False` the relay
    then goes on relaying, and what happens upstream decides what mlcards sees."""

    method: str
    direction: Direction
    share: float = 0.5
    after_bytes: int = 100_000
    before_cutting: Callable[[], None] | None = None
    close_connection: bool = True
    made: bool = False
    headers_length: int = 0  # of the message cut
    message_length: int | None = None  # all of it, when it arrived whole before the cut
    forwarded: int = 0  # bytes of the message forwarded before the cut


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
        held = b""  # the start of the message to be cut, held back
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
                    destination = server if source is client else client
                    if direction is Direction.REQUEST and (found := _REQUEST_LINE.search(data)):
                        method = found.group(1).decode()
                        self.methods.append(method)
                    cut = self._take_cut(method, direction)
                    if cut is None:
                        destination.sendall(data)
                        continue
                    held += data
                    whole = held.endswith(_LAST_CHUNK)
                    if not whole and len(held) <= cut.after_bytes:
                        continue
                    cut.headers_length = held.find(b"\r\n\r\n") + 4
                    cut.message_length = len(held) if whole else None
                    body = len(held) - cut.headers_length
                    cut.forwarded = cut.headers_length + int(body * cut.share) if whole else cut.after_bytes
                    destination.sendall(held[: cut.forwarded])
                    if cut.before_cutting is not None:
                        cut.before_cutting()
                    cut.made = True
                    if cut.close_connection:
                        return
                    destination.sendall(held[cut.forwarded :])
        except OSError:
            _reset(client)
        finally:
            client.close()
            server.close()


def _reset(connection: socket.socket) -> None:
    """Close with a TCP reset, as a killed process's socket is."""
    with contextlib.suppress(OSError):
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

"""Fakes of the external boundaries that misbehave the way real ones do, on 127.0.0.1 only.

- ``FakeChatServer``: an OpenAI-compatible chat completions server (Chutes, Ollama, LM Studio,
  vLLM) that answers, fails in each server's wire shape, or hangs, decided per request.
- ``HungServer``: accepts TCP connections and never answers (a Qdrant behind a broken network).
- ``FlakyDiscord``: an httpx transport in front of the local Discord sink that answers 5xx or
  429 (with ``retry_after``) when its policy says so.
- ``LostCommitAck``: a PostgreSQL wire proxy that lets a chosen transaction's COMMIT reach the
  server, then cuts the connection before the client hears that it committed.
Used by the suite and by benchmarks/fault_soak.py.
"""
from __future__ import annotations

import json
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

import httpx

COMPLETION = json.loads((Path(__file__).parent / "unit" / "adapters" / "fixtures" / "chutes_chat_completion.json").read_text())


class FakeChatServer:
    """An OpenAI-compatible chat completions server on 127.0.0.1, as Chutes, Ollama, LM Studio
    and vLLM serve one: ``POST /v1/chat/completions`` only (any other path is Ollama's plain-text
    404), each error in the wire shape a real server sends.

    ``policy(request_body) -> action`` decides per request: "ok", "slow" (answers after 0.3 s),
    "hang" (until released), "503" (Chutes: no instances), "500" (vLLM's error object),
    "too_long" (400, vLLM's context-length error), "empty" (a completion with no content),
    "garbage" (200 with a body that is not JSON). ``models``: the models it serves (any other
    gets Ollama's 404 "not found, try pulling it first"); None serves any. ``api_key``: the
    bearer token it requires (vLLM ``--api-key``: 401 otherwise); None requires none."""

    def __init__(self, policy: Callable[[dict], str] = lambda body: "ok", *,
                 models: set[str] | None = None, api_key: str | None = None):
        self.policy = policy
        self.models, self.api_key = models, api_key
        self.requests: list[dict] = []
        self.headers: list[dict[str, str]] = []
        self.paths: list[str] = []
        self.release = threading.Event()  # set to let hanging requests go (at shutdown)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.paths.append(self.path)
                if self.path != "/v1/chat/completions":
                    self._send(404, b"404 page not found", "text/plain")
                    return
                body = json.loads(raw)
                outer.requests.append(body)
                outer.headers.append({k.lower(): v for k, v in self.headers.items()})
                if outer.api_key is not None and self.headers.get("Authorization") != f"Bearer {outer.api_key}":
                    self._json(401, {"error": "Unauthorized"})
                    return
                if outer.models is not None and body.get("model") not in outer.models:
                    self._json(404, {"error": {
                        "message": f'model "{body.get("model")}" not found, try pulling it first',
                        "type": "not_found_error", "param": None, "code": None}})
                    return
                action = outer.policy(body)
                if action == "hang":
                    outer.release.wait(30)
                    return
                if action == "slow":
                    outer.release.wait(0.3)
                if action == "503":
                    self._json(503, {"detail": "No instances available (yet) for chute_id"})
                elif action == "500":
                    self._json(500, {"object": "error", "message": "CUDA error: an illegal memory access was encountered",
                                     "type": "InternalServerError", "param": None, "code": 500})
                elif action == "too_long":
                    self._json(400, {"object": "error", "type": "BadRequestError", "param": None, "code": 400,
                                     "message": "This model's maximum context length is 4096 tokens. However, you "
                                                "requested 4702 tokens (4102 in the messages, 600 in the completion)."})
                elif action == "garbage":
                    self._send(200, b"<html><body>Bad Gateway</body></html>", "application/json")
                else:
                    user = body["messages"][-1]["content"]
                    answer = json.loads(json.dumps(COMPLETION))
                    answer["model"] = body["model"]
                    answer["choices"][0]["message"]["content"] = "" if action == "empty" else f"I hear you: {user[:80]}"
                    self._json(200, answer)

            def _json(self, status, payload):
                self._send(status, json.dumps(payload).encode(), "application/json")

            def _send(self, status, data: bytes, content_type: str):
                try:
                    self.send_response(status)
                    self.send_header("content-type", content_type)
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (timed out) first

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self._server.server_port}/v1"

    def close(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()


class HungServer:
    """Accepts connections and reads, but never answers."""

    def __init__(self):
        self.accepted = 0
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._open: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.accepted += 1
            self._open.append(conn)  # held open, never read from or written to

    def close(self) -> None:
        self._closed = True
        for conn in self._open:
            conn.close()
        self._sock.close()


class FlakyDiscord:
    """``policy(request) -> "ok" | "5xx" | "429" | "drop"`` in front of ``sink.handle``."""

    def __init__(self, sink, policy: Callable[[httpx.Request], str]):
        self.sink = sink
        self.policy = policy
        self.faults: dict[str, int] = {}

    def handle(self, request: httpx.Request) -> httpx.Response:
        action = self.policy(request)
        if action != "ok":
            self.faults[action] = self.faults.get(action, 0) + 1
        if action == "5xx":
            return httpx.Response(502, text="<html>502 Bad Gateway</html>")
        if action == "429":
            return httpx.Response(429, json={"message": "You are being rate limited.", "retry_after": 0.01, "global": False})
        if action == "drop":
            raise httpx.ReadError("connection reset by peer")
        return self.sink.handle(request)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handle))


class LostCommitAck:
    """A PostgreSQL proxy on a Unix socket in ``directory`` (connect with ``host=directory``,
    ``port=PORT``) in front of the server's own socket ``upstream``.

    Once a statement containing ``marker`` is sent (a simple or extended-protocol query), the next
    COMMIT of that connection is forwarded to the server, the server's answer (CommandComplete,
    ReadyForQuery: the commit happened) is swallowed and both sides are cut. The client sees a
    dropped connection and cannot know whether it committed. It fires ``times`` times, then
    relays faithfully."""

    PORT = 5499
    _UNTYPED_REQUESTS = (80877103, 80877104)  # SSLRequest, GSSENCRequest: another startup follows

    def __init__(self, upstream: str, directory: Path, marker: bytes, *, times: int = 1):
        self.upstream, self.marker, self.remaining = upstream, marker, times
        self.fired = 0
        self.path = Path(directory) / f".s.PGSQL.{self.PORT}"
        self._listener = socket.socket(socket.AF_UNIX)
        self._listener.bind(str(self.path))
        self._listener.listen(16)
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.socket(socket.AF_UNIX)
            server.connect(self.upstream)
            cut = threading.Event()  # set when this connection's next server answer is to be lost
            threading.Thread(target=self._client_to_server, args=(client, server, cut), daemon=True).start()
            threading.Thread(target=self._server_to_client, args=(server, client, cut), daemon=True).start()

    def _client_to_server(self, client: socket.socket, server: socket.socket, cut: threading.Event) -> None:
        armed, started = False, False
        try:
            while True:
                if not started:  # startup packets have no type byte
                    head = _read(client, 4)
                    body = _read(client, struct.unpack("!i", head)[0] - 4)
                    started = struct.unpack("!i", body[:4])[0] not in self._UNTYPED_REQUESTS
                    server.sendall(head + body)
                    continue
                head = _read(client, 5)
                body = _read(client, struct.unpack("!i", head[1:])[0] - 4)
                kind = head[:1]
                if kind in (b"Q", b"P") and self.marker in body:
                    armed = True
                if kind == b"Q" and body.startswith(b"COMMIT") and armed:
                    armed = False
                    with self._lock:
                        if self.remaining > 0:
                            self.remaining -= 1
                            cut.set()
                server.sendall(head + body)
        except OSError:
            pass
        finally:
            _close(client, server)

    def _server_to_client(self, server: socket.socket, client: socket.socket, cut: threading.Event) -> None:
        try:
            while True:
                data = server.recv(65536)
                if not data:
                    return
                if cut.is_set():  # the COMMIT's answer: the server committed; the client never hears
                    with self._lock:
                        self.fired += 1
                    return
                client.sendall(data)
        except OSError:
            pass
        finally:
            _close(client, server)

    def close(self) -> None:
        self._listener.close()
        self.path.unlink(missing_ok=True)


def _read(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionResetError("peer closed")
        data += chunk
    return data


def _close(*socks: socket.socket) -> None:
    for sock in socks:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()


class RecordingConnection:
    """A database connection that remembers the statements run through it (a test EXPLAINs the
    one a repository ran)."""

    def __init__(self, conn):
        self.conn, self.statements = conn, []

    def execute(self, query, params=()):
        self.statements.append((query, params))
        return self.conn.execute(query, params)

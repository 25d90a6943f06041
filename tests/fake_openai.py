"""A stand-in for an OpenAI-compatible server, on 127.0.0.1, for the real `openai` client.

It answers `POST /v1/chat/completions` the way the OpenAI API does: a JSON body for plain
requests, and for `"stream": true` a `text/event-stream` of `data: {chunk}` lines ending in
`data: [DONE]`, sent with chunked transfer encoding and flushed piece by piece, so the client
sees the text arrive over time. Each request is answered by the next queued `Reply` (or the
default, or a `respond` function of the request), which can also be a fault: a delay, an
HTTP error, a malformed body or a stream that breaks off mid-way.
"""

import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

COMPLETIONS = "/v1/chat/completions"
ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 429: "rate_limit_error"}


@dataclass
class Reply:
    """How the server answers one request."""

    text: str = ""
    status: int = 200
    delay: float = 0.0  # seconds before the response starts
    words_per_chunk: int = 3  # a streamed reply is cut into pieces of this many words
    chunk_delay: float = 0.0  # seconds between streamed pieces
    pause_after: str | None = None  # stream pieces up to the one ending with this text, then...
    pause: float = 0.0  # ...wait this long before the rest
    break_after: int | None = None  # a stream breaks off after this many pieces (no [DONE])
    malformed: str | None = None  # sent as the body (plain) or as a `data:` line (streamed)
    finish_reason: str = "stop"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Received:
    """One request as the server saw it."""

    body: dict[str, Any]
    authorization: str
    at: float


def pieces(text: str, words: int) -> list[str]:
    """The text in pieces of a few words, keeping every space, like a model's tokens."""
    tokens = re.findall(r"\S+\s*|\s+", text)
    return ["".join(tokens[i : i + words]) for i in range(0, len(tokens), words)]


def chunk(content: str | None, model: str, finish: str | None = None, role: bool = False) -> dict[str, Any]:
    delta: dict[str, Any] = {}
    if role:
        delta["role"] = "assistant"
    if content is not None:
        delta["content"] = content
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": None,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }


def completion(text: str, model: str, finish: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "logprobs": None,
                "finish_reason": finish,
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": len(text.split()), "total_tokens": 10 + len(text.split())},
    }


def error_body(status: int) -> dict[str, Any]:
    kind = ERROR_TYPES.get(status, "server_error")
    return {"error": {"message": f"fake error {status}", "type": kind, "param": None, "code": None}}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, format: str, *args: Any) -> None:  # the test output stays clean
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if self.path != COMPLETIONS:
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
            return
        fake = self.server.fake
        fake.received.append(Received(body, self.headers.get("Authorization", ""), time.monotonic()))
        reply = fake.next_reply(body)
        try:
            self._answer(reply, body)
        except OSError:  # the client gave up (a timeout test): nothing to do
            self.close_connection = True

    def _answer(self, reply: Reply, body: dict[str, Any]) -> None:
        if reply.delay and self.server.stopping.wait(reply.delay):
            return
        if reply.status != 200:
            self._json(reply.status, error_body(reply.status), reply.headers)
        elif body.get("stream"):
            self._stream(reply, body.get("model", "fake"))
        elif reply.malformed is not None:
            self._raw(200, reply.malformed.encode(), "application/json", reply.headers)
        else:
            self._json(200, completion(reply.text, body.get("model", "fake"), reply.finish_reason), reply.headers)

    def _json(self, status: int, data: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self._raw(status, json.dumps(data).encode(), "application/json", headers or {})

    def _raw(self, status: int, data: bytes, content_type: str, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, reply: Reply, model: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self._event(chunk("", model, role=True))
        if reply.malformed is not None:
            self._data(reply.malformed)
            self._end()
            return
        for count, piece in enumerate(pieces(reply.text, reply.words_per_chunk), start=1):
            if reply.break_after is not None and count > reply.break_after:
                self._break()
                return
            self._event(chunk(piece, model))
            if (
                reply.pause_after
                and piece.rstrip().endswith(reply.pause_after)
                and self.server.stopping.wait(reply.pause)
            ):
                return
            if reply.chunk_delay and self.server.stopping.wait(reply.chunk_delay):
                return
        self._event(chunk(None, model, finish=reply.finish_reason))
        # Noted before [DONE] goes out: the client may finish, and a test read this, before
        # this thread runs again.
        self.server.fake.finished_at.append(time.monotonic())
        self._data("[DONE]")
        self._end()

    def _event(self, data: dict[str, Any]) -> None:
        self._data(json.dumps(data))

    def _data(self, payload: str) -> None:
        block = f"data: {payload}\n\n".encode()
        self.wfile.write(f"{len(block):X}\r\n".encode() + block + b"\r\n")
        self.server.fake.sent.append((time.monotonic(), payload))

    def _end(self) -> None:
        self.wfile.write(b"0\r\n\r\n")

    def _break(self) -> None:
        """Promise a chunk, send half of it, and hang up: what a crashed server looks like."""
        self.wfile.write(b'40\r\ndata: {"id": "chatcmpl-fake", "cho')
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, fake: "FakeOpenAI") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake
        self.stopping = threading.Event()

    def handle_error(self, request: Any, client_address: Any) -> None:  # a client that left is no error here
        pass


class FakeOpenAI:
    """The fake server: `with FakeOpenAI(Reply("Hello.")) as fake: ... fake.base_url ...`."""

    def __init__(self, default: Reply | None = None, respond: Callable[[dict[str, Any]], Reply] | None = None) -> None:
        self.default = default or Reply("I have been waiting for an hour. Fix it.")
        self.respond = respond
        self.replies: deque[Reply] = deque()
        self.received: list[Received] = []
        self.sent: list[tuple[float, str]] = []  # (when, data line) for every streamed event
        self.finished_at: list[float] = []  # when each streamed response had sent its last words
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def queue(self, *replies: Reply) -> None:
        """Answer the next requests with these, in order, then go back to the default."""
        self.replies.extend(replies)

    def next_reply(self, body: dict[str, Any]) -> Reply:
        if self.replies:
            return self.replies.popleft()
        return self.respond(body) if self.respond else self.default

    def __enter__(self) -> "FakeOpenAI":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=2)


def closed_port_url() -> str:
    """A base URL nobody listens on: connections to it are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"

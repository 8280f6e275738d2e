"""A local stand-in for Represent: serves canned replies on a loopback port and logs every request."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

NOT_FOUND_PAGE = "<!DOCTYPE html><html><body><h1>Not Found</h1></body></html>"
MAINTENANCE_PAGE = "<!DOCTYPE html><html><body><h1>Down for maintenance</h1></body></html>"


@dataclass
class Reply:
    status: int = 200
    body: str = ""
    content_type: str = "application/json; charset=utf-8"
    delay: float = 0.0
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Seen:
    path: str  # with the query string, as sent
    headers: dict[str, str]
    at: float


class FakeRepresent:
    """``replies[path]`` is a list: each request takes the next reply, and the last one repeats."""

    def __init__(self) -> None:
        self.replies: dict[str, list[Reply]] = {}
        self.seen: list[Seen] = []
        self.default: Reply | None = None  # for paths with no reply of their own (else a 404 page)
        self._lock = threading.Lock()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    def start(self) -> FakeRepresent:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def json(self, path: str, payload: Any, status: int = 200) -> None:
        self.replies[path] = [Reply(status, json.dumps(payload))]

    def set(self, path: str, *replies: Reply) -> None:
        self.replies[path] = list(replies)

    def paths(self) -> list[str]:
        return [s.path for s in self.seen]

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        path = request.path + (f"?{request.query_string.decode()}" if request.query_string else "")
        with self._lock:
            self.seen.append(Seen(path, dict(request.headers), time.monotonic()))
            queue = self.replies.get(path) or self.replies.get(request.path)
            reply = (queue.pop(0) if len(queue) > 1 else queue[0]) if queue else \
                self.default or Reply(404, NOT_FOUND_PAGE, "text/html; charset=utf-8")
        if reply.delay:
            time.sleep(min(reply.delay, 5.0))  # bounded: a hang only has to outlast the client's timeout
        response = Response(reply.body, status=reply.status, content_type=reply.content_type)
        for name, value in reply.headers:
            response.headers[name] = value
        return response(environ, start_response)

"""A fault-injecting HTTP proxy on 127.0.0.1 in front of a real server, for the retry tests.

Each request takes the next action from a script (then "pass" forever):
  "pass"  forward to the server and relay its answer;
  "503"   answer 503 with a JSON error, without forwarding;
  "drop"  close the connection without answering (the request never reaches the server);
  "cut"   forward, relay the head and half the body, then close the connection.
"""

from __future__ import annotations

import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import List


class FaultProxy:
    def __init__(self, target_port: int, script: List[str]) -> None:
        self.target_port = target_port
        self.script = list(script)
        self.lock = threading.Lock()
        self.seen: List[str] = []  # "METHOD path action" per request
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _handle(self):
                with proxy.lock:
                    action = proxy.script.pop(0) if proxy.script else "pass"
                    proxy.seen.append(f"{self.command} {self.path} {action}")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if action == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if action == "503":
                    data = json.dumps({"error": {"code": "unavailable", "message": "injected 503"}}).encode()
                    self.send_response(503)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                conn = http.client.HTTPConnection("127.0.0.1", proxy.target_port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("connection", "transfer-encoding", "keep-alive"):
                        self.send_header(k, v)
                self.end_headers()
                total = int(resp.getheader("Content-Length") or 0)
                limit = total // 2 if action == "cut" else None
                sent = 0
                while True:
                    chunk = resp.read(1 << 16)
                    if not chunk:
                        break
                    if limit is not None and sent + len(chunk) >= limit:
                        self.wfile.write(chunk[: limit - sent])
                        self.wfile.flush()
                        self.close_connection = True
                        self.connection.shutdown(2)
                        conn.close()
                        return
                    self.wfile.write(chunk)
                    sent += len(chunk)
                conn.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "FaultProxy":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def actions(self) -> List[str]:
        with self.lock:
            return [s.rsplit(" ", 1)[1] for s in self.seen]

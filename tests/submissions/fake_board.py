"""A fake job board on loopback (the outside world): receives JSON applications.

Paths decide the answer: /apply/ok/<n> accepts, /apply/reject/<n> answers 422
"position filled", /apply/hang/<n> blocks (the first time only) until ``release()``,
so a test can kill the worker that is waiting on it.
"""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeJobBoard:
    def __init__(self):
        self.applications: list[dict] = []
        self.hanging = threading.Event()  # set while a request is held
        self._release = threading.Event()
        self._hung_paths: set[str] = set()
        board = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                board.applications.append({"path": self.path, "body": body})
                if self.path.startswith("/apply/hang/") and self.path not in board._hung_paths:
                    board._hung_paths.add(self.path)
                    board.hanging.set()
                    board._release.wait(60)
                    return  # the applicant is gone by now; drop the connection
                if self.path.startswith("/apply/reject/"):
                    self._reply(422, {"error": "position filled"})
                else:
                    self._reply(201, {"status": "received"})

            def _reply(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def paths(self) -> list[str]:
        return [a["path"] for a in self.applications]

    def release(self):
        self._release.set()

    def close(self):
        self.release()
        self.httpd.shutdown()
        self.httpd.server_close()

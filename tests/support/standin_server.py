"""A tiny stand-in for the reference server, speaking its command line and a few data-plane routes.

It lets the infrastructure tests run without the real server: the launcher's protocol (listening
lines), auth, upsert/fetch/delete/stats/list, and a write visibility delay. `--crash` exits at once,
`--silent` never reports its addresses, and `--status N` answers every request with HTTP N.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

API_KEY = "test-key-0123456789"


def standin_command(*extra: str) -> list[str]:
    """The command line of this stand-in (the launcher appends the standard flags)."""
    return [sys.executable, str(Path(__file__).resolve()), *extra]


class Index:
    def __init__(self, name: str, dimension: int, metric: str, kind: str, delay: float) -> None:
        self.name, self.dimension, self.metric, self.kind, self.delay = (
            name,
            dimension,
            metric,
            kind,
            delay,
        )
        self.records: dict[str, dict[str, tuple[float, dict]]] = {}
        self.lock = threading.Lock()

    def visible(self, ns: str) -> dict[str, dict]:
        now = time.monotonic()
        return {k: r for k, (t, r) in self.records.get(ns, {}).items() if t <= now}


def make_handler(index: Index | None, api_key: str | None, status: int | None):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def reply(self, code: int, body: object) -> None:
            data = json.dumps(body).encode() if not isinstance(body, bytes) else body
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def handle_any(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if status is not None:
                return self.reply(status, {"code": 13, "message": "forced", "details": []})
            if api_key is not None and self.headers.get("Api-Key") != api_key:
                return self.reply(401, b"Unauthorized")
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            body = json.loads(raw) if raw else {}
            if index is None:
                if url.path == "/actions/whoami":
                    return self.reply(200, {"project_name": "proj", "user_label": "u"})
                return self.reply(200, {"indexes": []})
            ns = body.get("namespace") or (query.get("namespace") or [""])[0]
            with index.lock:
                if (method, url.path) == ("POST", "/vectors/upsert"):
                    at = time.monotonic() + index.delay
                    for v in body["vectors"]:
                        index.records.setdefault(ns, {})[v["id"]] = (at, v)
                    return self.reply(200, {"upsertedCount": len(body["vectors"])})
                if (method, url.path) == ("GET", "/vectors/fetch"):
                    seen = index.visible(ns)
                    found = {i: seen[i] for i in query.get("ids", []) if i in seen}
                    return self.reply(200, {"vectors": found, "namespace": ns})
                if (method, url.path) == ("POST", "/vectors/delete"):
                    if body.get("deleteAll"):
                        index.records.pop(ns, None)
                    for i in body.get("ids", []):
                        index.records.get(ns, {}).pop(i, None)
                    return self.reply(200, {})
                if url.path == "/describe_index_stats":
                    counts = {n: {"vectorCount": len(index.visible(n))} for n in index.records}
                    stats = {"namespaces": counts, "metric": index.metric}
                    stats["vectorType"] = index.kind
                    if index.dimension:
                        stats["dimension"] = index.dimension
                    return self.reply(200, stats)
                if (method, url.path) == ("GET", "/vectors/list"):
                    ids = sorted(index.visible(ns))
                    return self.reply(200, {"vectors": [{"id": i} for i in ids], "namespace": ns})
            return self.reply(404, {"code": 5, "message": "not found", "details": []})

        def do_GET(self) -> None:
            self.handle_any("GET")

        def do_POST(self) -> None:
            self.handle_any("POST")

        def do_DELETE(self) -> None:
            self.handle_any("DELETE")

    return Handler


def serve(host: str, index: Index | None, api_key: str | None, status: int | None) -> str:
    server = ThreadingHTTPServer((host, 0), make_handler(index, api_key, status))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://{host}:{server.server_address[1]}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--index", action="append", default=[])
    parser.add_argument("--api-key")
    parser.add_argument("--visibility-delay", type=float, default=0.0)
    parser.add_argument("--crash", action="store_true")
    parser.add_argument("--silent", action="store_true")
    parser.add_argument("--status", type=int)
    args = parser.parse_args()
    if args.crash:
        print("stand-in: crashing as asked", flush=True)
        sys.exit(3)
    lines = [f"listening control {serve(args.host, None, args.api_key, args.status)}"]
    for spec in args.index:
        name, dim, metric, *kind = spec.split(":")
        index = Index(name, int(dim), metric, kind[0] if kind else "dense", args.visibility_delay)
        lines.append(f"listening index {name} {serve(args.host, index, args.api_key, args.status)}")
    if not args.silent:
        print("\n".join(lines), flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()

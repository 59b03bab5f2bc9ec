"""Serve a mirror on 127.0.0.1 as the real hosts would: files, ranges and Google Drive's pages.

``GET /<host>/<path>`` answers the file ``ROOT/<host>/<path>`` (``Range`` requests
get ``206``); ``GET /manifest.json`` the checksum manifest. Google Drive's
download endpoints (``/drive.google.com/uc``, ``/drive.usercontent.google.com/download``,
``/docs.google.com/uc``) are routed by the ``id`` query parameter: a request
without ``confirm`` gets Drive's virus-scan warning page, whose form
(``id="download-form"``, ``action="https://drive.usercontent.google.com/download"``,
hidden inputs ``id``, ``export``, ``confirm``, ``uuid``) is what current Drive
serves and what gdown and the package parse; the confirmed request gets the file
with ``Content-Disposition: attachment; filename="..."``. The form's action names
the real host, so a client must map the confirmed URL through the mirror switch
too, as it must in production.

The server counts the bytes it sends and records every request, so that a
rehearsal can report ``downloaded_mb`` and name each URL the mirror lacked.
"""

from __future__ import annotations

import argparse
import html
import re
import threading
import urllib.parse
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath

from .mirror import MANIFEST, find_drive_file

DRIVE_ENDPOINTS = {
    ("drive.google.com", "uc"),
    ("docs.google.com", "uc"),
    ("drive.usercontent.google.com", "download"),
}
CONFIRM_ACTION = "https://drive.usercontent.google.com/download"
CHUNK = 1 << 20


@dataclass
class Request:
    method: str
    path: str
    status: int
    bytes: int = 0


def confirm_page(file_id: str, name: str, size: int) -> bytes:
    """Drive's "can't scan this file for viruses" page, on one line as Drive sends it."""
    esc = html.escape
    token = str(uuid.uuid4())
    inputs = "".join(
        f'<input type="hidden" name="{k}" value="{esc(v)}">'
        for k, v in (("id", file_id), ("export", "download"), ("confirm", "t"), ("uuid", token))
    )
    page = (
        "<!DOCTYPE html><html><head><title>Google Drive - Virus scan warning</title>"
        '<meta http-equiv="content-type" content="text/html; charset=utf-8"/></head><body>'
        '<div class="uc-main"><div id="uc-text"><p class="uc-warning-caption">Google Drive '
        'can\'t scan this file for viruses.</p><p class="uc-warning-subcaption">'
        f'<span class="uc-name-size"><a href="/open?id={esc(file_id)}">{esc(name)}</a> '
        f"({size / 2**20:.1f}M)</span> is too large for Google to scan for viruses. Would you "
        f'still like to download this file?</p><form id="download-form" action="{CONFIRM_ACTION}" '
        'method="get"><input type="submit" id="uc-download-link" class="goog-inline-block '
        f'jfk-button jfk-button-action" value="Download anyway"/>{inputs}</form></div></div>'
        "</body></html>\n"
    )
    return page.encode("utf-8")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args) -> None:  # requests are recorded, not printed
        pass

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def do_GET(self) -> None:
        self._answer(body=True)

    def _answer(self, body: bool) -> None:
        split = urllib.parse.urlsplit(self.path)
        parts = PurePosixPath(urllib.parse.unquote(split.path)).parts[1:]
        query = urllib.parse.parse_qs(split.query)
        if parts == (MANIFEST,):
            return self._file(self.server.root / MANIFEST, body, "application/json")
        if len(parts) == 2 and tuple(parts) in DRIVE_ENDPOINTS:
            return self._drive(query, body)
        if not parts or any(p.startswith(".") for p in parts):
            return self._status(404, body)
        return self._file(self.server.root.joinpath(*parts), body)

    def _drive(self, query: dict[str, list[str]], body: bool) -> None:
        file_id = (query.get("id") or [""])[0]
        path = find_drive_file(self.server.root, file_id)
        if path is None:
            return self._status(404, body)
        if not (query.get("confirm") or [""])[0]:
            page = confirm_page(file_id, path.name, path.stat().st_size)
            return self._send(200, {"Content-Type": "text/html; charset=utf-8"}, page, body)
        disposition = f'attachment; filename="{path.name}"'
        return self._file(path, body, "application/octet-stream", disposition)

    def _file(self, path: Path, body: bool, kind="application/octet-stream", disposition=None):
        if not path.is_file():
            return self._status(404, body)
        size = path.stat().st_size
        start, stop = 0, size
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        headers = {"Content-Type": kind, "Accept-Ranges": "bytes"}
        if disposition:
            headers["Content-Disposition"] = disposition
        status = 200
        if match:
            start = int(match.group(1))
            stop = min(size, int(match.group(2)) + 1) if match.group(2) else size
            if start >= size or stop <= start:
                headers["Content-Range"] = f"bytes */{size}"
                return self._send(416, headers, b"", body)
            status = 206
            headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
        headers["Content-Length"] = str(stop - start)
        record = self.server.note(Request(self.command, self.path, status))
        self._head(status, headers)
        if body:
            try:
                with open(path, "rb") as handle:
                    handle.seek(start)
                    while record.bytes < stop - start:
                        block = handle.read(min(CHUNK, stop - start - record.bytes))
                        if not block:
                            break
                        self.wfile.write(block)
                        record.bytes += len(block)
            except (BrokenPipeError, ConnectionResetError):
                pass

    def _status(self, status: int, body: bool) -> None:
        text = f"{status} {self.responses.get(status, ('',))[0]}: {self.path}\n".encode()
        self._send(status, {"Content-Type": "text/plain; charset=utf-8"}, text, body)

    def _send(self, status: int, headers: dict, payload: bytes, body: bool) -> None:
        self.server.note(Request(self.command, self.path, status, len(payload) if body else 0))
        self._head(status, {**headers, "Content-Length": str(len(payload))})
        if body:
            self.wfile.write(payload)

    def _head(self, status: int, headers: dict) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.root = root
        self.requests: list[Request] = []
        self._lock = threading.Lock()

    def note(self, request: Request) -> Request:
        with self._lock:
            self.requests.append(request)
        return request


class MirrorServer:
    """A mirror served on ``127.0.0.1`` at a free port, in a background thread.

    Use as a context manager (or :meth:`start` / :meth:`stop`); :attr:`url` is the
    value for ``SALIENCY_COURSE_MIRROR``.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        if not (self.root / MANIFEST).is_file():
            raise ValueError(f"root must be a mirror with a {MANIFEST}, got {self.root}")
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the mirror server is not running")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> MirrorServer:
        self._server = _Server(self.root)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()

    def __enter__(self) -> MirrorServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def requests(self) -> list[Request]:
        return list(self._server.requests) if self._server else []

    @property
    def bytes_sent(self) -> int:
        return sum(r.bytes for r in self.requests)

    def missing(self) -> list[str]:
        """The paths (``/host/path``) of requests the mirror could not answer (404)."""
        return sorted({r.path for r in self.requests if r.status == 404})


def main() -> None:
    parser = argparse.ArgumentParser(description="serve a mirror on 127.0.0.1 until interrupted")
    parser.add_argument("root", type=Path)
    args = parser.parse_args()
    with MirrorServer(args.root) as server:
        print(f"SALIENCY_COURSE_MIRROR={server.url}", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()

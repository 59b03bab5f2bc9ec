"""download_file / extract_archive / fetch against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import email.utils
import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from saliency_course import config
from saliency_course.data import download
from saliency_course.data.download import Resource, download_file, extract_archive, fetch
from saliency_course.errors import (
    ChecksumError,
    DownloadError,
    DriveQuotaError,
    OfflineError,
)

PAYLOAD = bytes(range(256)) * 1200  # 300 KiB, not a multiple of the 1 MiB chunk


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def make_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buffer.getvalue()


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client that gave up (timeout test) is expected, not a failure


class Server:
    """Serves ``files`` with Range support; can fail, drop, stall, redirect or cut responses.

    Paths are matched without their query string; every request is recorded.
    """

    def __init__(self, port: int = 0) -> None:
        self.files: dict[str, bytes] = {}
        self.pages: dict[str, bytes] = {}  # path -> HTML answered with 200 text/html
        self.redirects: dict[str, str] = {}  # path -> Location of a 302
        self.fail: dict[str, list[tuple[int, dict[str, str]]]] = {}  # path -> errors to answer
        self.drop: dict[str, int] = {}  # path -> times to close the line without an answer
        self.stall: dict[str, float] = {}  # path -> seconds to wait once before answering
        self.cut_once: dict[str, int] = {}  # path -> bytes to send before dropping the line
        self.delay = 0.0
        self.requests: list[tuple[str, str | None]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                path = self.path.split("?")[0]
                server.requests.append((self.path, self.headers.get("Range")))
                if server.drop.get(path):
                    server.drop[path] -= 1
                    self.close_connection = True
                    return
                if path in server.stall:
                    time.sleep(server.stall.pop(path))
                if server.fail.get(path):
                    status, headers = server.fail[path].pop(0)
                    return self._answer(status, b"try later", "text/plain", headers)
                if path in server.redirects:
                    return self._answer(
                        302, b"", "text/plain", {"Location": server.redirects[path]}
                    )
                if path == "/drive/uc":
                    return self._answer(200, drive_confirm_page("FILEID12345", "/drive/download"))
                if path in server.pages:
                    return self._answer(200, server.pages[path])
                data = server.files.get(path)
                if data is None:
                    self.send_error(404)
                    return
                start, status = 0, 200
                rng = self.headers.get("Range")
                if rng:
                    start = int(rng.split("=")[1].split("-")[0])
                    if start >= len(data):
                        self.send_error(416)
                        return
                    status = 206
                body = data[start:]
                self.send_response(status)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                if status == 206:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.end_headers()
                cut = server.cut_once.pop(path, None)
                if cut is not None:
                    self.wfile.write(body[:cut])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                for i in range(0, len(body), 65536):
                    self.wfile.write(body[i : i + 65536])
                    time.sleep(server.delay)

            def _answer(self, status, body, ctype="text/html; charset=utf-8", headers=None):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

        self.httpd = QuietServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def full_gets(self, path: str) -> int:
        return sum(1 for p, rng in self.requests if p == path and rng is None)

    def paths(self) -> list[str]:
        return [p for p, _ in self.requests]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def drive_confirm_page(
    file_id: str, action: str, uuid: str = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
):
    """Drive's virus-scan page for a large file, shaped as Drive serves it since 2024."""
    return (
        "<!DOCTYPE html><html><head><title>Google Drive - Virus scan warning</title>"
        '<meta http-equiv="content-type" content="text/html; charset=utf-8"/></head><body>'
        '<div class="uc-main"><div id="uc-text"><p class="uc-warning-caption">Google Drive '
        'can&#39;t scan this file for viruses.</p><p class="uc-warning-subcaption">'
        f'<span class="uc-name-size"><a href="/open?id={file_id}">stimuli.zip</a> (2.6G)</span>'
        " is too large for Google to scan for viruses. Would you still like to download this "
        f'file?</p><form id="download-form" action="{action}" method="get">'
        '<input type="submit" id="uc-download-link" class="goog-inline-block jfk-button '
        'jfk-button-action" value="Download anyway"/>'
        f'<input type="hidden" name="id" value="{file_id}">'
        '<input type="hidden" name="export" value="download">'
        '<input type="hidden" name="confirm" value="t">'
        f'<input type="hidden" name="uuid" value="{uuid}">'
        '<input type="hidden" name="at" value="APcXIO1:1760000000000&amp;x"></form></div></div>'
        "</body></html>"
    ).encode()


DRIVE_QUOTA_PAGE = (
    b"<html><head><title>Google Drive - Quota exceeded</title></head><body>"
    b'<div class="uc-main"><div id="uc-text"><p class="uc-error-caption">Sorry, you can&#39;t '
    b'view or download this file at this time.</p><p class="uc-error-subcaption">Too many users '
    b"have viewed or downloaded this file recently. Please try accessing the file again later. "
    b"If the file you are trying to access is particularly large or is shared with many people, "
    b"it may take up to 24 hours to be able to view or download the file. If you still can't "
    b"access a file after 24 hours, contact your domain administrator.</p></div></div>"
    b"</body></html>"
)


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "0")
    for key in (download.MIRROR_ENV, download.MANIFEST_ENV, download.VERIFY_ENV):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(download, "BACKOFF_S", 0.01)
    s = Server()
    yield s
    s.close()


@pytest.fixture
def waits(monkeypatch):
    """The waits between attempts, recorded (and kept short)."""
    recorded: list[float] = []

    def wait(seconds: float) -> None:
        recorded.append(seconds)
        time.sleep(min(seconds, 0.01))

    monkeypatch.setattr(download, "_sleep", wait)
    return recorded


def leftovers(folder: Path) -> list[str]:
    return sorted(
        p.name
        for p in folder.rglob("*")
        if p.name.endswith((".part", ".lock")) or p.name.startswith((".extract-", ".old-"))
    )


def test_download_verifies_md5_and_records_sha256(server, tmp_path):
    server.files["/a.bin"] = PAYLOAD
    dest = download_file(
        f"{server.url}/a.bin", tmp_path / "a.bin", md5=md5(PAYLOAD), progress=False
    )
    assert dest.read_bytes() == PAYLOAD
    sha = hashlib.sha256(PAYLOAD).hexdigest()
    assert (tmp_path / "a.bin.sha256").read_text() == f"{sha}  a.bin\n"
    assert leftovers(tmp_path) == []
    # a second call finds the file and does not fetch again
    download_file(f"{server.url}/a.bin", dest, md5=md5(PAYLOAD), progress=False)
    assert server.full_gets("/a.bin") == 1


def test_cut_connection_is_resumed_with_range(server, tmp_path):
    server.files["/a.bin"] = PAYLOAD
    server.cut_once["/a.bin"] = 100_000
    dest = download_file(
        f"{server.url}/a.bin", tmp_path / "a.bin", md5=md5(PAYLOAD), progress=False
    )
    assert dest.read_bytes() == PAYLOAD
    assert ("/a.bin", "bytes=100000-") in server.requests
    assert leftovers(tmp_path) == []


def test_failed_download_keeps_part_and_next_call_resumes(server, tmp_path):
    server.files["/a.bin"] = PAYLOAD
    server.cut_once["/a.bin"] = 70_000
    with pytest.raises(DownloadError, match="resumes"):
        download_file(f"{server.url}/a.bin", tmp_path / "a.bin", progress=False, retries=0)
    assert not (tmp_path / "a.bin").exists()
    assert (tmp_path / "a.bin.part").stat().st_size == 70_000
    download_file(f"{server.url}/a.bin", tmp_path / "a.bin", md5=md5(PAYLOAD), progress=False)
    assert (tmp_path / "a.bin").read_bytes() == PAYLOAD
    assert server.requests[-1] == ("/a.bin", "bytes=70000-")
    assert leftovers(tmp_path) == []


def test_checksum_mismatch_deletes_and_names_url_expected_actual(server, tmp_path):
    server.files["/a.bin"] = PAYLOAD
    wrong = "0" * 32
    with pytest.raises(ChecksumError) as info:
        download_file(f"{server.url}/a.bin", tmp_path / "a.bin", md5=wrong, progress=False)
    message = str(info.value)
    assert f"{server.url}/a.bin" in message and wrong in message and md5(PAYLOAD) in message
    assert list(tmp_path.iterdir()) == []


def test_http_error_and_bad_md5_argument(server, tmp_path):
    with pytest.raises(DownloadError, match="404"):
        download_file(f"{server.url}/missing", tmp_path / "m", progress=False)
    with pytest.raises(ValueError, match="md5 must be 32 hex digits"):
        download_file(f"{server.url}/a", tmp_path / "a", md5="abc", progress=False)
    assert leftovers(tmp_path) == [] and not (tmp_path / "m").exists()


def test_two_concurrent_downloads_of_the_same_file(server, tmp_path):
    server.files["/a.bin"] = PAYLOAD
    server.delay = 0.02
    results, errors = [], []

    def worker():
        try:
            results.append(
                download_file(f"{server.url}/a.bin", tmp_path / "a.bin", md5(PAYLOAD), False)
            )
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == [] and len(results) == 2
    assert (tmp_path / "a.bin").read_bytes() == PAYLOAD
    assert server.full_gets("/a.bin") == 1  # the second waited on the lock, then found it done
    assert leftovers(tmp_path) == []


def test_offline_fails_at_once_naming_url_and_destination(server, tmp_path, monkeypatch):
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    server.files["/a.bin"] = PAYLOAD
    with pytest.raises(OfflineError) as info:
        download_file(f"{server.url}/a.bin", tmp_path / "x" / "a.bin", progress=False)
    assert f"{server.url}/a.bin" in str(info.value) and str(tmp_path / "x" / "a.bin") in str(
        info.value
    )
    resources = [
        Resource(f"{server.url}/a.zip", "a.zip"),
        Resource(f"{server.url}/b.mat", "b.mat", archive=False, target="d/b.mat"),
    ]
    with pytest.raises(OfflineError) as info:
        fetch(resources, tmp_path / "ds", progress=False)
    assert f"{server.url}/a.zip" in str(info.value) and str(tmp_path / "ds" / "d" / "b.mat") in str(
        info.value
    )
    assert server.requests == [] and list(tmp_path.iterdir()) == []


def test_fetch_extracts_selected_folder_atomically(server, tmp_path):
    archive = make_zip(
        {
            "repo-abc/data/eye/f.mat": b"eye",
            "repo-abc/data/stimuli/1.jpg": b"img",
            "repo-abc/code/x.m": b"m",
        }
    )
    server.files["/repo.zip"] = archive
    server.files["/extra.mat"] = b"extra"
    folder = tmp_path / "ds"
    (folder / "data" / "eye").mkdir(parents=True)
    (folder / "data" / "eye" / "old.mat").write_bytes(b"stale")  # replaced, not merged
    fetch(
        [
            Resource(
                f"{server.url}/repo.zip", "repo.zip", md5(archive), select="*/data", target="data"
            ),
            Resource(
                f"{server.url}/extra.mat",
                "extra.mat",
                md5(b"extra"),
                archive=False,
                target="t/extra.mat",
            ),
        ],
        folder,
        progress=False,
    )
    assert (folder / "data" / "eye" / "f.mat").read_bytes() == b"eye"
    assert (folder / "data" / "stimuli" / "1.jpg").read_bytes() == b"img"
    assert (
        not (folder / "data" / "eye" / "old.mat").exists()
        and not (folder / "data" / "code").exists()
    )
    assert (folder / "t" / "extra.mat").read_bytes() == b"extra"
    assert not (folder / ".downloads" / "repo.zip").exists()  # archive removed after extraction
    sums = (folder / "SHA256SUMS").read_text()
    assert hashlib.sha256(archive).hexdigest() + "  repo.zip" in sums
    assert leftovers(tmp_path) == []


def test_corrupt_zip_leaves_target_untouched(server, tmp_path):
    good = make_zip({"top/a.txt": b"a" * 5000})
    corrupt = (
        good[:40] + b"\x00" * 200 + good[240:]
    )  # damage the compressed data, keep the directory
    server.files["/c.zip"] = corrupt
    folder = tmp_path / "ds"
    with pytest.raises(ValueError, match=r"c\.zip is corrupt"):
        fetch([Resource(f"{server.url}/c.zip", "c.zip", md5(corrupt))], folder, progress=False)
    assert not (folder / "top").exists()
    assert leftovers(tmp_path) == []
    truncated = tmp_path / "t.zip"
    truncated.write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match="t.zip"):
        extract_archive(truncated, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_archive_member_escaping_target_is_refused(tmp_path):
    evil = tmp_path / "evil.zip"
    evil.write_bytes(make_zip({"../../etc/x": b"x"}))
    with pytest.raises(ValueError, match="escape"):
        extract_archive(evil, tmp_path / "out")
    assert not [p for p in tmp_path.rglob("x")]
    assert list((tmp_path / "out").iterdir()) == []


def test_google_drive_confirm_page(server, tmp_path, monkeypatch):
    monkeypatch.setattr(download, "GOOGLE_DRIVE_URL", f"{server.url}/drive/uc")
    server.files["/drive/download"] = PAYLOAD
    url = download.google_drive_url("FILEID12345")
    assert url.startswith(f"{server.url}/drive/download?")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    assert query == {
        "id": "FILEID12345",
        "export": "download",
        "confirm": "t",
        "uuid": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        "at": "APcXIO1:1760000000000&x",  # HTML entities decoded, then URL-encoded
    }
    dest = download_file(url, tmp_path / "s.zip", md5=md5(PAYLOAD), progress=False)
    assert dest.read_bytes() == PAYLOAD
    with pytest.raises(ValueError, match="file_id"):
        download.google_drive_url("../x")


def _benchmark_zip() -> bytes:
    from PIL import Image

    files = {}
    for k in (1, 2):
        buffer = io.BytesIO()
        Image.new("RGB", (16, 12), (k, 0, 0)).save(buffer, format="JPEG")
        files[f"BenchmarkIMAGES/i{k}.jpg"] = buffer.getvalue()
    return make_zip(files)


def test_load_dataset_downloads_and_extracts(server, tmp_path, monkeypatch):
    from saliency_course.data import load_dataset, mit300

    archive = _benchmark_zip()
    server.files["/BenchmarkIMAGES.zip"] = archive
    monkeypatch.setattr(mit300, "URL", f"{server.url}/BenchmarkIMAGES.zip")
    monkeypatch.setattr(mit300, "MD5", md5(archive))
    dataset = load_dataset("mit300", root=tmp_path, progress=False)
    assert len(dataset) == 2 and dataset.image(1).shape == (12, 16, 3)
    assert not (tmp_path / "mit300" / ".downloads" / "BenchmarkIMAGES.zip").exists()
    assert leftovers(tmp_path) == []
    load_dataset("mit300", root=tmp_path, progress=False)  # present: no second download
    assert server.full_gets("/BenchmarkIMAGES.zip") == 1


def test_offline_uses_an_archive_placed_by_hand(tmp_path, monkeypatch):
    from saliency_course.data import load_dataset, mit300

    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    with pytest.raises(OfflineError, match=r"\.downloads/BenchmarkIMAGES\.zip"):
        load_dataset("mit300", root=tmp_path)
    archive = _benchmark_zip()
    monkeypatch.setattr(mit300, "MD5", md5(archive))
    (tmp_path / "mit300" / ".downloads").mkdir(parents=True)
    (tmp_path / "mit300" / ".downloads" / "BenchmarkIMAGES.zip").write_bytes(archive)
    assert len(load_dataset("mit300", root=tmp_path, progress=False)) == 2


def test_cli_download(server, tmp_path, monkeypatch, capsys):
    from saliency_course.cli import main
    from saliency_course.data import mit300

    archive = _benchmark_zip()
    server.files["/BenchmarkIMAGES.zip"] = archive
    monkeypatch.setattr(mit300, "URL", f"{server.url}/BenchmarkIMAGES.zip")
    monkeypatch.setattr(mit300, "MD5", md5(archive))
    assert main(["download", "mit300", "--root", str(tmp_path), "--quiet"]) == 0
    assert "mit300: ready" in capsys.readouterr().out
    assert main(["download", "--list"]) == 0 and "osie" in capsys.readouterr().out.split()
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    assert main(["download", "toronto", "--root", str(tmp_path)]) == 1
    assert "eyetrackingdata.zip" in capsys.readouterr().out


def test_two_concurrent_loads_of_one_dataset(server, tmp_path, monkeypatch):
    from saliency_course.data import load_dataset, mit300

    archive = _benchmark_zip()
    server.files["/BenchmarkIMAGES.zip"] = archive
    server.delay = 0.05
    monkeypatch.setattr(mit300, "URL", f"{server.url}/BenchmarkIMAGES.zip")
    monkeypatch.setattr(mit300, "MD5", md5(archive))
    sizes, errors = [], []

    def worker():
        try:
            sizes.append(len(load_dataset("mit300", root=tmp_path, progress=False)))
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == [] and sizes == [2, 2]
    assert server.full_gets("/BenchmarkIMAGES.zip") == 1
    assert leftovers(tmp_path) == []


# --- retries ------------------------------------------------------------------------------


def test_http_5xx_and_429_are_retried_with_backoff_and_retry_after(server, waits, tmp_path):
    server.files["/a.bin"] = PAYLOAD
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    server.fail["/a.bin"] = [
        (503, {}),
        (500, {}),
        (429, {"Retry-After": "7"}),
        (503, {"Retry-After": later}),
        (429, {"Retry-After": "3600"}),
    ]
    dest = download_file(
        f"{server.url}/a.bin", tmp_path / "a.bin", md5(PAYLOAD), progress=False, retries=5
    )
    assert dest.read_bytes() == PAYLOAD
    assert waits[:3] == [0.01, 0.02, 7.0]  # doubled backoff, then the server's Retry-After
    assert 25 < waits[3] <= 30  # Retry-After as an HTTP date
    assert waits[4] == download.MAX_BACKOFF_S  # no single wait is longer
    assert server.paths() == ["/a.bin"] * 6
    assert leftovers(tmp_path) == []


def test_retries_are_bounded_and_keep_nothing_half_written(server, waits, tmp_path):
    server.files["/a.bin"] = PAYLOAD
    server.fail["/a.bin"] = [(502, {})] * 5
    with pytest.raises(DownloadError, match=r"failed after 3 attempts.*502") as info:
        download_file(f"{server.url}/a.bin", tmp_path / "a.bin", progress=False, retries=2)
    assert str(tmp_path / "a.bin") in str(info.value)
    assert len(waits) == 2 and len(server.requests) == 3
    assert list(tmp_path.iterdir()) == []


def test_4xx_other_than_429_fails_at_once(server, waits, tmp_path):
    server.files["/a.bin"] = PAYLOAD
    server.fail["/a.bin"] = [(403, {})]
    with pytest.raises(DownloadError, match=r"HTTP 403.*Not retried") as info:
        download_file(f"{server.url}/a.bin", tmp_path / "a.bin", progress=False)
    assert f"{server.url}/a.bin" in str(info.value) and str(tmp_path / "a.bin") in str(info.value)
    assert waits == [] and len(server.requests) == 1


def test_connection_refused_is_retried_until_the_server_is_back(server, tmp_path, monkeypatch):
    port = server.httpd.server_address[1]
    server.close()  # the host is down: connections are refused
    revived: list[Server] = []

    def wait(seconds):  # the server comes back on its port during the first wait
        if not revived:
            revived.append(Server(port))
            revived[0].files["/a.bin"] = PAYLOAD

    monkeypatch.setattr(download, "_sleep", wait)
    try:
        dest = download_file(f"{server.url}/a.bin", tmp_path / "a.bin", md5(PAYLOAD), False)
    finally:
        for s in revived:
            s.close()
    assert dest.read_bytes() == PAYLOAD and revived[0].paths() == ["/a.bin"]


def test_dropped_line_and_timeout_are_retried(server, waits, tmp_path):
    server.files["/a.bin"] = PAYLOAD
    server.drop["/a.bin"] = 1  # the line closes before any answer
    server.stall["/a.bin"] = 1.0  # then the answer takes longer than the timeout
    dest = download_file(
        f"{server.url}/a.bin", tmp_path / "a.bin", md5(PAYLOAD), progress=False, timeout=0.3
    )
    assert dest.read_bytes() == PAYLOAD and len(waits) == 2
    assert leftovers(tmp_path) == []


# --- files placed by hand -----------------------------------------------------------------


def test_hand_placed_file_with_a_wrong_md5_is_kept_and_both_hashes_named(server, tmp_path):
    server.files["/a.bin"] = PAYLOAD
    dest = tmp_path / "a.bin"
    dest.write_bytes(b"downloaded in a browser, but another version")
    with pytest.raises(ChecksumError) as info:
        download_file(f"{server.url}/a.bin", dest, md5(PAYLOAD), progress=False)
    message = str(info.value)
    assert md5(PAYLOAD) in message and md5(dest.read_bytes()) in message
    assert "verify=False" in message and "SALIENCY_COURSE_VERIFY=0" in message
    assert dest.read_bytes() == b"downloaded in a browser, but another version"
    assert server.requests == []


def test_a_hand_placed_file_is_accepted_on_purpose(server, tmp_path, monkeypatch):
    dest = tmp_path / "a.bin"
    dest.write_bytes(b"my own copy")
    url = f"{server.url}/a.bin"
    with pytest.warns(UserWarning, match=md5(b"my own copy")):
        assert download_file(url, dest, md5(PAYLOAD), progress=False, verify=False) == dest
    monkeypatch.setenv("SALIENCY_COURSE_VERIFY", "0")
    with pytest.warns(UserWarning, match="verification is off"):
        assert download_file(url, dest, md5(PAYLOAD), progress=False) == dest
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")  # offline: still a checksum error, no hint
    monkeypatch.setenv("SALIENCY_COURSE_VERIFY", "1")
    with pytest.raises(ChecksumError, match="kept"):
        download_file(url, dest, md5(PAYLOAD), progress=False)
    assert dest.read_bytes() == b"my own copy" and server.requests == []


def test_our_own_stale_download_is_replaced_but_not_once_edited(server, tmp_path):
    url, dest = f"{server.url}/a.bin", tmp_path / "a.bin"
    server.files["/a.bin"] = b"old release"
    download_file(url, dest, progress=False)  # no MD5 known then
    server.files["/a.bin"] = PAYLOAD
    assert download_file(url, dest, md5(PAYLOAD), progress=False).read_bytes() == PAYLOAD
    assert server.full_gets("/a.bin") == 2
    dest.write_bytes(b"edited by hand")  # the .sha256 record no longer matches
    with pytest.raises(ChecksumError, match="not downloaded here"):
        download_file(url, dest, md5(PAYLOAD), progress=False)
    assert dest.read_bytes() == b"edited by hand"


# --- archives -----------------------------------------------------------------------------


def test_archive_without_md5_that_fails_extraction_is_deleted_with_a_message(server, tmp_path):
    good = make_zip({"top/a.txt": b"a" * 5000})
    server.files["/c.zip"] = good[: len(good) // 2]  # cut short in transit, no MD5 to tell
    folder = tmp_path / "ds"
    resources = [Resource(f"{server.url}/c.zip", "c.zip")]
    with pytest.raises(ValueError, match="was deleted, and the next call downloads it again"):
        fetch(resources, folder, progress=False)
    assert not (folder / ".downloads" / "c.zip").exists()
    assert not (folder / ".downloads" / "c.zip.sha256").exists()
    server.files["/c.zip"] = good
    fetch(resources, folder, progress=False)
    assert (folder / "top" / "a.txt").read_bytes() == b"a" * 5000
    assert leftovers(tmp_path) == []


def test_hand_placed_archive_that_fails_extraction_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    folder = tmp_path / "ds"
    (folder / ".downloads").mkdir(parents=True)
    (folder / ".downloads" / "c.zip").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="is kept") as info:
        fetch([Resource("https://example.org/c.zip", "c.zip")], folder, progress=False)
    assert "https://example.org/c.zip" in str(info.value)
    assert (folder / ".downloads" / "c.zip").read_bytes() == b"not a zip"


HOLD_WORK_DIR = """
import sys, time
from pathlib import Path
from saliency_course.data import download
with download._work_dir(Path(sys.argv[1])) as work:
    (work / "half.bin").write_bytes(b"x" * 1000)
    print(work, flush=True)
    time.sleep(60)
"""


def test_leftovers_of_a_killed_extraction_are_cleaned_up_and_nothing_else(tmp_path):
    target = tmp_path / "ds"
    target.mkdir()
    killed = subprocess.Popen(
        [sys.executable, "-c", HOLD_WORK_DIR, str(target)], stdout=subprocess.PIPE, text=True
    )
    stale = Path(killed.stdout.readline().strip())
    killed.kill()  # SIGKILL: no clean-up code runs
    killed.wait(10)
    killed.stdout.close()
    live = subprocess.Popen(
        [sys.executable, "-c", HOLD_WORK_DIR, str(target)], stdout=subprocess.PIPE, text=True
    )
    try:
        busy = Path(live.stdout.readline().strip())
        mine = target / ".extract-my-notes"  # the user's folder that happens to match
        mine.mkdir()
        assert stale.is_dir() and (stale.parent / f"{stale.name}.lock").exists()
        archive = tmp_path / "a.zip"
        archive.write_bytes(make_zip({"x/1.txt": b"1"}))
        assert extract_archive(archive, target) == [target / "x"]
        assert not stale.exists() and not (stale.parent / f"{stale.name}.lock").exists()
        assert busy.is_dir() and mine.is_dir()  # a live extraction and a user's folder stay
    finally:
        live.kill()
        live.wait(10)
        live.stdout.close()
    assert sorted(p.name for p in target.iterdir() if not p.name.startswith(busy.name)) == [
        ".extract-my-notes",
        "x",
    ]


# --- Google Drive -------------------------------------------------------------------------

DRIVE_ID = "1g8j-hTT-51IG1UFwP0xTGhLdgIUCW5e5"


def serve_drive(server: Server, payload: bytes) -> None:
    """Drive's exchange for a large file, laid out as the mirror serves it."""
    server.pages["/drive.google.com/uc"] = drive_confirm_page(
        DRIVE_ID, "https://drive.usercontent.google.com/download"
    )
    server.files["/drive.usercontent.google.com/download"] = payload


def use_mirror(monkeypatch, server: Server, manifest: dict[str, bytes]) -> None:
    """Point the mirror switch at ``server`` with a manifest of ``url -> mirrored file``."""
    monkeypatch.setenv(download.MIRROR_ENV, server.url)
    files = {
        url: {"md5": md5(data), "sha256": hashlib.sha256(data).hexdigest()}
        for url, data in manifest.items()
    }
    server.files["/manifest.json"] = json.dumps({"files": files}).encode()


def test_drive_confirm_page_through_the_mirror(server, tmp_path, monkeypatch):
    serve_drive(server, PAYLOAD)
    use_mirror(monkeypatch, server, {download.drive_url(DRIVE_ID): PAYLOAD})
    production_md5 = "eb2a1bb706633d1b31fc2e01422c5757"  # SALICON's stimuli.zip: not the mirror's
    dest = download.download_google_drive(DRIVE_ID, tmp_path / "stimuli.zip", production_md5, False)
    assert dest.read_bytes() == PAYLOAD
    paths = [p for p in server.paths() if p != "/manifest.json"]
    assert paths[0] == f"/drive.google.com/uc?export=download&id={DRIVE_ID}"
    confirm = urllib.parse.urlsplit(paths[1])
    assert confirm.path == "/drive.usercontent.google.com/download"
    assert dict(urllib.parse.parse_qsl(confirm.query))["confirm"] == "t"
    assert leftovers(tmp_path) == []


def test_drive_quota_says_where_to_put_the_browser_download(server, tmp_path, monkeypatch):
    use_mirror(monkeypatch, server, {})
    server.pages["/drive.google.com/uc"] = DRIVE_QUOTA_PAGE
    dest = tmp_path / "salicon" / ".downloads" / "stimuli.zip"
    with pytest.raises(DriveQuotaError) as info:
        download.download_google_drive(DRIVE_ID, dest, progress=False)
    message = str(info.value)
    assert f"https://drive.google.com/file/d/{DRIVE_ID}/view" in message and str(dest) in message
    assert "Too many users have viewed or downloaded this file recently" in message
    # the quota page can also come instead of the file, after the virus-scan page
    serve_drive(server, b"")
    server.pages["/drive.usercontent.google.com/download"] = DRIVE_QUOTA_PAGE
    with pytest.raises(DriveQuotaError, match=str(dest)):
        download.download_google_drive(DRIVE_ID, dest, progress=False)
    assert not dest.exists() and leftovers(tmp_path) == []


def test_small_drive_file_and_redirects_stay_on_the_mirror(server, tmp_path, monkeypatch):
    """Drive and GitHub answer with redirects to other hosts; the mirror serves those too."""
    archive = make_zip({"osie-abc/data/eye/f.mat": b"eye"})
    github = "https://github.com/NUS-VIP/predicting-human-gaze-beyond-pixels/archive/abc.zip"
    use_mirror(monkeypatch, server, {github: archive, download.drive_url(DRIVE_ID): b"small"})
    server.redirects["/github.com/NUS-VIP/predicting-human-gaze-beyond-pixels/archive/abc.zip"] = (
        "https://codeload.github.com/NUS-VIP/predicting-human-gaze-beyond-pixels/zip/abc"
    )
    server.files["/codeload.github.com/NUS-VIP/predicting-human-gaze-beyond-pixels/zip/abc"] = (
        archive
    )
    server.redirects["/drive.google.com/uc"] = (
        f"https://drive.usercontent.google.com/download?id={DRIVE_ID}&export=download"
    )
    server.files["/drive.usercontent.google.com/download"] = b"small"
    fetch(
        [
            Resource(github, "osie.zip", select="*/data", target="data"),
            Resource(
                download.drive_url(DRIVE_ID),
                "s.bin",
                "0" * 32,  # a production MD5, never consulted under the mirror
                archive=False,
                target="s.bin",
                google_drive_id=DRIVE_ID,
            ),
        ],
        tmp_path / "ds",
        progress=False,
    )
    assert (tmp_path / "ds" / "data" / "eye" / "f.mat").read_bytes() == b"eye"
    assert (tmp_path / "ds" / "s.bin").read_bytes() == b"small"
    assert all(not p.startswith("http") for p in server.paths())  # nothing left the mirror


# --- the mirror switch --------------------------------------------------------------------


def test_mirrored_url_layout(monkeypatch):
    monkeypatch.delenv(download.MIRROR_ENV, raising=False)
    url = "https://www.mit.edu:8443/a/b.zip?x=1&y=2#frag"
    assert download.mirrored_url(url) == url
    monkeypatch.setenv(download.MIRROR_ENV, "http://127.0.0.1:8000/")
    assert download.mirrored_url(url) == "http://127.0.0.1:8000/www.mit.edu:8443/a/b.zip?x=1&y=2"
    assert (
        download.mirrored_url("http://Saliency.MIT.edu")
        == "http://127.0.0.1:8000/saliency.mit.edu/"
    )
    mirrored = download.mirrored_url(download.drive_url(DRIVE_ID))
    assert mirrored == f"http://127.0.0.1:8000/drive.google.com/uc?export=download&id={DRIVE_ID}"
    assert download.mirrored_url(mirrored) == mirrored  # already on the mirror
    with pytest.raises(ValueError, match="http"):
        download.mirrored_url("ftp://example.org/x")
    monkeypatch.setenv(download.MIRROR_ENV, "127.0.0.1:8000")
    with pytest.raises(ValueError, match="SALIENCY_COURSE_MIRROR must be an http"):
        download.mirrored_url(url)


def test_mirror_checksums_come_from_its_manifest_only(server, tmp_path, monkeypatch):
    real_url = "https://saliency.mit.edu/BenchmarkIMAGES.zip"
    production_md5 = md5(b"the real archive")
    server.files["/saliency.mit.edu/BenchmarkIMAGES.zip"] = PAYLOAD  # the mirror's stand-in
    use_mirror(monkeypatch, server, {real_url: PAYLOAD})
    dest = download_file(real_url, tmp_path / "a.zip", production_md5, progress=False)
    assert dest.read_bytes() == PAYLOAD
    assert server.paths() == ["/manifest.json", "/saliency.mit.edu/BenchmarkIMAGES.zip"]
    # the manifest may also be a local file
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"files": {real_url: {"md5": md5(b"other")}}}))
    monkeypatch.setenv(download.MANIFEST_ENV, str(manifest))
    with pytest.raises(ChecksumError, match=md5(b"other")):
        download_file(real_url, tmp_path / "b.zip", production_md5, progress=False)
    # a URL with a production MD5 but missing from the manifest is an error
    with pytest.raises(DownloadError, match="no checksum for https://saliency.mit.edu/other.zip"):
        download_file("https://saliency.mit.edu/other.zip", tmp_path / "c", production_md5, False)
    # without the mirror the production MD5 is enforced and the manifest is never read
    monkeypatch.delenv(download.MIRROR_ENV)
    monkeypatch.delenv(download.MANIFEST_ENV)
    mirror_file = f"{server.url}/saliency.mit.edu/BenchmarkIMAGES.zip"
    with pytest.raises(ChecksumError, match=production_md5):
        download_file(mirror_file, tmp_path / "d.zip", production_md5, progress=False)
    assert not (tmp_path / "d.zip").exists()


def test_offline_allows_only_a_loopback_mirror(server, tmp_path, monkeypatch):
    real_url = "https://saliency.mit.edu/a.bin"
    server.files["/saliency.mit.edu/a.bin"] = PAYLOAD
    use_mirror(monkeypatch, server, {real_url: PAYLOAD})
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    assert not download.downloads_blocked()
    assert download_file(real_url, tmp_path / "a.bin", progress=False).read_bytes() == PAYLOAD
    monkeypatch.setenv(download.MIRROR_ENV, "http://192.0.2.1:8000")  # a mirror on the network
    assert download.downloads_blocked()
    with pytest.raises(OfflineError, match=real_url):
        download_file(real_url, tmp_path / "b.bin", progress=False)
    monkeypatch.delenv(download.MIRROR_ENV)
    assert download.downloads_blocked()
    assert config.offline()


def test_cli_accepts_a_hand_placed_archive_with_no_verify(tmp_path, monkeypatch, capsys):
    from saliency_course.cli import main

    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    monkeypatch.delenv(download.VERIFY_ENV, raising=False)
    (tmp_path / "mit300" / ".downloads").mkdir(parents=True)
    (tmp_path / "mit300" / ".downloads" / "BenchmarkIMAGES.zip").write_bytes(_benchmark_zip())
    assert main(["download", "mit300", "--root", str(tmp_path), "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "verify=False or SALIENCY_COURSE_VERIFY=0" in out and "--no-verify" in out
    with pytest.warns(UserWarning, match="verification is off"):
        assert main(["download", "mit300", "--root", str(tmp_path), "--quiet", "--no-verify"]) == 0
    assert "mit300: ready" in capsys.readouterr().out
    assert download.VERIFY_ENV not in os.environ
    monkeypatch.setattr(config, "DRIVE_MOUNT", tmp_path / "no-drive")
    assert main(["download", "mit300", "--root", "drive"]) == 2
    assert "works only on Colab" in capsys.readouterr().out

"""download_file / extract_archive / fetch against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import io
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from saliency_course.data import download
from saliency_course.data.download import Resource, download_file, extract_archive, fetch
from saliency_course.errors import ChecksumError, DownloadError, OfflineError

PAYLOAD = bytes(range(256)) * 1200  # 300 KiB, not a multiple of the 1 MiB chunk


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def make_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buffer.getvalue()


class Server:
    """Serves ``files`` with Range support; can cut a response short or go slowly."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
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
                if path == "/drive/uc":
                    return self._drive_page()
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

            def _drive_page(self):
                page = (
                    b'<html><body><form id="download-form" action="/drive/download" method="get">'
                    b'<input type="hidden" name="id" value="FILEID12345">'
                    b'<input type="hidden" name="export" value="download">'
                    b'<input type="hidden" name="confirm" value="t">'
                    b'<input type="hidden" name="uuid" value="abc-123"></form></body></html>'
                )
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def full_gets(self, path: str) -> int:
        return sum(1 for p, rng in self.requests if p == path and rng is None)


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "0")
    s = Server()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


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
    assert (
        url.startswith(f"{server.url}/drive/download?")
        and "confirm=t" in url
        and "uuid=abc-123" in url
    )
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

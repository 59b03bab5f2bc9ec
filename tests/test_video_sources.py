"""Video data from GitHub: pinned files, SHA-256 table, downloads from a real server on 127.0.0.1.

The server lays the real files of ../shared/data out as raw.githubusercontent.com
does (``/<owner>/<repo>/<commit>/<path>``); the loaders are pointed at it through
``sources.GITHUB_RAW``.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from saliency_course.data import load_dataset
from saliency_course.data.video import checksums, sources
from saliency_course.data.video.sources import DHF1K_GITHUB, UCF_SPORTS_GITHUB, render_table
from saliency_course.errors import ChecksumError, DownloadError, OfflineError

DHF1K_URL = (
    "https://raw.githubusercontent.com/Lu-Hsuan/DHF1K_fixation_visualization/"
    "9f7945a9ca60ffcb9f76c1f5ac249606690d2fa6/"
)
UCF_URL = (
    "https://raw.githubusercontent.com/arsalasif/SalAR/eee0855199233177df0fce80f2a0612b8774ac1f/"
    "dataloaders/ucf/testing/Diving-Side-001/"
)


def _copies(data_dir: Path) -> dict:
    """source -> the folder of ../shared/data holding unchanged copies of its files."""
    video = data_dir / "video"
    return {
        DHF1K_GITHUB: video / "dhf1k",
        UCF_SPORTS_GITHUB: video / "ucf_sports" / "testing" / "Diving-Side-001",
    }


class RawGitHub:
    """raw.githubusercontent.com on 127.0.0.1: ``/<owner>/<repo>/<commit>/<path>`` -> bytes."""

    def __init__(self, data_dir: Path) -> None:
        self.files: dict[str, Path] = {}
        for source, copy in _copies(data_dir).items():
            prefix = "/".join(p for p in (source.repo, source.commit, source.folder) if p)
            for file in source.files:
                self.files[f"/{prefix}/{file.path}"] = copy / file.path
        self.corrupt: dict[str, int] = {}  # path -> index of a byte to flip
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                server.requests.append(self.path)
                path = server.files.get(self.path)
                if path is None:
                    self.send_error(404)
                    return
                body = bytearray(path.read_bytes())
                if self.path in server.corrupt:
                    body[server.corrupt[self.path]] ^= 0xFF
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(bytes(body))

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def raw_github(data_dir):
    server = RawGitHub(data_dir)
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def github(raw_github, monkeypatch):
    raw_github.requests.clear()
    raw_github.corrupt.clear()
    monkeypatch.setattr(sources, "GITHUB_RAW", raw_github.url)
    monkeypatch.delenv("SALIENCY_COURSE_OFFLINE", raising=False)
    return raw_github


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and p.name != "SOURCE.md"
    }


def test_checksum_table_regenerates_from_the_shared_copies(data_dir):
    copies = _copies(data_dir)
    assert render_table(copies[DHF1K_GITHUB]) == checksums.DHF1K_LU_HSUAN
    assert render_table(copies[UCF_SPORTS_GITHUB]) == checksums.UCF_SPORTS_SALAR
    assert len(DHF1K_GITHUB.files) == 19 and len(UCF_SPORTS_GITHUB.files) == 216
    assert DHF1K_GITHUB.size == 8_689_405 and UCF_SPORTS_GITHUB.size == 12_715_056
    video = next(f for f in DHF1K_GITHUB.files if f.path == "video/002.AVI")
    # the SHA-256 and size that ../shared/data/video/dhf1k/SOURCE.md publishes
    assert video.size == 2_676_794
    assert video.sha256 == "2b30564bf1e3e43296a8e943385a1bd7d712d88b992b497639abbabbd462b6fe"
    assert DHF1K_GITHUB.url(video) == DHF1K_URL + "video/002.AVI"
    first = UCF_SPORTS_GITHUB.files[0]
    assert UCF_SPORTS_GITHUB.url(first) == UCF_URL + first.path


def test_dhf1k_video_002_from_github_into_an_empty_root(github, tmp_path, data_dir):
    dhf1k = load_dataset("dhf1k", root=tmp_path, videos=[2], progress=False)
    assert len(github.requests) == 19
    assert all(
        r.startswith("/Lu-Hsuan/DHF1K_fixation_visualization/9f7945a") for r in github.requests
    )
    # the layout of ../shared/data, file for file, and nothing else (no staging, no sidecars)
    assert _tree(tmp_path / "dhf1k") == _tree(data_dir / "video" / "dhf1k")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dhf1k"]
    clip = dhf1k.clip(0)
    assert clip.name == "002" and clip.n_frames == 783 and len(clip.gaze) == 17
    assert sum(len(clip.fixation_points(k)) for k in range(0, 783, 100)) > 0
    assert np.load(tmp_path / "dhf1k" / "frame_list.npy")[1] == 783
    load_dataset("dhf1k", root=tmp_path, videos=[2], progress=False)
    assert len(github.requests) == 19  # already there: nothing fetched again


def test_ucf_sports_clip_from_github_into_an_empty_root(github, tmp_path, data_dir):
    ucf = load_dataset("ucf_sports", root=tmp_path, progress=False)
    assert len(github.requests) == 216
    assert _tree(tmp_path / "ucf_sports") == _tree(data_dir / "video" / "ucf_sports")
    assert len(ucf) == 1 and ucf.splits["test"].tolist() == [0]
    clip = ucf.clip(0)
    assert clip.name == "Diving-Side-001" and clip.n_frames == 54 and clip.shape == (404, 720)
    assert clip.fixation_maps(0, 54, 53).sum() > 0


def test_a_corrupted_byte_is_caught_and_leaves_nothing(github, tmp_path):
    bad = f"/{DHF1K_GITHUB.repo}/{DHF1K_GITHUB.commit}/exportdata_train/P05/P05_Trail002.txt"
    github.corrupt[bad] = 1000
    with pytest.raises(ChecksumError, match="P05_Trail002.txt") as info:
        load_dataset("dhf1k", root=tmp_path, videos=[2], progress=False)
    assert "SHA-256" in str(info.value) and "deleted" in str(info.value)
    folder = tmp_path / "dhf1k"
    # nothing reached the dataset layout; the corrupt file is gone, the verified ones wait
    assert sorted(p.name for p in folder.iterdir()) == [".downloads"]
    staged = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert not any("P05" in p for p in staged)
    assert len(staged) == 5  # frame_list.npy, P01-P04: fetched and checked before P05
    github.corrupt.clear()
    github.requests.clear()
    load_dataset("dhf1k", root=tmp_path, videos=[2], progress=False)
    assert len(github.requests) == 14  # only P05-P17 and the video
    assert not (folder / ".downloads").exists()


def test_offline_errors_name_the_github_urls_and_destinations(tmp_path, monkeypatch):
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    with pytest.raises(OfflineError) as info:
        load_dataset("dhf1k", root=tmp_path, videos=[2])
    message = str(info.value)
    assert DHF1K_URL + "video/002.AVI" in message
    assert DHF1K_URL + "exportdata_train/P17/P17_Trail002.txt" in message
    assert str(tmp_path / "dhf1k" / "video" / "002.AVI") in message
    with pytest.raises(OfflineError) as info:
        load_dataset("ucf_sports", root=tmp_path)
    message = str(info.value)
    assert UCF_URL + UCF_SPORTS_GITHUB.files[0].path in message
    assert f"and 196 more: every file under {UCF_URL}" in message
    assert str(tmp_path / "ucf_sports" / "testing" / "Diving-Side-001") in message
    assert not any(tmp_path.iterdir())


def test_other_dhf1k_videos_need_the_manual_download(github, tmp_path, monkeypatch):
    with pytest.raises(DownloadError, match="videos \\[3\\] are not in") as info:
        load_dataset("dhf1k", root=tmp_path, videos=[2, 3])
    assert not isinstance(info.value, OfflineError)
    assert sources.DHF1K_DRIVE_FOLDER in str(info.value) and "videos=[2]" in str(info.value)
    assert github.requests == []  # refused before fetching video 002
    with pytest.raises(DownloadError, match="1sW0tf9RQMO4RR7SyKhU8Kmbm4jwkFGpQ"):
        load_dataset("dhf1k", root=tmp_path)  # the whole dataset: by hand
    with pytest.raises(FileNotFoundError, match="002.AVI"):
        load_dataset("dhf1k", root=tmp_path, videos=[2], download=False)
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    with pytest.raises(OfflineError, match="drive.google.com"):
        load_dataset("dhf1k", root=tmp_path, videos=[3])


def test_another_copy_of_the_ucf_clip_is_left_alone(github, tmp_path):
    images = tmp_path / "ucf_sports" / "testing" / "Diving-Side-001" / "images"
    images.mkdir(parents=True)
    from PIL import Image

    Image.fromarray(np.zeros((4, 6, 3), np.uint8)).save(images / "frame_0001.png")
    clip = load_dataset("ucf_sports", root=tmp_path).clip(0)
    assert github.requests == [] and clip.n_frames == 1


def test_an_unreachable_server_names_the_url(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "GITHUB_RAW", "http://127.0.0.1:9")  # discard port: refused
    with pytest.raises(DownloadError, match="127.0.0.1:9/arsalasif/SalAR/eee0855"):
        load_dataset("ucf_sports", root=tmp_path, progress=False)


def test_hollywood2_names_the_current_drive_folder(tmp_path):
    with pytest.raises(DownloadError, match="1eCNcRSInK7GGNxXF60yeU7LqiRgRKO4r"):
        load_dataset("hollywood2", root=tmp_path)

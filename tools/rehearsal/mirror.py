"""The mirror's layout on disk and its checksum manifest.

Layout (``ROOT`` is the folder given to ``tools/build_mirror.py``):

* a plain URL ``https://host/some/path?query`` is served from ``ROOT/host/some/path``
  (the query is ignored), which is where
  ``saliency_course.data.download.mirrored_url`` sends it when
  ``SALIENCY_COURSE_MIRROR=http://127.0.0.1:PORT`` is set:
  ``https://host/path?query`` -> ``http://127.0.0.1:PORT/host/path?query``;
* a Google Drive file ``<ID>`` is stored as ``ROOT/.drive/<ID>/<file name>``; the
  server answers the Drive URLs (``drive.google.com/uc?...id=<ID>``,
  ``drive.usercontent.google.com/download?id=<ID>...``) with Drive's virus-scan
  confirm page first, then with the file (see :mod:`.server`);
* ``ROOT/manifest.json`` (also served at ``http://127.0.0.1:PORT/manifest.json``)
  is the checksum override: the mirror's files are not the real files, so their
  checksums differ from the production MD5s. Its exact format::

      {"files": {"<original url>": {"md5": "<hex>", "sha256": "<hex>", "bytes": <int>}}}

  keyed by the URL the package names (``Resource.url``, the ``*_URL``
  constants, torchvision's weight URLs). A Drive file is listed under
  ``https://drive.google.com/uc?export=download&id=<ID>`` (the package's form)
  and ``https://drive.google.com/uc?id=<ID>`` (gdown's form).
  ``download.py`` reads it only while ``SALIENCY_COURSE_MIRROR`` is set.
* ``ROOT/.built/<source>.json`` records how each source was built, so that a
  later build reuses what is still up to date.

Every file is written to a temporary name and renamed, so an interrupted build
never leaves a half-written file under a served name.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import urllib.parse
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

MANIFEST = "manifest.json"
DRIVE_FOLDER = ".drive"
DRIVE_URL = "https://drive.google.com/uc?export=download&id={id}"
GDOWN_URL = "https://drive.google.com/uc?id={id}"
CHUNK = 1 << 20
#: zip members with these suffixes are stored (already compressed), others deflated
STORED_SUFFIXES = {".jpg", ".jpeg", ".png", ".avi", ".zip", ".npz", ".gz"}

Member = tuple[str, "bytes | Path"]


def url_path(url: str) -> PurePosixPath:
    """``host/path`` of ``url`` (query dropped, percent-escapes decoded); refuses ``..``."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"url must be an http(s) URL with a host, got {url!r}")
    path = PurePosixPath(parts.hostname, *urllib.parse.unquote(parts.path).split("/"))
    if ".." in path.parts or len(path.parts) < 2:
        raise ValueError(f"url must name a file below its host, got {url!r}")
    return path


def digests(path: Path) -> dict:
    """``{"md5", "sha256", "bytes"}`` of a file."""
    md5, sha256 = hashlib.md5(), hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            md5.update(block)
            sha256.update(block)
    return {"md5": md5.hexdigest(), "sha256": sha256.hexdigest(), "bytes": path.stat().st_size}


@contextlib.contextmanager
def atomic_path(final: Path):
    """Yield a temporary path beside ``final``; rename it to ``final`` when the block succeeds."""
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_zip(path: Path, members: Iterable[Member], comment: bytes = b"") -> Path:
    """Write a zip of ``(name, bytes or file)`` members, atomically; folders get entries too."""
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w") as archive:
        folders: set[str] = set()
        for name, content in members:
            for parent in reversed(PurePosixPath(name).parents[:-1]):
                if str(parent) not in folders:
                    folders.add(str(parent))
                    archive.writestr(zipfile.ZipInfo(f"{parent}/", (2020, 1, 1, 0, 0, 0)), b"")
            stored = PurePosixPath(name).suffix.lower() in STORED_SUFFIXES
            kind = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            if isinstance(content, Path):
                archive.write(content, name, compress_type=kind, compresslevel=1)
            else:
                info = zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0))
                archive.writestr(info, content, compress_type=kind, compresslevel=1)
        archive.comment = comment
    return path


class Mirror:
    """A mirror folder being written: places files by URL and keeps the manifest."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        manifest = self.root / MANIFEST
        self.files: dict[str, dict] = (
            json.loads(manifest.read_text())["files"] if manifest.is_file() else {}
        )

    def path(self, url: str) -> Path:
        """Where the file of ``url`` lives in the mirror."""
        return self.root / url_path(url)

    def record(self, url: str, path: Path | None = None) -> Path:
        """Enter the file of ``url`` (default: its mirror path) into the manifest."""
        path = path or self.path(url)
        self.files[url] = digests(path)
        return path

    def add_bytes(self, url: str, data: bytes) -> Path:
        with atomic_path(self.path(url)) as tmp:
            tmp.write_bytes(data)
        return self.record(url)

    def add_copy(self, url: str, source: Path) -> Path:
        with atomic_path(self.path(url)) as tmp, open(source, "rb") as src, open(tmp, "wb") as dst:
            for block in iter(lambda: src.read(CHUNK), b""):
                dst.write(block)
        return self.record(url)

    def add_zip(self, url: str, members: Iterable[Member], comment: bytes = b"") -> Path:
        write_zip(self.path(url), members, comment)
        return self.record(url)

    def drive_path(self, file_id: str, filename: str) -> Path:
        """Where Drive file ``file_id`` (served as ``filename``) lives in the mirror."""
        return self.root / DRIVE_FOLDER / file_id / filename

    def record_drive(self, file_id: str, path: Path) -> Path:
        """Enter a Drive file under both URL forms the clients use."""
        for template in (DRIVE_URL, GDOWN_URL):
            self.record(template.format(id=file_id), path)
        return path

    def write_manifest(self) -> Path:
        manifest = self.root / MANIFEST
        with atomic_path(manifest) as tmp:
            tmp.write_text(json.dumps({"files": dict(sorted(self.files.items()))}, indent=1))
        return manifest


def find_drive_file(root: Path, file_id: str) -> Path | None:
    """The one file stored for Drive id ``file_id``, or None."""
    if not file_id or "/" in file_id or file_id.startswith("."):
        return None
    folder = root / DRIVE_FOLDER / file_id
    if not folder.is_dir():
        return None
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    return files[0] if len(files) == 1 else None

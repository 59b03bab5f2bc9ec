"""Downloads that never leave a half-written file or dataset behind.

:func:`download_file` streams to ``<dest>.part`` with a ``tqdm`` bar, resumes
an interrupted transfer with an HTTP ``Range`` request, verifies the MD5, writes
the SHA-256 beside the file (``<dest>.sha256``, ``sha256sum`` format) and only
then renames the ``.part`` file to ``dest``. Two processes (or threads) fetching
the same file serialise on ``<dest>.lock``; the second finds the file done.
A wrong checksum deletes the download and raises
:class:`~saliency_course.errors.ChecksumError`. With ``SALIENCY_COURSE_OFFLINE=1``
every download raises :class:`~saliency_course.errors.OfflineError` at once,
naming what to fetch by hand and where to put it.

:func:`extract_archive` unpacks a zip or tar into a temporary folder beside the
target and renames the result into place, so an interrupted extraction leaves
nothing half-written. :func:`fetch` combines both for a dataset's official
files (:class:`Resource`), including Google-Drive-hosted ones (SALICON).
"""

from __future__ import annotations

import contextlib
import fcntl
import fnmatch
import hashlib
import html
import http.client
import os
import re
import shutil
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from tqdm.auto import tqdm

from .. import config
from ..errors import ChecksumError, DownloadError, OfflineError

GOOGLE_DRIVE_URL = "https://drive.google.com/uc"
CHUNK = 1 << 20
USER_AGENT = "saliency-course (+https://github.com/saliency-course/saliency-course)"


def file_md5(path: str | Path) -> str:
    """MD5 hex digest of a file."""
    return _digest(path, "md5")


def _digest(path: str | Path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _offline_error(pairs: Sequence[tuple[str, Path]]) -> OfflineError:
    lines = "\n".join(f"  {url}\n    -> {dest}" for url, dest in pairs)
    return OfflineError(
        f"offline ({config.OFFLINE_ENV}=1): cannot download. Fetch by hand, put each file at "
        f"the path shown, and run again:\n{lines}"
    )


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if needed, removed on release).

    After acquiring, the lock file must still be the one on disk (another holder
    may have removed it meanwhile); otherwise the lock is taken again.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        os.close(fd)


def _open(url: str, start: int, timeout: float):
    headers = {"User-Agent": USER_AGENT}
    if start:
        headers["Range"] = f"bytes={start}-"
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)


def _transfer(url: str, part: Path, progress: bool, timeout: float) -> None:
    """Append the rest of ``url`` to ``part`` (restarting if the server ignores Range)."""
    start = part.stat().st_size if part.exists() else 0
    try:
        response = _open(url, start, timeout)
    except urllib.error.HTTPError as err:
        if err.code != 416 or not start:
            raise
        part.unlink()  # the .part is not a prefix the server recognises: start over
        start = 0
        response = _open(url, 0, timeout)
    with response:
        if start and response.status != 206:
            start = 0  # no Range support: the body is the whole file
        length = response.headers.get("Content-Length")
        total = start + int(length) if length is not None else None
        with (
            open(part, "ab" if start else "wb") as out,
            tqdm(
                total=total,
                initial=start,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=part.name[: -len(".part")],
                disable=not progress,
                leave=False,
            ) as bar,
        ):
            while True:
                block = response.read(CHUNK)
                if not block:
                    break
                out.write(block)
                bar.update(len(block))
        if total is not None and part.stat().st_size < total:
            raise http.client.IncompleteRead(b"", total - part.stat().st_size)


def download_file(
    url: str,
    dest: str | os.PathLike,
    md5: str | None = None,
    progress: bool = True,
    retries: int = 3,
    timeout: float = 60.0,
) -> Path:
    """Download ``url`` to ``dest`` atomically, resuming and checking ``md5``; returns ``dest``.

    An existing ``dest`` with the right MD5 (or any existing ``dest`` when
    ``md5`` is None) is returned without a download. A cut connection is
    resumed from the ``.part`` file up to ``retries`` times; if it still fails
    the ``.part`` file is kept so the next call resumes, and
    :class:`DownloadError` is raised.
    """
    dest = Path(dest)
    if md5 is not None and not re.fullmatch(r"[0-9a-fA-F]{32}", md5):
        raise ValueError(f"md5 must be 32 hex digits, got {md5!r}")
    md5 = md5.lower() if md5 else None
    if dest.exists() and (md5 is None or file_md5(dest) == md5):
        return dest  # already fetched, or placed here by hand
    if config.offline():
        raise _offline_error([(url, dest)])
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    with file_lock(dest.with_name(dest.name + ".lock")):
        if dest.exists():
            if md5 is None or file_md5(dest) == md5:
                return dest
            dest.unlink()
        for attempt in range(retries + 1):
            try:
                _transfer(url, part, progress, timeout)
                break
            except (http.client.HTTPException, ConnectionError, TimeoutError) as err:
                if attempt == retries:
                    raise DownloadError(
                        f"download of {url} failed after {retries + 1} attempts ({err!r}); "
                        f"{part} is kept and the next call resumes it"
                    ) from err
                time.sleep(min(2**attempt, 10) * 0.1)
            except urllib.error.URLError as err:
                raise DownloadError(f"could not download {url} to {dest}: {err}") from err
        actual = file_md5(part)
        if md5 is not None and actual != md5:
            part.unlink()
            raise ChecksumError(
                f"checksum mismatch for {url}: expected MD5 {md5}, got {actual}; "
                f"the download was deleted"
            )
        sha256 = _digest(part, "sha256")
        dest.with_name(dest.name + ".sha256").write_text(f"{sha256}  {dest.name}\n")
        os.replace(part, dest)
    return dest


def google_drive_url(file_id: str, timeout: float = 60.0) -> str:
    """The direct download URL of a public Google Drive file, past the virus-scan page.

    Small files come at once; large ones first answer with an HTML page whose
    form (or, formerly, a ``download_warning`` cookie) carries a ``confirm`` token.
    """
    if not re.fullmatch(r"[A-Za-z0-9_-]{10,}", file_id or ""):
        raise ValueError(f"file_id must be a Google Drive id, got {file_id!r}")
    if config.offline():
        raise _offline_error([(f"{GOOGLE_DRIVE_URL}?export=download&id={file_id}", Path("."))])
    url = f"{GOOGLE_DRIVE_URL}?{urllib.parse.urlencode({'export': 'download', 'id': file_id})}"
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Range": "bytes=0-0"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if "text/html" not in response.headers.get("Content-Type", ""):
                return response.url
            page = response.read().decode("utf-8", "replace")
            cookies = response.headers.get_all("Set-Cookie") or []
    except urllib.error.URLError as err:
        raise DownloadError(f"could not reach Google Drive for file {file_id}: {err}") from err
    return _confirmed_url(page, cookies, url, file_id)


def _confirmed_url(page: str, cookies: list[str], url: str, file_id: str) -> str:
    form = re.search(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', page, re.S)
    if form:
        fields = dict(re.findall(r'name="([^"]+)"\s+value="([^"]*)"', form.group(2)))
        if "confirm" in fields:
            action = urllib.parse.urljoin(url, html.unescape(form.group(1)))
            return f"{action}?{urllib.parse.urlencode(fields)}"
    for cookie in cookies:
        match = re.match(r"download_warning[^=]*=([^;]+)", cookie)
        if match:
            return f"{url}&confirm={match.group(1)}"
    match = re.search(r"confirm=([0-9A-Za-z_-]+)", page)
    if match:
        return f"{url}&confirm={match.group(1)}"
    raise DownloadError(
        f"Google Drive did not offer file {file_id} for download (quota exceeded or not "
        f"public?). Fetch it in a browser from https://drive.google.com/file/d/{file_id}"
    )


def _members(names: list[str], select: str | None) -> dict[str, str]:
    """Map archive member names to paths relative to the target, keeping those under ``select``."""
    chosen = {}
    for name in names:
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts:
            raise ValueError(f"archive member {name!r} would escape the target folder")
        if select is None:
            chosen[name] = str(path)
            continue
        depth = len(PurePosixPath(select).parts)
        head = "/".join(path.parts[:depth])
        if len(path.parts) > depth and fnmatch.fnmatchcase(head, select.rstrip("/")):
            chosen[name] = "/".join(path.parts[depth:])
    return chosen


def extract_archive(
    archive: str | os.PathLike, target: str | os.PathLike, select: str | None = None
) -> list[Path]:
    """Unpack a zip or tar ``archive`` into ``target`` atomically; returns the placed paths.

    ``select`` keeps only the members under a folder (``fnmatch`` pattern per
    component, e.g. ``"*/data"`` for GitHub's ``<repo>-<sha>/data``) and places
    them relative to it. Everything is extracted into a temporary folder beside
    ``target`` first; each top-level entry then replaces its namesake in
    ``target`` by a rename. A corrupt archive raises ``ValueError`` naming it
    and leaves ``target`` untouched.
    """
    archive, target = Path(archive), Path(target)
    target.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".extract-", dir=target))
    try:
        try:
            if zipfile.is_zipfile(archive):
                with zipfile.ZipFile(archive) as z:
                    bad = z.testzip()
                    if bad is not None:
                        raise zipfile.BadZipFile(f"bad CRC in member {bad}")
                    for name, rel in _members(z.namelist(), select).items():
                        if name.endswith("/"):
                            continue
                        out = tmp / rel
                        out.parent.mkdir(parents=True, exist_ok=True)
                        with z.open(name) as src, open(out, "wb") as dst:
                            shutil.copyfileobj(src, dst, CHUNK)
            elif tarfile.is_tarfile(archive):
                with tarfile.open(archive) as t:
                    files = {m.name: m for m in t.getmembers() if m.isfile()}
                    for name, rel in _members(list(files), select).items():
                        out = tmp / rel
                        out.parent.mkdir(parents=True, exist_ok=True)
                        with t.extractfile(files[name]) as src, open(out, "wb") as dst:
                            shutil.copyfileobj(src, dst, CHUNK)
            else:
                raise ValueError("neither a zip nor a tar file")
        except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, ValueError) as err:
            raise ValueError(f"archive {archive} is corrupt or unreadable: {err}") from err
        entries = sorted(tmp.iterdir())
        if not entries:
            raise ValueError(f"archive {archive} holds no files under {select!r}")
        placed = []
        for entry in entries:
            final = target / entry.name
            if final.exists():
                old = Path(tempfile.mkdtemp(prefix=".old-", dir=target))
                os.replace(final, old / entry.name)
                os.replace(entry, final)
                shutil.rmtree(old)
            else:
                os.replace(entry, final)
            placed.append(final)
        return placed
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass(frozen=True)
class Resource:
    """One official file of a dataset.

    ``url`` (or ``google_drive_id``) is fetched as ``filename``; ``md5`` is the
    published checksum. Archives are extracted into the dataset folder (at
    ``target``, keeping only ``select`` if given) and then deleted; plain files
    are stored at ``target`` (a path relative to the dataset folder).
    """

    url: str
    filename: str
    md5: str | None = None
    archive: bool = True
    select: str | None = None
    target: str = ""
    google_drive_id: str | None = None


def fetch(
    resources: Sequence[Resource],
    folder: str | os.PathLike,
    progress: bool = True,
    done: Callable[[], bool] | None = None,
) -> None:
    """Download and place a dataset's ``resources`` in ``folder``.

    A file already in its place (``folder/.downloads/<filename>`` for archives,
    ``folder/<target>`` otherwise), e.g. fetched by hand, is used as it is once
    its MD5 matches. Offline, raises :class:`OfflineError` at once listing the
    URL and destination of every file still missing. The SHA-256 of every file
    is appended to ``folder/SHA256SUMS``. Concurrent fetches of one dataset
    serialise on ``folder/.fetch.lock``; ``done()``, checked under the lock,
    tells a later one that an earlier one already completed the dataset.
    """
    folder = Path(folder)
    places = {
        r: folder / ".downloads" / r.filename if r.archive else folder / r.target for r in resources
    }
    missing = [r for r in resources if not places[r].exists()]
    if config.offline() and missing:
        raise _offline_error([(r.url, places[r]) for r in missing])
    with file_lock(folder / ".fetch.lock"):
        if done is not None and done():
            return
        for resource in resources:
            url = resource.url
            if resource.google_drive_id and not places[resource].exists():
                url = google_drive_url(resource.google_drive_id)
            path = download_file(url, places[resource], resource.md5, progress)
            with open(folder / "SHA256SUMS", "a") as sums:
                sums.write(f"{_digest(path, 'sha256')}  {resource.filename}\n")
            if resource.archive:
                extract_archive(path, folder / resource.target, resource.select)
                path.unlink()
                path.with_name(path.name + ".sha256").unlink(missing_ok=True)

"""Downloads a student can recover from, and one switch that sends them all to a mirror.

**Files.** :func:`download_file` streams to ``<dest>.part`` with a ``tqdm`` bar,
verifies the MD5, then renames the ``.part`` file to ``dest`` and writes its
SHA-256 beside it (``<dest>.sha256``, ``sha256sum`` format). Two processes (or
threads) fetching the same file serialise on ``<dest>.lock``; the second finds
the file done. A download that failed half-way keeps its ``.part`` file, and the
next call resumes it with an HTTP ``Range`` request.

**Retries.** Connection errors, timeouts, transfers cut short and HTTP 429 or
5xx answers are retried ``retries`` times with exponential backoff
(:data:`BACKOFF_S` doubled each time, at most :data:`MAX_BACKOFF_S`; a
``Retry-After`` header is honoured), resuming from the ``.part`` file. Any
other 4xx answer fails at once: trying again would not change it.

**Checksums and files placed by hand.** A wrong MD5 on a fresh download deletes
it and raises :class:`~saliency_course.errors.ChecksumError` (expected and
actual hash). A file already at ``dest`` is used when its MD5 matches. If it
does not, and ``<dest>.sha256`` shows that this module downloaded it (e.g. from
the mirror), it is downloaded again. Otherwise it was placed by hand: it is
never deleted; ``ChecksumError`` names both hashes and how to accept the file on
purpose, ``verify=False`` or ``SALIENCY_COURSE_VERIFY=0`` (a warning then names
both hashes).

**Google Drive.** :func:`download_google_drive` asks Drive for the file, follows
its virus-scan page (the ``download-form`` with ``id``, ``export``, ``confirm``,
``uuid`` fields, or older cookie and link tokens) and downloads it like any
other file. When Drive refuses it (quota exceeded),
:class:`~saliency_course.errors.DriveQuotaError` names the page to download it
from in a browser and the exact path to put it at. This client is used, not
``gdown``: gdown recognises Drive only at ``drive.google.com`` and rewrites every
Drive id to that host, so it cannot run its Drive logic against the mirror (it
saved the mirror's confirm page as the file), and it keeps neither the ``.part``
resume and lock rules nor the MD5 check of this module.

**Archives.** :func:`extract_archive` unpacks a zip or tar into an
``.extract-*`` folder beside the target and renames the result into place, so
an interrupted extraction leaves nothing half-written. A lock file
``.extract-*.lock`` held while it works marks the folder as ours; the next call
deletes such folders whose lock no live process holds (a killed run), and never
touches another folder. :func:`fetch` combines both for a dataset's official
files (:class:`Resource`); an archive without a published MD5 that fails to
extract was most likely damaged in transit, so it is deleted (the message says
so) and the next call downloads it again; one placed by hand is kept.

**Offline.** With ``SALIENCY_COURSE_OFFLINE=1`` every download raises
:class:`~saliency_course.errors.OfflineError` at once, naming what to fetch by
hand and where to put it; the only exception is a mirror on the loopback
interface (below), which is not the internet.

**The mirror** (rehearsal only). ``SALIENCY_COURSE_MIRROR=http://127.0.0.1:PORT``
sends every request of this module, redirects included, to a local mirror:
:func:`mirrored_url` maps ``https://host[:port]/path?query`` to
``<mirror>/host[:port]/path?query`` (scheme and fragment dropped, query kept
verbatim). So the mirror serves, for example,
``<mirror>/github.com/<owner>/<repo>/archive/<sha>.zip``,
``<mirror>/download.pytorch.org/models/vgg16-397923af.pth``, and for a Google
Drive id ``ID`` the real Drive exchange: ``<mirror>/drive.google.com/uc?export=
download&id=ID`` answers with the file or with the virus-scan page, whose form
points at ``https://drive.usercontent.google.com/download`` (mirrored to
``<mirror>/drive.usercontent.google.com/download?id=ID&export=download&confirm=
...&uuid=...``, which answers with the file). The mirror's files are not the
real ones, so under the mirror the production MD5s are never consulted: the
expected checksums come from the mirror's manifest, the local JSON file named by
``SALIENCY_COURSE_MIRROR_MANIFEST`` or else ``<mirror>/manifest.json``::

    {"files": {"<original URL>": {"md5": "<32 hex>", "sha256": "<64 hex, optional>"}}}

keyed by the original URL a caller passes (a Drive file by :func:`drive_url`).
A URL with a production MD5 but no manifest entry is an error; without the
mirror nothing reads the manifest. When the mirror is on the loopback
interface, ``SALIENCY_COURSE_OFFLINE=1`` does not block these downloads, so a
rehearsal keeps it set to catch any code path that would reach the internet
around this module.
"""

from __future__ import annotations

import contextlib
import email.utils
import fcntl
import fnmatch
import hashlib
import html.parser
import http.client
import ipaddress
import json
import os
import re
import shutil
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TypeVar

from tqdm.auto import tqdm

from .. import config
from ..errors import ChecksumError, DownloadError, DriveQuotaError, OfflineError

GOOGLE_DRIVE_URL = "https://drive.google.com/uc"
CHUNK = 1 << 20
USER_AGENT = f"saliency-course (+{config.REPOSITORY})"
MIRROR_ENV = "SALIENCY_COURSE_MIRROR"
MANIFEST_ENV = "SALIENCY_COURSE_MIRROR_MANIFEST"
VERIFY_ENV = "SALIENCY_COURSE_VERIFY"
BACKOFF_S = 1.0  # first retry delay; doubled on each further attempt
MAX_BACKOFF_S = 60.0  # no single wait (Retry-After included) is longer
_sleep = time.sleep  # the wait between attempts (tests record it)

T = TypeVar("T")


def file_md5(path: str | Path) -> str:
    """MD5 hex digest of a file."""
    return _digest(path, "md5")


def _digest(path: str | Path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


# --- the mirror switch ------------------------------------------------------------------


def mirror() -> str | None:
    """The mirror's base URL from ``$SALIENCY_COURSE_MIRROR`` (no trailing slash), or None."""
    base = os.environ.get(MIRROR_ENV, "").strip().rstrip("/")
    if not base:
        return None
    parts = urllib.parse.urlsplit(base)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query:
        raise ValueError(
            f"{MIRROR_ENV} must be an http(s) URL such as http://127.0.0.1:8000, got {base!r}"
        )
    return base


def mirrored_url(url: str) -> str:
    """``url`` as served by the mirror: ``<mirror>/<host[:port]>/<path>?<query>``.

    The identity when ``$SALIENCY_COURSE_MIRROR`` is unset, and for a URL
    already on the mirror.
    """
    base = mirror()
    if base is None or url.startswith(base + "/"):
        return url
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"url must be an http(s) URL, got {url!r}")
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    return f"{base}/{host}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")


def _is_loopback(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def downloads_blocked() -> bool:
    """True when ``SALIENCY_COURSE_OFFLINE=1`` forbids downloads (not from a loopback mirror)."""
    if not config.offline():
        return False
    base = mirror()
    return base is None or not _is_loopback(base)


def mirror_manifest() -> dict[str, dict]:
    """The mirror manifest's ``files`` mapping (original URL -> ``{"md5", "sha256"}``)."""
    path = os.environ.get(MANIFEST_ENV, "").strip()
    source = path or f"{mirror()}/manifest.json"
    try:
        if path:
            text = Path(path).read_text()
        else:
            with _open(source, timeout=30.0) as response:
                text = response.read().decode("utf-8")
        files = json.loads(text).get("files")
    except (OSError, ValueError, AttributeError) as err:
        raise DownloadError(f"could not read the mirror manifest {source}: {err}") from err
    if not isinstance(files, dict):
        raise DownloadError(
            f"the mirror manifest {source} must be a JSON object with a 'files' mapping "
            f'(original URL -> {{"md5": ...}}), got {text[:80]!r}'
        )
    return files


def expected_checksums(url: str, md5: str | None) -> tuple[str | None, str | None]:
    """``(md5, sha256)`` a download of ``url`` must have (either may be None).

    Without the mirror: the production ``md5``. Under the mirror: the manifest's
    entry for ``url``, never the production MD5; a URL with a production MD5 but
    no entry raises :class:`DownloadError`.
    """
    md5 = _valid_md5(md5, "md5")
    if mirror() is None:
        return md5, None
    entry = mirror_manifest().get(url)
    if entry is None:
        if md5 is None:
            return None, None
        raise DownloadError(
            f"the mirror manifest has no checksum for {url} (under {MIRROR_ENV} the production "
            "MD5 is never used): rebuild the mirror so that its manifest lists this URL"
        )
    sha256 = entry.get("sha256")
    if sha256 is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", str(sha256)):
        raise DownloadError(
            f"the mirror manifest's sha256 of {url} must be 64 hex digits, got {sha256!r}"
        )
    return _valid_md5(entry.get("md5"), f"mirror manifest md5 of {url}"), sha256 and sha256.lower()


def _valid_md5(md5: str | None, name: str) -> str | None:
    if md5 is not None and not re.fullmatch(r"[0-9a-fA-F]{32}", str(md5)):
        raise ValueError(f"{name} must be 32 hex digits, got {md5!r}")
    return md5.lower() if md5 else None


# --- HTTP with retries ------------------------------------------------------------------


class _MirroredRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects through :func:`mirrored_url`, so the mirror never leads outside."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return super().redirect_request(req, fp, code, msg, headers, mirrored_url(newurl))


_OPENER = urllib.request.build_opener(_MirroredRedirects)


def _open(url: str, timeout: float, headers: dict[str, str] | None = None):
    request = urllib.request.Request(
        mirrored_url(url), headers={"User-Agent": USER_AGENT, **(headers or {})}
    )
    return _OPENER.open(request, timeout=timeout)


def _retry_after(err: urllib.error.HTTPError) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (a number or an HTTP date), or None."""
    value = (err.headers.get("Retry-After") or "").strip() if err.headers else ""
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _retrying(action: Callable[[], T], what: str, retries: int, progress: bool, kept: str) -> T:
    """Run ``action``; retry connection errors and HTTP 429/5xx with backoff.

    ``what`` names the transfer (URL and destination) in messages; ``kept`` says
    what stays for the next call when every attempt failed.
    """
    if not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be a non-negative int, got {retries!r}")
    for attempt in range(retries + 1):
        try:
            return action()
        except urllib.error.HTTPError as err:
            err.close()
            if err.code != 429 and not 500 <= err.code < 600:
                raise DownloadError(
                    f"{what}: HTTP {err.code} {err.reason}. Not retried: a {err.code} answer does "
                    "not change by asking again (wrong address, file gone or access denied)"
                ) from err
            error, delay = err, _retry_after(err)
        except (
            urllib.error.URLError,
            http.client.HTTPException,
            ConnectionError,
            TimeoutError,
        ) as err:
            error, delay = err, None
        if attempt == retries:
            raise DownloadError(
                f"{what} failed after {retries + 1} attempts ({error}){kept}"
            ) from error
        delay = min(BACKOFF_S * 2**attempt if delay is None else delay, MAX_BACKOFF_S)
        if progress:
            tqdm.write(f"{what}: {error}; retrying in {delay:.0f} s ({attempt + 1}/{retries})")
        _sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _transfer(
    url: str, part: Path, progress: bool, timeout: float, on_html: Callable[[str], None] | None
) -> None:
    """Append the rest of ``url`` to ``part`` (restarting if the server ignores Range).

    ``on_html``, when given, receives an HTML answer instead of saving it (and raises).
    """
    start = part.stat().st_size if part.exists() else 0
    try:
        response = _open(url, timeout, {"Range": f"bytes={start}-"} if start else None)
    except urllib.error.HTTPError as err:
        if err.code != 416 or not start:
            raise
        err.close()
        part.unlink()  # the .part is not a prefix the server recognises: start over
        start = 0
        response = _open(url, timeout)
    with response:
        if on_html is not None and "text/html" in response.headers.get("Content-Type", ""):
            on_html(response.read(CHUNK).decode("utf-8", "replace"))
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


# --- files ------------------------------------------------------------------------------


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


def _verify_enabled(verify: bool | None) -> bool:
    if verify is not None:
        return bool(verify)
    return os.environ.get(VERIFY_ENV, "1").strip().lower() not in {"0", "false", "no", "off"}


def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def downloaded_here(path: str | Path) -> bool:
    """True when ``path`` is a file this module downloaded and nobody changed since.

    Its ``<path>.sha256`` (written after each download) must name its current
    SHA-256; a file placed by hand has no such record.
    """
    path = Path(path)
    try:
        recorded = _marker(path).read_text().split()[0]
    except (OSError, IndexError):
        return False
    return path.is_file() and recorded == _digest(path, "sha256")


def _mismatch(path: Path, md5: str | None, sha256: str | None) -> str | None:
    """None when ``path`` has the expected hashes, else "expected ..., got ..."."""
    problems = []
    if md5 is not None and (actual := file_md5(path)) != md5:
        problems.append(f"expected MD5 {md5}, got {actual}")
    if sha256 is not None and (actual := _digest(path, "sha256")) != sha256:
        problems.append(f"expected SHA-256 {sha256}, got {actual}")
    return "; ".join(problems) or None


def _usable(dest: Path, url: str, md5: str | None, sha256: str | None, verify: bool) -> bool:
    """Whether the existing ``dest`` can be used; False when it is our own stale download.

    A file placed by hand with the wrong checksum raises :class:`ChecksumError`
    (unless ``verify`` is off) and is never deleted.
    """
    problem = _mismatch(dest, md5, sha256)
    if problem is None:
        return True
    if not verify:
        warnings.warn(
            f"{dest}: {problem} (source {url}); used anyway because checksum verification "
            f"is off (verify=False or {VERIFY_ENV}=0)",
            stacklevel=3,
        )
        return True
    if downloaded_here(dest):
        return False
    raise ChecksumError(
        f"{dest} has the wrong checksum: {problem} (source {url}). It was not downloaded here, "
        f"so it is kept. If it is the file you mean to use, accept it with verify=False or "
        f"{VERIFY_ENV}=0; otherwise delete it and run again to download it."
    )


def _download(
    url: str,
    dest: Path,
    md5: str | None,
    progress: bool,
    retries: int,
    timeout: float,
    verify: bool | None,
    resolve: Callable[[], str] | None = None,
    on_html: Callable[[str], None] | None = None,
) -> Path:
    """:func:`download_file` for ``url``; ``resolve()`` gives the address to fetch, if not url."""
    md5 = _valid_md5(md5, "md5")
    verify = _verify_enabled(verify)
    if dest.exists():
        if md5 is None:
            return dest  # no checksum is published: whatever is there is used
        if _usable(dest, url, *expected_checksums(url, md5), verify):
            return dest
    if downloads_blocked():
        raise _offline_error([(url, dest)])
    want_md5, want_sha256 = expected_checksums(url, md5)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    via = f" (from the mirror {mirror()})" if mirror() else ""
    with file_lock(dest.with_name(dest.name + ".lock")):
        if dest.exists() and (md5 is None or _usable(dest, url, want_md5, want_sha256, verify)):
            return dest
        source = resolve() if resolve is not None else url
        _retrying(
            lambda: _transfer(source, part, progress, timeout, on_html),
            f"download of {url}{via} to {dest}",
            retries,
            progress,
            kept=f"; {part} is kept and the next call resumes it",
        )
        problem = _mismatch(part, want_md5, want_sha256)
        if problem is not None:
            if verify:
                part.unlink()
                raise ChecksumError(
                    f"checksum mismatch for {url}{via}: {problem}; the download was deleted"
                )
            warnings.warn(
                f"{url}: {problem}; kept at {dest} because checksum verification is off",
                stacklevel=3,
            )
        sha256 = _digest(part, "sha256")
        os.replace(part, dest)
        marker = _marker(dest)
        tmp_marker = marker.with_name(marker.name + ".part")
        tmp_marker.write_text(f"{sha256}  {dest.name}\n")
        os.replace(tmp_marker, marker)
    return dest


def download_file(
    url: str,
    dest: str | os.PathLike,
    md5: str | None = None,
    progress: bool = True,
    retries: int = 3,
    timeout: float = 60.0,
    verify: bool | None = None,
) -> Path:
    """Download ``url`` to ``dest`` atomically, resuming, retrying and checking ``md5``.

    Returns ``dest``. An existing ``dest`` with the right MD5 (or any existing
    ``dest`` when ``md5`` is None) is returned without a download. Failures
    that may pass (connection errors, HTTP 429/5xx, a cut transfer) are retried
    ``retries`` times with backoff; if all fail, the ``.part`` file is kept so the
    next call resumes, and :class:`DownloadError` is raised. ``verify=False``
    (or ``SALIENCY_COURSE_VERIFY=0``; None reads it) accepts a file whose MD5 is
    wrong, with a warning. See the module docstring for files placed by hand
    and for the mirror.
    """
    return _download(url, Path(dest), md5, progress, retries, timeout, verify)


# --- Google Drive -----------------------------------------------------------------------


def drive_url(file_id: str) -> str:
    """The download address of a public Google Drive file (mirror manifests use it as key)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{10,}", file_id or ""):
        raise ValueError(f"file_id must be a Google Drive id, got {file_id!r}")
    return f"{GOOGLE_DRIVE_URL}?{urllib.parse.urlencode({'export': 'download', 'id': file_id})}"


class _DrivePage(html.parser.HTMLParser):
    """What a Drive HTML answer holds: the virus-scan form and any error caption."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.error = ""
        self._in_form = self._in_error = False
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "form" and attributes.get("id") == "download-form":
            self.action, self._in_form = attributes.get("action", ""), True
        elif tag == "input" and self._in_form and attributes.get("type") == "hidden":
            if attributes.get("name"):
                self.fields[attributes["name"]] = attributes.get("value", "")
        elif "uc-error-subcaption" in attributes.get("class", "").split():
            self._in_error = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "p":
            self._in_error = False

    def handle_data(self, data: str) -> None:
        if self._in_error:
            self.error += data


QUOTA_TEXT = "Too many users have viewed or downloaded this file recently"


def _drive_refusal(page: str, file_id: str, dest: Path | None) -> DownloadError:
    """The error for a Drive HTML page that offers no download: quota, or not public."""
    reason = " ".join(_DrivePage(page).error.split()) or None
    browser = f"https://drive.google.com/file/d/{file_id}/view"
    where = f"put it at {dest}" if dest is not None else "put it where the dataset expects it"
    if QUOTA_TEXT.lower() in page.lower() or "quota" in (reason or "").lower():
        return DriveQuotaError(
            f"Google Drive refuses file {file_id} for now: {reason or QUOTA_TEXT}. Download it "
            f"in a browser from {browser}, {where}, and run again. If the browser refuses too, "
            "try again later (Drive lifts the limit within 24 hours), or use 'Make a copy' in "
            "Drive and download the copy."
        )
    return DownloadError(
        f"Google Drive did not offer file {file_id} for download ({reason or 'not public?'}). "
        f"Download it in a browser from {browser}, {where}, and run again."
    )


def _confirmed_url(page: str, cookies: list[str], url: str, file_id: str, dest: Path | None) -> str:
    """The address past Drive's virus-scan page ``page`` (answer to ``url``)."""
    parsed = _DrivePage(page)
    if parsed.action is not None and "confirm" in parsed.fields:
        action = urllib.parse.urljoin(url, parsed.action)
        query = urllib.parse.parse_qsl(urllib.parse.urlsplit(action).query) + list(
            parsed.fields.items()
        )
        return action.split("?")[0] + "?" + urllib.parse.urlencode(query)
    for cookie in cookies:  # Drive's answer before 2024
        match = re.match(r"download_warning[^=]*=([^;]+)", cookie)
        if match:
            return f"{url}&confirm={match.group(1)}"
    match = re.search(r"confirm=([0-9A-Za-z_-]+)", page)  # a "download anyway" link
    if match:
        return f"{url}&confirm={match.group(1)}"
    raise _drive_refusal(page, file_id, dest)


def _resolve_drive(
    file_id: str, dest: Path | None, timeout: float, retries: int, progress: bool
) -> str:
    url = drive_url(file_id)

    def ask() -> str:
        try:
            response = _open(url, timeout, {"Range": "bytes=0-0"})
        except urllib.error.HTTPError as err:
            body = err.read().decode("utf-8", "replace") if err.fp is not None else ""
            if QUOTA_TEXT.lower() in body.lower():
                raise _drive_refusal(body, file_id, dest) from err
            raise
        with response:
            if "text/html" not in response.headers.get("Content-Type", ""):
                return response.geturl()
            page = response.read().decode("utf-8", "replace")
            cookies = response.headers.get_all("Set-Cookie") or []
            return _confirmed_url(page, cookies, response.geturl(), file_id, dest)

    target = f" for {dest}" if dest is not None else ""
    return _retrying(ask, f"asking Google Drive for {url}{target}", retries, progress, kept="")


def google_drive_url(file_id: str, timeout: float = 60.0) -> str:
    """The direct download address of a public Google Drive file, past the virus-scan page."""
    url = drive_url(file_id)
    if downloads_blocked():
        raise _offline_error([(url, Path("."))])
    return _resolve_drive(file_id, None, timeout, retries=3, progress=False)


def download_google_drive(
    file_id: str,
    dest: str | os.PathLike,
    md5: str | None = None,
    progress: bool = True,
    retries: int = 3,
    timeout: float = 60.0,
    verify: bool | None = None,
) -> Path:
    """Download the public Google Drive file ``file_id`` to ``dest``, like :func:`download_file`.

    Drive is asked only when a transfer is needed. A Drive page instead of the
    file (quota exceeded, not public) raises :class:`DriveQuotaError` or
    :class:`DownloadError` naming the browser page and ``dest``.
    """
    dest = Path(dest)

    def refuse(page: str) -> None:
        raise _drive_refusal(page, file_id, dest)

    return _download(
        drive_url(file_id),
        dest,
        md5,
        progress,
        retries,
        timeout,
        verify,
        resolve=lambda: _resolve_drive(file_id, dest, timeout, retries, progress),
        on_html=refuse,
    )


# --- archives ---------------------------------------------------------------------------


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


@contextlib.contextmanager
def _work_dir(target: Path) -> Iterator[Path]:
    """A fresh ``.extract-*`` folder in ``target``, marked ours by a lock file held beside it."""
    fd, name = tempfile.mkstemp(prefix=".extract-", suffix=".lock", dir=target)
    lock = Path(name)
    work = lock.with_suffix("")
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        work.mkdir()
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)
        lock.unlink(missing_ok=True)
        os.close(fd)


def remove_stale_work_dirs(target: str | os.PathLike) -> list[Path]:
    """Delete the ``.extract-*`` folders a killed extraction left in ``target``; returns them.

    Only a folder with an ``.extract-*.lock`` beside it that no live process
    holds is ours and stale; any other folder is left alone.
    """
    removed = []
    for lock in sorted(Path(target).glob(".extract-*.lock")):
        try:
            fd = os.open(lock, os.O_RDWR)
        except FileNotFoundError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # an extraction at work
            work = lock.with_suffix("")
            if work.is_dir():
                shutil.rmtree(work)
                removed.append(work)
            lock.unlink(missing_ok=True)
        finally:
            os.close(fd)
    return removed


def _unpack(archive: Path, out: Path, select: str | None) -> None:
    """Write the (selected) members of a zip or tar ``archive`` under ``out``."""
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z:
            bad = z.testzip()
            if bad is not None:
                raise zipfile.BadZipFile(f"bad CRC in member {bad}")
            for name, rel in _members(z.namelist(), select).items():
                if name.endswith("/"):
                    continue
                path = out / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                with z.open(name) as src, open(path, "wb") as dst:
                    shutil.copyfileobj(src, dst, CHUNK)
    elif tarfile.is_tarfile(archive):
        with tarfile.open(archive) as t:
            files = {m.name: m for m in t.getmembers() if m.isfile()}
            for name, rel in _members(list(files), select).items():
                path = out / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                with t.extractfile(files[name]) as src, open(path, "wb") as dst:
                    shutil.copyfileobj(src, dst, CHUNK)
    else:
        raise ValueError("neither a zip nor a tar file")


def extract_archive(
    archive: str | os.PathLike, target: str | os.PathLike, select: str | None = None
) -> list[Path]:
    """Unpack a zip or tar ``archive`` into ``target`` atomically; returns the placed paths.

    ``select`` keeps only the members under a folder (``fnmatch`` pattern per
    component, e.g. ``"*/data"`` for GitHub's ``<repo>-<sha>/data``) and places
    them relative to it. Everything is extracted into an ``.extract-*`` folder
    in ``target`` first; each top-level entry then replaces its namesake in
    ``target`` by a rename. Folders a killed earlier run left there are deleted
    first (see :func:`remove_stale_work_dirs`). A corrupt archive raises
    ``ValueError`` naming it and leaves ``target`` untouched.
    """
    archive, target = Path(archive), Path(target)
    target.mkdir(parents=True, exist_ok=True)
    remove_stale_work_dirs(target)
    with _work_dir(target) as work:
        new, old = work / "new", work / "old"
        new.mkdir()
        old.mkdir()
        try:
            _unpack(archive, new, select)
        except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, ValueError) as err:
            raise ValueError(f"archive {archive} is corrupt or unreadable: {err}") from err
        entries = sorted(new.iterdir())
        if not entries:
            raise ValueError(f"archive {archive} holds no files under {select!r}")
        placed = []
        for entry in entries:
            final = target / entry.name
            if final.exists() or final.is_symlink():
                os.replace(final, old / entry.name)
            os.replace(entry, final)
            placed.append(final)
        return placed


# --- datasets ---------------------------------------------------------------------------


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


def _extract_resource(path: Path, resource: Resource, folder: Path) -> None:
    """Extract ``resource``'s archive at ``path``; a damaged download without MD5 is deleted."""
    try:
        extract_archive(path, folder / resource.target, resource.select)
    except ValueError as err:
        if resource.md5 is None and downloaded_here(path):
            path.unlink()
            _marker(path).unlink(missing_ok=True)
            raise ValueError(
                f"{err}. No MD5 is published for {resource.filename}, so the download was most "
                f"likely damaged in transit: {path} was deleted, and the next call downloads it "
                "again."
            ) from err
        raise ValueError(
            f"{err}. {path} is kept: it was placed by hand or has the published MD5; replace it "
            f"with a good copy of {resource.url}."
        ) from err


def fetch(
    resources: Sequence[Resource],
    folder: str | os.PathLike,
    progress: bool = True,
    done: Callable[[], bool] | None = None,
    verify: bool | None = None,
) -> None:
    """Download and place a dataset's ``resources`` in ``folder``.

    A file already in its place (``folder/.downloads/<filename>`` for archives,
    ``folder/<target>`` otherwise), e.g. fetched by hand, is used as it is once
    its MD5 matches (``verify`` as in :func:`download_file`). Offline, raises
    :class:`OfflineError` at once listing the URL and destination of every file
    still missing. The SHA-256 of every file is appended to
    ``folder/SHA256SUMS``. Concurrent fetches of one dataset serialise on
    ``folder/.fetch.lock``; ``done()``, checked under the lock, tells a later one
    that an earlier one already completed the dataset.
    """
    folder = Path(folder)
    places = {
        r: folder / ".downloads" / r.filename if r.archive else folder / r.target for r in resources
    }
    missing = [r for r in resources if not places[r].exists()]
    if downloads_blocked() and missing:
        raise _offline_error([(r.url, places[r]) for r in missing])
    with file_lock(folder / ".fetch.lock"):
        if done is not None and done():
            return
        for resource in resources:
            if resource.google_drive_id:
                path = download_google_drive(
                    resource.google_drive_id,
                    places[resource],
                    resource.md5,
                    progress,
                    verify=verify,
                )
            else:
                path = download_file(
                    resource.url, places[resource], resource.md5, progress, verify=verify
                )
            with open(folder / "SHA256SUMS", "a") as sums:
                sums.write(f"{_digest(path, 'sha256')}  {resource.filename}\n")
            if resource.archive:
                _extract_resource(path, resource, folder)
                path.unlink()
                _marker(path).unlink(missing_ok=True)

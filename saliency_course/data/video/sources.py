"""Where the video datasets come from, and the errors that say how to get them.

DHF1K (W. Wang et al., CVPR 2018), its UCF Sports and its Hollywood-2 release
(eye movements of S. Mathe and C. Sminchisescu, IEEE TPAMI 37, 2015) are shared
as Google Drive folders without file ids or checksums, so they are downloaded
by hand. Two public GitHub repositories hold unchanged copies of a part of
them, which :func:`fetch_github` downloads file by file from
``raw.githubusercontent.com`` at a pinned commit and checks against the SHA-256
table of :mod:`.checksums`:

* DHF1K video 002, the raw SMI files of its 17 observers and ``frame_list.npy``
  (:data:`DHF1K_GITHUB`, Lu-Hsuan/DHF1K_fixation_visualization);
* the UCF Sports clip Diving-Side-001: frames, fixation maps and maps
  (:data:`UCF_SPORTS_GITHUB`, arsalasif/SalAR).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import urllib.parse
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ... import config
from ...errors import ChecksumError, DownloadError, OfflineError
from ..files import missing_files_error
from . import checksums

DHF1K_DRIVE_FOLDER = "https://drive.google.com/drive/folders/1sW0tf9RQMO4RR7SyKhU8Kmbm4jwkFGpQ"
#: The folder the official README gives now (wenguanwang/DHF1K, commit 35570c7); 74.6 GB.
HOLLYWOOD_DRIVE_FOLDER = "https://drive.google.com/drive/folders/1eCNcRSInK7GGNxXF60yeU7LqiRgRKO4r"
#: Base of every GitHub file URL (read at call time, so a test may point it at a local server).
GITHUB_RAW = "https://raw.githubusercontent.com"
#: Offline errors list this many files one by one, then say where the rest go.
_LISTED = 20


def manual_download_error(
    dataset: str, folder: Path, url: str, layout: str, extra: str = ""
) -> DownloadError:
    """The error for files that only a person can download (offline: an ``OfflineError``)."""
    message = (
        f"{dataset} is shared only as a Google Drive folder ({url}) whose files have no "
        f"published ids or checksums, so it cannot be fetched automatically. Download it by "
        f"hand and unpack it so that {folder} holds {layout}." + (f" {extra}" if extra else "")
    )
    return OfflineError(message) if config.offline() else DownloadError(message)


def require_folder(
    dataset: str, folder: Path, download: bool, url: str, layout: str, extra: str = ""
) -> None:
    """If ``folder`` is absent: the missing-files error (``download=False``), else manual."""
    if folder.is_dir():
        return
    if not download:
        raise missing_files_error(
            dataset,
            [folder],
            hint=f"Put the official files there ({layout}); see {url}. {extra}".strip(),
        )
    raise manual_download_error(dataset, folder, url, layout, extra)


@dataclass(frozen=True)
class PinnedFile:
    """One file of a :class:`GitHubSource`: its path below the source folder, size and SHA-256."""

    path: str
    size: int
    sha256: str


def parse_table(table: str) -> tuple[PinnedFile, ...]:
    """The files of a checksum table (see :func:`render_table` for its format)."""
    files, folder = [], None
    for number, line in enumerate(table.splitlines(), start=1):
        if not line.strip():
            continue
        if line.endswith("/"):
            folder = line[:-1]
            continue
        parts = line.split()
        if folder is None or len(parts) != 3 or len(parts[0]) != 64:
            raise ValueError(f"checksum table line {number}: expected '<sha256> <size> <name>'")
        sha256, size, name = parts
        path = name if folder == "." else f"{folder}/{name}"
        files.append(PinnedFile(path, int(size), sha256))
    return tuple(files)


def render_table(folder: str | os.PathLike, exclude: tuple[str, ...] = ("SOURCE.md",)) -> str:
    """The checksum table of every file below ``folder`` (but ``exclude``), sorted.

    One header line per directory (``<dir>/``, the top as ``./``), then one line
    per file in it: ``<sha256> <size in bytes> <name>``.
    """
    folder = Path(folder)
    by_dir: dict[str, list[str]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name not in exclude):
        rel = PurePosixPath(path.relative_to(folder).as_posix())
        line = f"{sha256_of(path)} {path.stat().st_size} {rel.name}"
        by_dir.setdefault(str(rel.parent), []).append(line)
    return "".join(f"{d}/\n" + "".join(f"{line}\n" for line in by_dir[d]) for d in sorted(by_dir))


@dataclass(frozen=True)
class GitHubSource:
    """Files of a public GitHub repository at one commit, placed below a dataset folder.

    ``folder`` is the directory of the repository that is copied (``""``: its
    root); its files go to ``target`` (relative to the dataset folder) under
    the same relative paths; ``table`` is their checksum table.
    """

    repo: str
    commit: str
    folder: str
    target: str
    table: str

    @property
    def files(self) -> tuple[PinnedFile, ...]:
        return parse_table(self.table)

    @property
    def size(self) -> int:
        """Bytes of all files."""
        return sum(f.size for f in self.files)

    def base_url(self) -> str:
        """The URL of the copied folder: ``<GITHUB_RAW>/<owner>/<repo>/<commit>[/<folder>]``."""
        return "/".join(p for p in (GITHUB_RAW, self.repo, self.commit, self.folder) if p)

    def url(self, file: PinnedFile) -> str:
        return f"{self.base_url()}/{urllib.parse.quote(file.path)}"

    def destination(self, dataset_folder: str | os.PathLike, file: PinnedFile) -> Path:
        return Path(dataset_folder) / self.target / file.path

    def missing(self, dataset_folder: str | os.PathLike) -> list[PinnedFile]:
        """The files not yet at their destination below ``dataset_folder``."""
        return [f for f in self.files if not self.destination(dataset_folder, f).is_file()]


DHF1K_GITHUB = GitHubSource(
    repo="Lu-Hsuan/DHF1K_fixation_visualization",
    commit="9f7945a9ca60ffcb9f76c1f5ac249606690d2fa6",
    folder="",
    target="",
    table=checksums.DHF1K_LU_HSUAN,
)
UCF_SPORTS_GITHUB = GitHubSource(
    repo="arsalasif/SalAR",
    commit="eee0855199233177df0fce80f2a0612b8774ac1f",
    folder="dataloaders/ucf/testing/Diving-Side-001",
    target="testing/Diving-Side-001",
    table=checksums.UCF_SPORTS_SALAR,
)


def sha256_of(path: str | os.PathLike) -> str:
    """SHA-256 hex digest of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_sha256(path: Path, expected: str, url: str) -> None:
    """Raise :class:`ChecksumError` and delete ``path`` unless its SHA-256 is ``expected``."""
    actual = sha256_of(path)
    if actual != expected:
        path.unlink()
        raise ChecksumError(
            f"checksum mismatch for {url}: expected SHA-256 {expected}, got {actual}; "
            f"the download {path} was deleted"
        )


def _offline_error(source: GitHubSource, dataset_folder: Path, files: list[PinnedFile]):
    pairs = [f"  {source.url(f)}\n    -> {source.destination(dataset_folder, f)}" for f in files]
    rest = len(files) - _LISTED
    more = (
        f"\n  ... and {rest} more: every file under {source.base_url()}/ goes to "
        f"{Path(dataset_folder) / source.target} under the same relative path"
        if rest > 0
        else ""
    )
    return OfflineError(
        f"offline ({config.OFFLINE_ENV}=1): cannot download {len(files)} files of "
        f"{source.repo} at commit {source.commit}. Fetch them by hand, put each file at the "
        f"path shown, and run again:\n" + "\n".join(pairs[:_LISTED]) + more
    )


def fetch_github(
    source: GitHubSource, dataset_folder: str | os.PathLike, progress: bool = True
) -> list[Path]:
    """Download the files of ``source`` missing below ``dataset_folder``; returns their paths.

    Each file is fetched from its raw URL into ``<dataset_folder>/.downloads/``,
    checked against its SHA-256 (a mismatch deletes it and raises
    :class:`ChecksumError`) and, once all are there, renamed into place, so a
    loader never sees a partial or unverified copy; an interrupted fetch
    keeps the verified files for the next call. Offline, raises
    :class:`OfflineError` naming every URL and destination. One bar shows the
    bytes over all files.
    """
    from tqdm.auto import tqdm

    from ..download import download_file, file_lock

    dataset_folder = Path(dataset_folder)
    missing = source.missing(dataset_folder)
    if not missing:
        return []
    if config.offline():
        raise _offline_error(source, dataset_folder, missing)
    with file_lock(dataset_folder / ".fetch.lock"):
        missing = source.missing(dataset_folder)
        staging = dataset_folder / ".downloads" / f"{source.repo.replace('/', '+')}@{source.commit}"
        with tqdm(
            total=sum(f.size for f in missing),
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc=f"{source.repo}@{source.commit[:7]}",
            disable=not progress,
        ) as bar:
            for file in missing:
                staged = staging / file.path
                if staged.is_file() and sha256_of(staged) != file.sha256:
                    staged.unlink()  # a leftover that is not the pinned file
                if not staged.is_file():
                    download_file(source.url(file), staged, progress=False)
                    staged.with_name(staged.name + ".sha256").unlink(missing_ok=True)
                    verify_sha256(staged, file.sha256, source.url(file))
                bar.update(file.size)
        placed = []
        for file in missing:
            destination = source.destination(dataset_folder, file)
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / file.path, destination)
            placed.append(destination)
        shutil.rmtree(staging)
        if not any((dataset_folder / ".downloads").iterdir()):
            (dataset_folder / ".downloads").rmdir()
    return placed

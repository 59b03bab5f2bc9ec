"""Where the video datasets come from, and the errors that say how to get them.

DHF1K (W. Wang et al., CVPR 2018), its UCF Sports and its Hollywood-2 release
(eye movements of S. Mathe and C. Sminchisescu, IEEE TPAMI 37, 2015) are shared
as Google Drive folders without file ids or checksums, so they are downloaded
by hand.
"""

from __future__ import annotations

from pathlib import Path

from ... import config
from ...errors import DownloadError, OfflineError
from ..files import missing_files_error

DHF1K_DRIVE_FOLDER = "https://drive.google.com/drive/folders/1sW0tf9RQMO4RR7SyKhU8Kmbm4jwkFGpQ"
HOLLYWOOD_DRIVE_FOLDER = "https://drive.google.com/open?id=1vfRKJloNSIczYEOVjB4zMK8r0k4VJuWk"


def manual_download_error(dataset: str, folder: Path, url: str, layout: str) -> DownloadError:
    """The error for files that only a person can download (offline: an ``OfflineError``)."""
    message = (
        f"{dataset} is shared only as a Google Drive folder ({url}) whose files have no "
        f"published ids or checksums, so it cannot be fetched automatically. Download it by "
        f"hand and unpack it so that {folder} holds {layout}."
    )
    return OfflineError(message) if config.offline() else DownloadError(message)


def require_folder(dataset: str, folder: Path, download: bool, url: str, layout: str) -> None:
    """If ``folder`` is absent: the missing-files error (``download=False``), else manual."""
    if folder.is_dir():
        return
    if not download:
        raise missing_files_error(
            dataset, [folder], hint=f"Put the official files there ({layout}); see {url}."
        )
    raise manual_download_error(dataset, folder, url, layout)

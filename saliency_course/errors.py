"""The package's own exceptions, so callers can tell its errors from others."""


class SaliencyCourseError(Exception):
    """Base class of every error this package raises on purpose."""


class DriveMountError(SaliencyCourseError):
    """Google Drive could not be mounted on Colab (``DATA_DIR = "drive"``)."""


class DownloadError(SaliencyCourseError, OSError):
    """A file could not be fetched, or it was fetched but is corrupt."""


class OfflineError(DownloadError):
    """A download was needed but the course runs offline (or the network is down).

    The message names what to fetch by hand and where to put it.
    """


class ChecksumError(DownloadError, ValueError):
    """A file does not have the checksum it should have.

    The message names the expected and the actual hash and, for a file placed
    by hand, how to accept it on purpose.
    """


class DriveQuotaError(DownloadError):
    """Google Drive refuses a file for now (its download quota is used up).

    The message names the page to download it from in a browser and the exact
    path to put it at.
    """

"""The package's own exceptions, so callers can tell its errors from others."""


class SaliencyCourseError(Exception):
    """Base class of every error this package raises on purpose."""


class DownloadError(SaliencyCourseError, OSError):
    """A file could not be fetched, or it was fetched but is corrupt."""


class OfflineError(DownloadError):
    """A download was needed but the course runs offline (or the network is down).

    The message names what to fetch by hand and where to put it.
    """


class ChecksumError(DownloadError, ValueError):
    """A downloaded file does not have the checksum it should have."""

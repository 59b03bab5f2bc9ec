"""Resource limits: the largest array built from a caller's size, and BLAS threads.

How large an array the package builds from a size the caller gives, before refusing:

A map of ``(100000, 100000)`` pixels or a Gaussian of sigma ``1e9`` pixels is
almost always a typo (degrees for pixels, a swapped argument). numpy would
try to allocate it and fail after a long wait with a ``MemoryError`` that
names nothing; :func:`check_array_size` refuses it at once with a
``ValueError`` that names the argument and the size it would take.

:func:`one_blas_thread` runs small matrix products on one BLAS thread: on a
machine whose cores are busy (a shared CI runner, parallel test workers)
OpenBLAS threads wait for each other, and a 128 x 128 product then takes
tens of times longer than on one thread.
"""

from __future__ import annotations

import math

__all__ = ["MAX_ARRAY_BYTES", "check_array_size", "one_blas_thread"]

_CONTROLLER = None

#: The largest single array (in bytes) built from a caller's sizes: 4 GiB.
MAX_ARRAY_BYTES = 4 * 2**30


def check_array_size(
    name: str, shape: tuple[int, ...], itemsize: int = 8, copies: int = 1, hint: str = ""
) -> None:
    """Raise ``ValueError`` when ``copies`` arrays of ``shape`` would exceed the limit.

    ``name`` is the argument (or result) the size comes from; ``hint`` says
    what the caller may have meant.
    """
    size = math.prod(int(n) for n in shape) * int(itemsize) * int(copies)
    if size > MAX_ARRAY_BYTES:
        dims = ", ".join(f"{int(n):,}" if n < 1e12 else f"{float(n):.3g}" for n in shape)
        raise ValueError(
            f"{name} would need {size / 2**30:,.4g} GiB ({copies} x ({dims}) of "
            f"{itemsize}-byte values), more than the {MAX_ARRAY_BYTES / 2**30:g} GiB this "
            f"package allocates at once" + (f"; {hint}" if hint else "")
        )


def one_blas_thread():
    """A context in which BLAS (numpy's matrix products) uses one thread."""
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")

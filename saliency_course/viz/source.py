"""Show the code of a package function or class inside a notebook, with where it lives.

In the manner of the "defined in" back-links of *Dive into Deep Learning*
(Zhang, Lipton, Li & Smola, d2l.ai): a notebook that calls a package
function can show its source in place, and the student learns which file of
``saliency_course`` to open to read more.
"""

from __future__ import annotations

import inspect
from pathlib import Path

__all__ = ["show_source"]

_PACKAGE = Path(__file__).resolve().parents[1]  # .../saliency_course


def _in_a_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def show_source(obj, highlight: bool | None = None) -> str:
    """Show the source of ``obj`` (a function, class or method of the package) and return it.

    The text starts with a one-line pointer, ``defined in `saliency_course/<path>.py`
    (line N)``. ``highlight`` (default: when running in a Jupyter kernel) shows
    the code syntax-highlighted through IPython; otherwise it is printed as
    plain text. Objects outside ``saliency_course`` or without Python source
    (a number, a dict, a built-in) raise ``ValueError``.
    """
    target = inspect.unwrap(obj) if callable(obj) else obj
    try:
        path = inspect.getsourcefile(target)
        lines, start = inspect.getsourcelines(target)
    except (TypeError, OSError):
        raise ValueError(
            f"obj must be a function, class or method with Python source, "
            f"got {type(obj).__name__} {obj!r:.60}"
        ) from None
    path = Path(path).resolve() if path else None
    if path is None or _PACKAGE not in path.parents:
        raise ValueError(
            f"obj must be defined in the saliency_course package, got {obj!r:.60} from {path}"
        )
    where = path.relative_to(_PACKAGE.parent).as_posix()
    pointer = f"defined in `{where}` (line {start})"
    code = "".join(lines)
    if highlight is None:
        highlight = _in_a_notebook()
    if highlight:
        from IPython.display import Code, Markdown, display

        display(Markdown(pointer))
        display(Code(code, language="python"))
    else:
        print(pointer)
        print(code)
    return f"{pointer}\n{code}"

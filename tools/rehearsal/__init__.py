"""The full-mode rehearsal (issue 13): a local mirror of every source, and a notebook runner.

* :mod:`.mirror` — the mirror's folder layout and its checksum manifest;
* :mod:`.sources` and :mod:`.weights` — one ``mirror_<source>`` function per
  dataset or weights file the course downloads, each writing the source's
  official format and archive layout from the real data in ``../shared/data``
  (weights hold random values);
* :mod:`.build` — builds a whole mirror (``tools/build_mirror.py``);
* :mod:`.server` — serves a mirror on 127.0.0.1, Google Drive's confirm page included;
* :mod:`.runner` — executes notebooks in full mode against it (``tools/rehearse.py``,
  ``make rehearse``).

The mirror imitates sources; its files are not the real files. Nothing here is
imported by the package or by a notebook.
"""

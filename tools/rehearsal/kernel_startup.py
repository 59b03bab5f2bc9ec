"""Rehearsal hooks that IPython runs in the notebook's kernel before its first cell.

The runner copies this file into the kernel's IPython profile
(``$IPYTHONDIR/profile_default/startup/``), so the executed notebook stays
exactly the course's notebook. It is not imported by anything else.

1. **Peak GPU memory.** A daemon thread keeps the largest
   ``torch.cuda.max_memory_allocated()`` seen (a notebook may reset the peak) and
   writes it, in MiB, to ``$REHEARSAL_STATS`` (JSON) every half second.
2. **Downloads that miss the mirror.** Every HTTP request made through urllib
   (the package's downloads, torch's hub) or requests (gdown) to a host other
   than the mirror is appended to ``$REHEARSAL_BYPASS``; the runner fails the
   notebook and names those URLs (the package's switch,
   ``saliency_course.data.download.mirrored_url``, should have sent them to the
   mirror).
"""

import json
import os
import sys
import threading
import time
import urllib.parse
import urllib.request


def _rehearsal_hooks() -> None:
    mirror = os.environ["SALIENCY_COURSE_MIRROR"].rstrip("/")
    mirror_split = urllib.parse.urlsplit(mirror)
    local = {mirror_split.hostname, "127.0.0.1", "localhost"}
    bypass_log = os.environ["REHEARSAL_BYPASS"]

    def note(what: str) -> None:
        with open(bypass_log, "a") as handle:
            handle.write(what + "\n")

    def record(url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme in ("http", "https") and parts.hostname not in local:
            note(url)

    open_url = urllib.request.OpenerDirector.open

    def patched_open(self, fullurl, *args, **kwargs):
        record(fullurl if isinstance(fullurl, str) else fullurl.full_url)
        return open_url(self, fullurl, *args, **kwargs)

    urllib.request.OpenerDirector.open = patched_open

    try:
        import requests.adapters
    except ImportError:
        pass
    else:
        send = requests.adapters.HTTPAdapter.send

        def patched_send(self, request, *args, **kwargs):
            record(request.url)
            return send(self, request, *args, **kwargs)

        requests.adapters.HTTPAdapter.send = patched_send

    stats_path = os.environ["REHEARSAL_STATS"]

    def watch_gpu() -> None:
        peak = 0.0
        while True:
            torch = sys.modules.get("torch")
            try:
                if torch is not None and torch.cuda.is_initialized():
                    peak = max(peak, torch.cuda.max_memory_allocated() / 2**20)
                    with open(stats_path + ".tmp", "w") as handle:
                        json.dump({"peak_cuda_mb": round(peak, 1)}, handle)
                    os.replace(stats_path + ".tmp", stats_path)
            except Exception:  # the kernel may be shutting down
                pass
            time.sleep(0.5)

    threading.Thread(target=watch_gpu, name="rehearsal-gpu-peak", daemon=True).start()


_rehearsal_hooks()
del _rehearsal_hooks

"""Build a mirror: every source, or a chosen few, reusing what is up to date.

A source is rebuilt when its stamp (``ROOT/.built/<source>.json``) is missing, was
made with other options or by other code (the builder's modules and the package
modules the source takes its URLs and writers from), or when one of its files
is gone. :func:`uncovered_urls` lists the download URLs written in the package's
source that the mirror does not serve, so a new download shows up at once.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from . import sources, weights
from .mirror import Mirror, atomic_path, url_path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PACKAGE = REPO / "saliency_course"


@dataclass(frozen=True)
class Options:
    """What a build reads and how big it makes the generated datasets."""

    data: Path
    salicon_images: int = 200  # SALICON train images (val and test: half as many each)
    mit300_images: int = 30
    cat2000_per_category: int = 3
    jobs: int = 1  # processes that render SALICON


@dataclass(frozen=True)
class Source:
    build: Callable[[Mirror, Options], None]
    modules: tuple[str, ...]  # package files whose URLs or writers the source uses
    options: tuple[str, ...] = ()  # the Options fields it depends on (besides data)


SOURCES: dict[str, Source] = {
    "osie": Source(lambda m, o: sources.mirror_osie(m, o.data), ("data/osie.py",)),
    "fixatons": Source(lambda m, o: sources.mirror_fixatons(m, o.data), ("data/fixatons.py",)),
    "mit1003": Source(
        lambda m, o: sources.mirror_mit1003(m, o.data),
        ("data/mit1003.py", "data/fixatons.py", "gaze.py"),
    ),
    "mit300": Source(
        lambda m, o: sources.mirror_mit300(m, o.data, o.mit300_images),
        ("data/mit300.py",),
        ("mit300_images",),
    ),
    "cat2000": Source(
        lambda m, o: sources.mirror_cat2000(m, o.data, o.cat2000_per_category),
        ("data/cat2000.py", "data/osie.py"),
        ("cat2000_per_category",),
    ),
    "figrim": Source(lambda m, o: sources.mirror_figrim(m, o.data), ("data/figrim.py",)),
    "toronto": Source(
        lambda m, o: sources.mirror_toronto(m, o.data), ("data/toronto.py", "data/osie.py")
    ),
    "salicon": Source(
        lambda m, o: sources.mirror_salicon(m, o.data, o.salicon_images, o.jobs),
        ("data/salicon.py", "data/osie.py"),
        ("salicon_images",),
    ),
    "dhf1k": Source(lambda m, o: sources.mirror_dhf1k(m, o.data), ()),
    "ucf_sports": Source(lambda m, o: sources.mirror_ucf_sports(m, o.data), ()),
    "torchvision": Source(lambda m, o: weights.mirror_torchvision(m), ("models/backbones.py",)),
    "salnet": Source(
        lambda m, o: weights.mirror_salnet(m), ("models/salnet.py", "models/caffe_weights.py")
    ),
    "salgan": Source(
        lambda m, o: weights.mirror_salgan(m), ("models/salgan.py", "models/lasagne_weights.py")
    ),
    "vgg_m": Source(lambda m, o: weights.mirror_vgg_m(m), ("models/salnet.py",)),
    "mlnet": Source(
        lambda m, o: weights.mirror_mlnet(m), ("models/mlnet.py", "models/keras_weights.py")
    ),
    "opensalicon": Source(
        lambda m, o: weights.mirror_opensalicon(m),
        ("models/salicon_model.py", "models/caffe_weights.py"),
    ),
    "deepgaze1": Source(lambda m, o: weights.mirror_deepgaze1(m), ("models/deepgaze.py",)),
    "centerbias": Source(
        lambda m, o: weights.mirror_centerbias(m, o.data), ("models/deepgaze.py",)
    ),
    "deepgaze2e": Source(lambda m, o: weights.mirror_deepgaze2e(m), ("models/deepgaze2e.py",)),
}


def _fingerprint(name: str, options: Options) -> dict:
    source = SOURCES[name]
    code = hashlib.sha256()
    files = [HERE / f for f in ("mirror.py", "sources.py", "weights.py")]
    files += [PACKAGE / m for m in source.modules]
    if name == "torchvision":
        files += sorted(PACKAGE.rglob("*.py"))  # any module may name a torchvision weight
    for path in files:
        code.update(path.read_bytes())
    chosen = {k: v for k, v in asdict(options).items() if k in source.options}
    return {"code": code.hexdigest(), "data": str(options.data), **chosen}


def _stamp(root: Path, name: str) -> Path:
    return root / ".built" / f"{name}.json"


def _up_to_date(mirror: Mirror, name: str, fingerprint: dict) -> bool:
    stamp = _stamp(mirror.root, name)
    if not stamp.is_file():
        return False
    recorded = json.loads(stamp.read_text())
    if recorded.get("fingerprint") != fingerprint:
        return False
    return all(
        url in mirror.files and mirror.files[url]["bytes"] == size
        for url, size in recorded["files"].items()
    )


def build_mirror(
    root: str | Path,
    options: Options,
    only: list[str] | None = None,
    force: bool = False,
    log: Callable[[str], None] = print,
) -> dict:
    """Build (or reuse) the sources ``only`` (default: all) under ``root``; returns a report.

    The report holds, per source, ``seconds`` (0 when reused) and ``bytes``, and the
    mirror's ``total_bytes``, ``files`` and the ``uncovered`` package URLs.
    """
    names = list(SOURCES) if only is None else only
    unknown = sorted(set(names) - set(SOURCES))
    if unknown:
        raise ValueError(f"sources must be among {sorted(SOURCES)}, got {unknown}")
    if not (Path(options.data) / "osie" / "data").is_dir():
        raise ValueError(f"data must be a folder laid out like shared/data, got {options.data}")
    mirror = Mirror(root)
    report: dict = {"sources": {}}
    for name in names:
        fingerprint = _fingerprint(name, options)
        if not force and _up_to_date(mirror, name, fingerprint):
            report["sources"][name] = {"seconds": 0.0, "reused": True}
            continue
        before = dict(mirror.files)
        start = time.perf_counter()
        SOURCES[name].build(mirror, options)
        seconds = time.perf_counter() - start
        made = {u: i["bytes"] for u, i in mirror.files.items() if before.get(u) != i}
        made = made or {u: mirror.files[u]["bytes"] for u in _urls_of(root, name)}
        mirror.write_manifest()
        with atomic_path(_stamp(mirror.root, name)) as tmp:
            tmp.write_text(json.dumps({"fingerprint": fingerprint, "files": made}, indent=1))
        report["sources"][name] = {"seconds": round(seconds, 1), "bytes": sum(made.values())}
        log(f"mirror: {name:12s} {seconds:6.1f} s  {sum(made.values()) / 2**20:8.1f} MiB")
    mirror.write_manifest()
    stored = {_stored_as(u): i["bytes"] for u, i in mirror.files.items()}
    report["files"] = len(stored)
    report["total_bytes"] = sum(stored.values())
    report["uncovered"] = uncovered_urls(mirror.files)
    return report


def _stored_as(url: str) -> str:
    """One key per stored file: a Drive file is listed under two URLs."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    return f"drive:{query['id'][0]}" if "id" in query else str(url_path(url))


def _urls_of(root: str | Path, name: str) -> list[str]:
    stamp = _stamp(Path(root), name)
    return list(json.loads(stamp.read_text())["files"]) if stamp.is_file() else []


URL_LITERAL = re.compile(
    r"""["'](https?://[^"'\s{}]+\.(?:zip|tar|gz|tgz|mat|pth|npy|npz|caffemodel|txt|AVI|avi))["']"""
)


def uncovered_urls(files: dict[str, dict], package: Path = PACKAGE) -> list[str]:
    """Complete download URLs written literally in the package that the manifest lacks."""
    found = set()
    for path in package.rglob("*.py"):
        found.update(URL_LITERAL.findall(path.read_text()))
    served = {str(url_path(u)) for u in files}
    return sorted(u for u in found if str(url_path(u)) not in served)

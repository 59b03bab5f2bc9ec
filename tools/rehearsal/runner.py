"""Execute notebooks in full mode against a served mirror, and judge them.

Each notebook runs with papermill in its own process, with ``SMOKE=False``,
``REHEARSAL=True`` and ``DEVICE`` injected (every other parameter keeps the
notebook's default, ``DATA_DIR = None`` included), in a sandbox that stands for a
fresh machine:

* ``SALIENCY_COURSE_DATA`` is a data root that starts empty (one per notebook,
  or one shared by a group such as 06-10, so that 10 finds the runs of 06-09);
  with ``data_dir_parameter`` the root is given as the ``DATA_DIR`` parameter
  instead (how a student names a Drive folder), ``SALIENCY_COURSE_DATA`` is unset,
  and anything the notebook writes to the default root (``~/.cache/saliency_course``)
  fails it: every dataset, weight and run must go where ``DATA_DIR`` says;
* ``HOME`` is a fresh folder too (torch's hub cache and ``~/.cache`` start empty),
  and ``SALIENCY_COURSE_OFFLINE`` is unset;
* ``SALIENCY_COURSE_MIRROR`` points to a :class:`~.server.MirrorServer` started
  for that notebook alone, which counts its bytes (``downloaded_mb``) and names
  what it lacked;
* :mod:`.kernel_startup` runs in the kernel first (peak GPU memory, downloads
  that miss the mirror).

Peak RSS is the largest sum of the resident memory of the kernel and all its
descendants (e.g. DataLoader workers; shared pages count once per process, so
the figure errs high), sampled every half second. A notebook fails when a cell
raises, when it downloads around the mirror, or when its peak RSS exceeds
``rss_limit_mb`` (Colab's 12,000 MB by default); its ``status`` then names the
cause.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
import psutil

from .server import MirrorServer

HERE = Path(__file__).resolve().parent
RSS_LIMIT_MB = 12_000
POLL_S = 0.5


@dataclass
class Job:
    """One notebook to run: its file, the name of its data root, and what must run first."""

    source: Path
    root: str  # notebooks naming the same root share it (and its HOME)
    after: tuple[str, ...] = ()
    parameters: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.source.name


@dataclass
class Result:
    """What ``build/rehearsal.json`` records for one notebook."""

    status: str
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    peak_cuda_mb: float | None
    downloaded_mb: float
    data_root: str
    executed: str
    missing_from_mirror: list[str] = field(default_factory=list)
    bypassed_mirror: list[str] = field(default_factory=list)
    train_images_per_second: dict[str, float] = field(default_factory=dict)
    slowest_cells: list[str] = field(default_factory=list)
    outside_data_dir: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def slowest_cells(path: Path, count: int = 3) -> list[str]:
    """``"cell N: 12.3 s: <first line>"`` for the ``count`` longest cells (papermill's timing)."""
    if not path.is_file():
        return []
    timed = []
    for cell in nbformat.read(path, as_version=4).cells:
        duration = cell.get("metadata", {}).get("papermill", {}).get("duration")
        if cell.cell_type == "code" and duration is not None:
            first = next((x for x in cell.source.splitlines() if x.strip()), "")[:70]
            timed.append(
                (duration, f"cell {cell.get('execution_count')}: {duration:.1f} s: {first}")
            )
    return [text for _, text in sorted(timed, reverse=True)[:count]]


def run_name(source: Path, parameters: dict) -> str | None:
    """The notebook's ``RUN_NAME``: the one passed in, else the parameters cell's literal."""
    if isinstance(parameters.get("RUN_NAME"), str):
        return parameters["RUN_NAME"]
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        if "parameters" in cell.metadata.get("tags", []):
            found = re.search(r"^RUN_NAME\s*=\s*[\"']([^\"']+)[\"']", cell.source, re.MULTILINE)
            return found.group(1) if found else None
    return None


def training_rates(data: Path, since: float, run: str | None) -> dict[str, float]:
    """Mean ``images_per_second`` of each run written after ``since``, keyed by its path below
    ``runs/``: the runs whose name starts with ``run`` (the notebook's ``RUN_NAME``: notebooks
    that share a data root run at once), or every run when the notebook has no ``RUN_NAME``.
    """
    import pandas as pd

    rates = {}
    top = data / "runs"
    for history in sorted(top.glob("**/history.csv")):
        name = history.parent.relative_to(top).as_posix()
        if (run is None or name.startswith(run)) and history.stat().st_mtime >= since:
            column = pd.read_csv(history).get("images_per_second")
            if column is not None and column.notna().any():
                rates[name] = round(float(column.mean()), 2)
    return rates


def first_error(path: Path) -> str | None:
    """``"cell N raised Name: value"`` for the first error output of an executed notebook."""
    if not path.is_file():
        return None
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                value = " ".join(str(output.get("evalue", "")).split())
                return f"cell {cell.get('execution_count')} raised {output.get('ename')}: {value}"
    return None


class _TreeMonitor(threading.Thread):
    """Samples the memory and CPU time of a process's descendants until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.peak_rss = 0
        self.cpu: dict[int, float] = {}
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            try:
                tree = self.root.children(recursive=True)
            except psutil.Error:
                break
            rss = 0
            for proc in tree:
                try:
                    rss += proc.memory_info().rss
                    times = proc.cpu_times()
                    self.cpu[proc.pid] = times.user + times.system
                except psutil.Error:
                    continue
            self.peak_rss = max(self.peak_rss, rss)
            self.halt.wait(POLL_S)


def _sandbox(out: Path, root_name: str, fresh: bool) -> tuple[Path, Path]:
    """``(data root, home)`` for ``root_name``; emptied when ``fresh``."""
    base = out / "roots" / root_name
    if fresh:
        shutil.rmtree(base, ignore_errors=True)
    (base / "data").mkdir(parents=True, exist_ok=True)
    startup = base / "home" / ".ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    shutil.copy(HERE / "kernel_startup.py", startup / "00-rehearsal.py")
    return base / "data", base / "home"


def run_one(
    job: Job,
    mirror: Path,
    out: Path,
    fresh_root: bool,
    parameters: dict,
    timeout_s: float,
    rss_limit_mb: float,
    cwd: Path,
    data_dir_parameter: bool = False,
) -> Result:
    """Execute one notebook (see the module docstring) and judge it."""
    data, home = _sandbox(out, job.root, fresh_root)
    default_root = home / ".cache" / "saliency_course"
    executed = out / job.name
    executed.unlink(missing_ok=True)
    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    stats, bypass = logs / f"{job.source.stem}.gpu.json", logs / f"{job.source.stem}.bypass"
    stats.unlink(missing_ok=True)
    bypass.unlink(missing_ok=True)
    params = {**parameters, **job.parameters}
    if data_dir_parameter:
        params["DATA_DIR"] = str(data)
    with MirrorServer(mirror) as server:
        env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
        env.update(
            HOME=str(home),
            SALIENCY_COURSE_MIRROR=server.url,
            REHEARSAL_STATS=str(stats),
            REHEARSAL_BYPASS=str(bypass),
            MPLCONFIGDIR=str(out / "mplconfig"),
            PYTHONUNBUFFERED="1",
        )
        if not data_dir_parameter:
            env["SALIENCY_COURSE_DATA"] = str(data)
        command = [
            sys.executable, "-m", "papermill", str(job.source), str(executed),
            "-y", json.dumps(params), "--kernel", "python3", "--cwd", str(cwd),
            "--no-progress-bar", "--execution-timeout", str(int(timeout_s) + 60),
        ]  # fmt: skip
        start, started_at = time.perf_counter(), time.time()
        with open(logs / f"{job.source.stem}.log", "w") as log:
            proc = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
            monitor = _TreeMonitor(proc.pid)
            monitor.start()
            try:
                returncode = proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                _kill_tree(proc)
                returncode = None
            finally:
                monitor.halt.set()
                monitor.join()
        seconds = time.perf_counter() - start
        downloaded, missing = server.bytes_sent, server.missing()
    bypassed = sorted(set(bypass.read_text().split("\n")) - {""}) if bypass.is_file() else []
    outside = _written_since(default_root, started_at) if data_dir_parameter else []
    peak_rss_mb = monitor.peak_rss / 2**20
    status = judge(
        returncode,
        executed,
        logs / f"{job.source.stem}.log",
        timeout_s,
        peak_rss_mb,
        rss_limit_mb,
        bypassed,
        missing,
        outside,
    )
    gpu = json.loads(stats.read_text())["peak_cuda_mb"] if stats.is_file() else None
    return Result(
        status=status,
        seconds=round(seconds, 1),
        cpu_seconds=round(sum(monitor.cpu.values()), 1),
        peak_rss_mb=round(peak_rss_mb, 1),
        peak_cuda_mb=gpu,
        downloaded_mb=round(downloaded / 2**20, 2),
        data_root=str(data),
        executed=str(executed),
        missing_from_mirror=missing,
        bypassed_mirror=bypassed,
        train_images_per_second=training_rates(data, started_at, run_name(job.source, params)),
        slowest_cells=slowest_cells(executed),
        outside_data_dir=outside,
    )


_CLEARED = {"SALIENCY_COURSE_OFFLINE", "SALIENCY_COURSE_DATA", "TORCH_HOME", "XDG_CACHE_HOME",
            "IPYTHONDIR", "JUPYTER_CONFIG_DIR"}  # fmt: skip


def _kill_tree(proc: subprocess.Popen) -> None:
    """Kill papermill and every descendant (jupyter starts the kernel in its own session)."""
    try:
        descendants = psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        descendants = []
    for child in descendants:
        with contextlib.suppress(psutil.Error):
            child.kill()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _written_since(root: Path, since: float) -> list[str]:
    """``<folder>/<entry>`` under ``root`` holding a file written after ``since`` (no .sha256)."""
    if not root.is_dir():
        return []
    written = set()
    for path in root.rglob("*"):
        if path.is_file() and path.suffix != ".sha256" and path.stat().st_mtime >= since:
            written.add("/".join(path.relative_to(root).parts[:2]))
    return sorted(written)


def judge(
    returncode: int | None,
    executed: Path,
    log: Path,
    timeout_s: float,
    peak_rss_mb: float,
    rss_limit_mb: float,
    bypassed: Sequence[str],
    missing: Sequence[str],
    outside: Sequence[str] = (),
) -> str:
    """``"ok"``, or why the notebook failed (the mirror's missing files appended)."""
    if returncode is None:
        status = f"timed out after {timeout_s:.0f} s"
    elif returncode != 0:
        status = first_error(executed) or (
            f"papermill exited with {returncode}: "
            + " | ".join(log.read_text(errors="replace").strip().splitlines()[-3:])
        )
    elif bypassed:
        status = f"downloads bypassed SALIENCY_COURSE_MIRROR: {', '.join(bypassed)}"
    elif outside:
        status = f"wrote outside DATA_DIR, into the default root: {', '.join(outside)}"
    elif peak_rss_mb > rss_limit_mb:
        status = f"peak RSS {peak_rss_mb:.0f} MB exceeds the {rss_limit_mb:.0f} MB limit"
    else:
        return "ok"
    if missing:
        status += f" (the mirror has no file for: {', '.join(missing)})"
    return status


def rehearse(
    jobs: Sequence[Job],
    mirror: Path,
    out: Path,
    parameters: dict,
    workers: int = 2,
    timeout_s: float = 1800.0,
    rss_limit_mb: float = RSS_LIMIT_MB,
    cwd: Path | None = None,
    on_result: Callable[[str, Result], None] | None = None,
    data_dir_parameter: bool = False,
) -> dict[str, Result]:
    """Run ``jobs`` (``workers`` at a time, each after the jobs it names); returns the results.

    A shared root is emptied before the first of its notebooks only. A job whose
    predecessor failed still runs (it shows what the later notebook does without
    it). ``on_result`` is called as each notebook finishes.
    """
    names = [j.name for j in jobs]
    for job in jobs:
        unknown = set(job.after) - set(names)
        if unknown:
            raise ValueError(f"{job.name} must run after notebooks not in this run: {unknown}")
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Result] = {}
    started: set[str] = set()
    roots_used: set[str] = set()
    lock = threading.Lock()
    done = threading.Condition(lock)

    def worker() -> None:
        while True:
            with done:
                while True:
                    pending = [j for j in jobs if j.name not in started]
                    if not pending:
                        return
                    ready = [j for j in pending if all(a in results for a in j.after)]
                    if ready:
                        job = ready[0]
                        started.add(job.name)
                        fresh = job.root not in roots_used
                        roots_used.add(job.root)
                        break
                    done.wait()
            result = run_one(
                job, mirror, out, fresh, parameters, timeout_s, rss_limit_mb,
                cwd or job.source.parent, data_dir_parameter,
            )  # fmt: skip
            with done:
                results[job.name] = result
                if on_result:
                    on_result(job.name, result)
                done.notify_all()

    threads = [threading.Thread(target=worker) for _ in range(max(1, workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {name: results[name] for name in names}


def write_report(results: dict[str, Result], path: Path, extra: dict | None = None) -> Path:
    """``build/rehearsal.json``: ``{"notebooks": {name: result}, ...extra}``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    report = {"notebooks": {k: asdict(v) for k, v in results.items()}, **(extra or {})}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(report, indent=1) + "\n")
    tmp.replace(path)
    return path


def table(results: dict[str, Result]) -> str:
    """A plain-text table of the results, one notebook per line."""
    lines = [f"{'notebook':44s} {'seconds':>8s} {'cpu s':>8s} {'RSS MB':>8s} {'GPU MB':>8s} "
             f"{'down MB':>8s} {'img/s':>7s}  status"]  # fmt: skip
    for name, r in results.items():
        gpu = f"{r.peak_cuda_mb:.0f}" if r.peak_cuda_mb is not None else "-"
        rate = "/".join(f"{v:.3g}" for v in r.train_images_per_second.values()) or "-"
        lines.append(
            f"{name:44s} {r.seconds:8.1f} {r.cpu_seconds:8.1f} {r.peak_rss_mb:8.0f} {gpu:>8s} "
            f"{r.downloaded_mb:8.1f} {rate:>7s}  {r.status}"
        )
    return "\n".join(lines)

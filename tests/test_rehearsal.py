"""The full-mode rehearsal (issue 13): mirror formats, the mirror's HTTP server, the runner.

A small mirror (OSIE, an 8+4+4-image SALICON, SalGAN's weights) is built from the
real data; fixture notebooks in ``tests/fixtures/rehearsal/`` download from it
through the package's own code. The broken full-mode paths (a shape bug that
smoke mode never meets, an archive with one member renamed) must fail with the
notebook and the cause named.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pytest
import scipy.io
from PIL import Image

from saliency_course.data import osie as osie_module
from saliency_course.data import salicon as salicon_module

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
from rehearsal.build import Options, build_mirror, uncovered_urls  # noqa: E402
from rehearsal.mirror import DRIVE_URL, MANIFEST, Mirror, digests, write_zip  # noqa: E402
from rehearsal.runner import Job, judge, rehearse, run_name, training_rates  # noqa: E402
from rehearsal.server import MirrorServer  # noqa: E402
from rehearsal.weights import torchvision_weight_names  # noqa: E402

FIXTURES = REPO / "tests" / "fixtures" / "rehearsal"
OSIE_TOP = f"predicting-human-gaze-beyond-pixels-{osie_module.COMMIT}"


@pytest.fixture(scope="module")
def mirror(tmp_path_factory, data_dir) -> Path:
    root = tmp_path_factory.mktemp("mirror")
    options = Options(data=data_dir, salicon_images=8)
    report = build_mirror(root, options, only=["osie", "salicon", "salgan"], log=lambda _: None)
    assert set(report["sources"]) == {"osie", "salicon", "salgan"}
    return root


def get(url: str, headers: dict | None = None):
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {})) as response:
        return response.status, dict(response.headers), response.read()


# -- the mirror's files ----------------------------------------------------------------------
def test_manifest_checksums_are_those_of_the_served_files(mirror):
    files = json.loads((mirror / MANIFEST).read_text())["files"]
    assert osie_module.ARCHIVE_URL in files
    assert DRIVE_URL.format(id=salicon_module.STIMULI_ID) in files
    for url, entry in files.items():
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        if "id" in query:
            path = next((mirror / ".drive" / query["id"][0]).iterdir())
        else:
            path = Mirror(mirror).path(url)
        assert digests(path) == entry, url


def test_osie_archive_is_the_repository_layout_with_the_real_fixations(mirror):
    with zipfile.ZipFile(Mirror(mirror).path(osie_module.ARCHIVE_URL)) as archive:
        names = set(archive.namelist())
        assert f"{OSIE_TOP}/data/stimuli/1001.jpg" in names
        assert f"{OSIE_TOP}/data/mouse_lab/1700.mat" in names
        import hashlib

        fixations = archive.read(f"{OSIE_TOP}/data/eye/fixations.mat")
    assert hashlib.md5(fixations).hexdigest() == osie_module.FIXATIONS_MD5


def test_salicon_files_hold_real_osie_gaze_in_the_official_struct(mirror, data_dir):
    drive = mirror / ".drive"
    with zipfile.ZipFile(next((drive / salicon_module.STIMULI_ID).iterdir())) as stimuli:
        images = [n for n in stimuli.namelist() if n.endswith(".jpg")]
        with stimuli.open("images/train/COCO_train2014_000000000009.jpg") as handle:
            assert Image.open(handle).size == (640, 480)
    assert len(images) == 16
    assert sum(n.startswith("images/test/COCO_test2014_") for n in images) == 4
    # first train image = OSIE 1001 at 0.8 scale; observer 0 = OSIE subject 0 (1-based both)
    raw = scipy.io.loadmat(data_dir / "osie" / "data" / "eye" / "fixations.mat")["fixations"]
    subject = raw[0, 0][0, 0]["subjects"][0, 0][0, 0]
    expected = np.stack([subject["fix_x"].ravel(), subject["fix_y"].ravel()], axis=1)
    expected = (expected.astype(float) - 0.5) * 0.8 + 0.5
    for edition, (file_id, _) in salicon_module.FIXATIONS.items():
        with zipfile.ZipFile(next((drive / file_id).iterdir())) as archive:
            assert sorted({n.split("/")[0] for n in archive.namelist()}) == ["train", "val"]
            mat = scipy.io.loadmat(archive.open("train/COCO_train2014_000000000009.mat"))
        gaze = mat["gaze"]
        assert {"location", "timestamp", "fixations"} <= set(gaze.dtype.names)
        assert len(gaze.ravel()) == 15
        observer = gaze.ravel()[0]
        np.testing.assert_allclose(observer["fixations"], expected)
        location, timestamp = observer["location"], observer["timestamp"].ravel()
        assert location.shape == (len(timestamp), 2) and np.all(np.diff(timestamp) >= 0)
        off_image = (location[:, 0] > 640) | (location[:, 1] < 1)
        assert off_image.sum() == (1 if edition == "2017" else 0)


def test_package_urls_missing_from_the_mirror_are_reported(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "new.py").write_text('URL = "https://example.org/files/new_weights.pth"\n')
    assert uncovered_urls({}, package) == ["https://example.org/files/new_weights.pth"]
    served = {"https://example.org/files/new_weights.pth": {}}
    assert uncovered_urls(served, package) == []
    assert {"AlexNet_Weights.IMAGENET1K_V1", "VGG16_Weights.IMAGENET1K_V1"} <= set(
        torchvision_weight_names()
    )


def test_mirrored_weights_load_through_the_official_download_paths(data_dir, tmp_path, monkeypatch):
    """ML-Net (a Drive file), OpenSALICON (a .tgz member) and VGG_CNN_M (SalNet's transfer)."""
    from saliency_course.models import build_model

    root = tmp_path / "mirror"
    build_mirror(root, Options(data=data_dir), only=["mlnet", "opensalicon", "vgg_m"],
                 log=lambda _: None)  # fmt: skip
    monkeypatch.setenv("SALIENCY_COURSE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")  # only the loopback mirror is reachable
    with MirrorServer(root) as server:
        monkeypatch.setenv("SALIENCY_COURSE_MIRROR", server.url)
        mlnet = build_model("mlnet", progress=False)
        salicon = build_model("salicon", progress=False)
        salnet = build_model("salnet", weights="imagenet", progress=False)
        assert server.missing() == []
    assert mlnet.caffe_input and salicon.caffe_input
    assert float(mlnet.prior.detach().abs().sum()) > 0
    assert float(salnet.conv1.weight.detach().abs().sum()) > 0


# -- the server --------------------------------------------------------------------------------
def test_server_answers_files_ranges_and_names_what_it_lacks(mirror):
    path = Mirror(mirror).path(osie_module.ARCHIVE_URL)
    data = path.read_bytes()
    served = "/" + str(path.relative_to(mirror))
    with MirrorServer(mirror) as server:
        status, headers, body = get(server.url + served)
        assert status == 200 and body == data and headers["Content-Length"] == str(len(data))
        status, headers, body = get(server.url + served, {"Range": "bytes=100-"})
        assert status == 206 and body == data[100:]
        assert headers["Content-Range"] == f"bytes 100-{len(data) - 1}/{len(data)}"
        with pytest.raises(urllib.error.HTTPError) as info:
            get(server.url + served, {"Range": f"bytes={len(data)}-"})
        assert info.value.code == 416
        for missing in ("/github.com/nobody/nothing.zip", "/.drive/x", "/.built/osie.json"):
            with pytest.raises(urllib.error.HTTPError) as info:
                get(server.url + missing)
            assert info.value.code == 404
        assert server.missing() == sorted(
            ["/github.com/nobody/nothing.zip", "/.drive/x", "/.built/osie.json"]
        )
        assert server.bytes_sent >= 2 * len(data) - 100


def test_drive_confirm_page_parses_as_gdown_reads_it_and_leads_to_the_file(mirror):
    file_id = salicon_module.STIMULI_ID
    stored = next((mirror / ".drive" / file_id).iterdir())
    with MirrorServer(mirror) as server:
        status, headers, page = get(f"{server.url}/drive.google.com/uc?id={file_id}")
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        # gdown reads the page line by line and takes the form #download-form
        line = next(x for x in page.decode().splitlines() if 'id="download-form"' in x)
        action = re.search(r'<form id="download-form" action="([^"]+)"', line).group(1)
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', line))
        assert action == "https://drive.usercontent.google.com/download"
        assert set(fields) == {"id", "export", "confirm", "uuid"} and fields["id"] == file_id
        confirmed = urllib.parse.urlsplit(f"{action}?{urllib.parse.urlencode(fields)}")
        mirrored = f"{server.url}/{confirmed.hostname}{confirmed.path}?{confirmed.query}"
        status, headers, body = get(mirrored)
        with pytest.raises(urllib.error.HTTPError) as info:
            get(mirrored.replace(file_id, "0000000000unknown"))
    assert info.value.code == 404
    assert headers["Content-Disposition"] == f'attachment; filename="{stored.name}"'
    assert body == stored.read_bytes()


# -- the runner ----------------------------------------------------------------------------------
@pytest.mark.slow
def test_rehearsal_runs_notebooks_that_download_into_empty_roots(mirror, tmp_path):
    jobs = [
        Job(FIXTURES / "downloads.ipynb", root="downloads"),
        # the full-mode bug of this fixture is never met in smoke mode
        Job(FIXTURES / "full_mode_shape_bug.ipynb", root="bug", parameters={"SMOKE": True}),
    ]
    parameters = {"SMOKE": False, "REHEARSAL": True, "DEVICE": "cpu"}
    results = rehearse(jobs, mirror, tmp_path / "out", parameters, workers=2, timeout_s=300)
    assert {k: r.status for k, r in results.items()} == {
        "downloads.ipynb": "ok",
        "full_mode_shape_bug.ipynb": "ok",
    }
    result = results["downloads.ipynb"]
    files = json.loads((mirror / MANIFEST).read_text())["files"]
    urls = [
        osie_module.ARCHIVE_URL,
        DRIVE_URL.format(id=salicon_module.STIMULI_ID),
        DRIVE_URL.format(id=salicon_module.FIXATIONS["2015"][0]),
        next(u for u in files if u.endswith("discrim_modelWeights0090.npz")),
    ]
    expected = sum(files[url]["bytes"] for url in urls) / 2**20
    manifest_and_pages = ((mirror / MANIFEST).stat().st_size + 16_000) / 2**20
    assert expected - 0.01 <= result.downloaded_mb <= expected + manifest_and_pages + 0.01
    assert 100 < result.peak_rss_mb < 12_000 and result.peak_cuda_mb is None
    assert result.seconds > 0 and not result.missing_from_mirror
    root = Path(result.data_root)
    assert (root / "osie" / "data" / "eye" / "fixations.mat").is_file()
    assert (root / "salicon" / "fixations_2015" / "train").is_dir()
    assert (tmp_path / "out" / "downloads.ipynb").is_file()
    assert results["full_mode_shape_bug.ipynb"].downloaded_mb == 0


def test_judge_names_timeouts_errors_bypasses_memory_and_missing_files(tmp_path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    executed = tmp_path / "nb.ipynb"
    cell = new_code_cell("1/0", execution_count=3)
    cell.outputs = [new_output("error", ename="ZeroDivisionError", evalue="division by zero")]
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1", execution_count=1), cell]), executed)
    log = tmp_path / "log"
    log.write_text("a\nb\nlast line\n")
    args = dict(executed=executed, log=log, timeout_s=60, rss_limit_mb=12_000)
    assert judge(0, peak_rss_mb=900, bypassed=[], missing=[], **args) == "ok"
    assert judge(None, peak_rss_mb=9, bypassed=[], missing=[], **args) == "timed out after 60 s"
    assert (
        judge(1, peak_rss_mb=9, bypassed=[], missing=["/host/a.zip"], **args)
        == "cell 3 raised ZeroDivisionError: division by zero "
        "(the mirror has no file for: /host/a.zip)"
    )
    executed.unlink()
    assert judge(1, peak_rss_mb=9, bypassed=[], missing=[], **args) == (
        "papermill exited with 1: a | b | last line"
    )
    assert judge(0, peak_rss_mb=12_345, bypassed=[], missing=[], **args) == (
        "peak RSS 12345 MB exceeds the 12000 MB limit"
    )
    assert judge(0, peak_rss_mb=9, bypassed=["https://x.org/w.pth"], missing=[], **args) == (
        "downloads bypassed SALIENCY_COURSE_MIRROR: https://x.org/w.pth"
    )
    assert judge(0, peak_rss_mb=9, bypassed=[], missing=[], outside=["runs/a"], **args) == (
        "wrote outside DATA_DIR, into the default root: runs/a"
    )


@pytest.mark.slow
def test_data_dir_mode_fails_a_notebook_that_writes_beside_its_data_dir(mirror, tmp_path):
    results = rehearse(
        [Job(FIXTURES / "writes_default_root.ipynb", root="drive")],
        mirror,
        tmp_path / "out",
        {"SMOKE": False, "REHEARSAL": True},
        workers=1,
        timeout_s=300,
        data_dir_parameter=True,
    )
    result = results["writes_default_root.ipynb"]
    assert result.status == "wrote outside DATA_DIR, into the default root: runs/forgot_the_root"
    assert (Path(result.data_root) / "cache").is_dir()
    assert result.outside_data_dir == ["runs/forgot_the_root"]


@pytest.mark.slow
def test_broken_full_mode_paths_fail_naming_the_notebook_and_the_cause(mirror, tmp_path):
    broken = tmp_path / "broken_mirror"
    shutil.copytree(mirror, broken, copy_function=os.link)
    archive = Mirror(broken)
    path = archive.path(osie_module.ARCHIVE_URL)
    with zipfile.ZipFile(path) as original:
        members = [
            (n.replace("data/eye/fixations.mat", "data/eye/fixation.mat"), original.read(n))
            for n in original.namelist()
            if not n.endswith("/")
        ]
    path.unlink()
    write_zip(path, members)
    archive.record(osie_module.ARCHIVE_URL)
    archive.write_manifest()
    report = tmp_path / "rehearsal.json"
    run = subprocess.run(
        [
            sys.executable,
            str(REPO / "tools" / "rehearse.py"),
            "--notebooks",
            str(FIXTURES / "downloads.ipynb"),
            str(FIXTURES / "full_mode_shape_bug.ipynb"),
            "--mirror",
            str(broken),
            "--no-build",
            "--out",
            str(tmp_path / "out"),
            "--report",
            str(report),
            "--device",
            "cpu",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    failures = [x for x in run.stderr.splitlines() if x.startswith("rehearsal FAILED")]
    assert len(failures) == 2, run.stderr
    assert re.search(
        r"downloads\.ipynb: cell \d+ raised FileNotFoundError: .*fixations\.mat", failures[0]
    )
    assert re.search(
        r"full_mode_shape_bug\.ipynb: cell \d+ raised ValueError: cannot reshape array of size "
        r"307200 into shape \(1,1,48,64\)",
        failures[1],
    )
    statuses = {k: v["status"] for k, v in json.loads(report.read_text())["notebooks"].items()}
    assert statuses.keys() == {"downloads.ipynb", "full_mode_shape_bug.ipynb"}
    assert all(s != "ok" for s in statuses.values())


@pytest.mark.slow
def test_a_notebook_over_its_time_is_stopped_with_its_kernel(mirror, tmp_path):
    import psutil

    results = rehearse(
        [Job(FIXTURES / "never_finishes.ipynb", root="slow")],
        mirror,
        tmp_path / "out",
        {"SMOKE": False},
        workers=1,
        timeout_s=10,
    )
    assert results["never_finishes.ipynb"].status == "timed out after 10 s"
    home = str(tmp_path / "out" / "roots" / "slow" / "home")
    left = []
    for proc in psutil.process_iter(["cmdline"]):
        if any(home in part for part in proc.info["cmdline"] or []):
            left.append(proc.info["cmdline"])
    assert not left


def test_training_rates_count_only_the_notebooks_own_runs(tmp_path):
    """06-10 share a root and run two at once: 08 must not report 07's runs."""
    runs = tmp_path / "runs"
    runs_and_rates = (("salgan_salicon_bce", 2.0), ("mlnet_salicon/mlnet", 3.0), ("old", 9.0))
    for name, rate in runs_and_rates:
        (runs / name).mkdir(parents=True)
        (runs / name / "history.csv").write_text(f"epoch,images_per_second\n0,{rate}\n1,{rate}\n")
    since = time.time() - 60
    os.utime(runs / "old" / "history.csv", (since - 60, since - 60))  # a run of an earlier day
    assert training_rates(tmp_path, since, "old") == {}
    assert training_rates(tmp_path, since, "mlnet_salicon") == {"mlnet_salicon/mlnet": 3.0}
    assert training_rates(tmp_path, since, "salgan_salicon") == {"salgan_salicon_bce": 2.0}
    assert training_rates(tmp_path, since, "deepgaze_salicon") == {}
    assert training_rates(tmp_path, since + 3600, "salgan_salicon") == {}  # written before
    every_new_run = {"salgan_salicon_bce", "mlnet_salicon/mlnet"}
    assert set(training_rates(tmp_path, since, None)) == every_new_run
    notebook = REPO / "notebooks" / "08b_mlnet_and_salicon.ipynb"
    assert run_name(notebook, {}) == "mlnet_salicon"
    assert run_name(notebook, {"RUN_NAME": "mine"}) == "mine"

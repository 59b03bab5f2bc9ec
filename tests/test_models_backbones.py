"""ImageNet weights: downloaded by ``download_file`` into torch's hub cache, hash-checked."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import threading

import pytest
import torch

from saliency_course.errors import ChecksumError, OfflineError
from saliency_course.models.backbones import hub_checkpoint_path, load_hub_state_dict


@pytest.fixture
def server(tmp_path):
    """A loopback HTTP server of ``tmp_path / "site"``; yields (folder, base URL)."""
    site = tmp_path / "site"
    site.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield site, f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _publish(site, stem: str, state: dict, digest_prefix: str | None = None) -> str:
    """Save ``state`` as ``<stem>-<sha256 prefix>.pth`` (torchvision's naming); its name."""
    tmp = site / "tmp.pth"
    torch.save(state, tmp)
    prefix = digest_prefix or hashlib.sha256(tmp.read_bytes()).hexdigest()[:8]
    name = f"{stem}-{prefix}.pth"
    tmp.rename(site / name)
    return name


def test_downloads_into_the_hub_cache_and_checks_the_hash(server, tmp_path, monkeypatch):
    site, base = server
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.delenv("SALIENCY_COURSE_OFFLINE", raising=False)  # a loopback server only
    state = {"features.0.weight": torch.arange(6.0).view(2, 3)}
    name = _publish(site, "tiny", state)
    (site / "models").mkdir()
    (site / name).rename(site / "models" / name)
    url = f"{base}/models/{name}"
    loaded = load_hub_state_dict(url, progress=False)
    assert torch.equal(loaded["features.0.weight"], state["features.0.weight"])
    dest = hub_checkpoint_path(url)
    assert dest == tmp_path / "torch" / "hub" / "checkpoints" / name and dest.is_file()
    assert not list(dest.parent.glob("*.part"))
    (site / "models" / name).unlink()  # the cache serves from now on
    assert torch.equal(load_hub_state_dict(url)["features.0.weight"], loaded["features.0.weight"])


def test_a_wrong_hash_prefix_deletes_the_download(server, tmp_path, monkeypatch):
    site, base = server
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.delenv("SALIENCY_COURSE_OFFLINE", raising=False)  # a loopback server only
    name = _publish(site, "tiny", {"w": torch.ones(2)}, digest_prefix="00000000")
    url = f"{base}/{name}"
    with pytest.raises(ChecksumError, match="00000000"):
        load_hub_state_dict(url, progress=False)
    assert not hub_checkpoint_path(url).exists()


def test_offline_names_url_and_destination(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    url = "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth"
    with pytest.raises(OfflineError) as info:
        load_hub_state_dict(url)
    assert url in str(info.value) and str(hub_checkpoint_path(url)) in str(info.value)


def test_under_a_mirror_the_manifest_replaces_the_hash_in_the_name(server, tmp_path, monkeypatch):
    site, base = server
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")  # a loopback mirror is still allowed
    monkeypatch.setenv("SALIENCY_COURSE_MIRROR", base)
    name = _publish(site, "tiny", {"w": torch.ones(2)}, digest_prefix="00000000")
    folder = site / "download.pytorch.org" / "models"
    folder.mkdir(parents=True)
    (site / name).rename(folder / name)
    url = f"https://download.pytorch.org/models/{name}"
    data = (folder / name).read_bytes()
    manifest = tmp_path / "manifest.json"
    monkeypatch.setenv("SALIENCY_COURSE_MIRROR_MANIFEST", str(manifest))
    entry = {"md5": hashlib.md5(data).hexdigest(), "sha256": "0" * 64}
    manifest.write_text(json.dumps({"files": {url: entry}}))
    with pytest.raises(ChecksumError):  # the manifest's SHA-256 is checked
        load_hub_state_dict(url, progress=False)
    assert not hub_checkpoint_path(url).exists()
    entry["sha256"] = hashlib.sha256(data).hexdigest()
    manifest.write_text(json.dumps({"files": {url: entry}}))
    assert torch.equal(load_hub_state_dict(url, progress=False)["w"], torch.ones(2))

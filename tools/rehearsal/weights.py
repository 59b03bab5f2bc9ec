"""Weights files in their official formats, holding random values.

Each file is written by the package's own writer of that format (the ones its
tests check against the official layouts), from a freshly initialised model of
the real architecture, so every file has its real shapes and about its real size:

* torchvision ImageNet files under their real names (``vgg16-397923af.pth``, ...),
  each a state dict of the whole torchvision model, as torch's hub caches it. Their
  names carry a SHA-256 prefix that random contents cannot match: a loader that
  asks torch to ``check_hash`` rejects them (the manifest's checksums are the ones
  that hold);
* SalNet's ``deep_net_model.caffemodel`` (Caffe ``NetParameter``);
* SalGAN's ``gen_modelWeights0090.npz`` and ``discrim_modelWeights0090.npz``
  (Lasagne ``arr_<k>`` lists, kernels flipped where Lasagne flips them);
* DeepGaze I's ``deepgaze1.pth`` (official key layout: AlexNet behind a normaliser
  with its classifier, ``readout_network.conv0``, ``finalizer``), DeepGaze IIE's
  ``deepgaze2e.pth`` (the four backbones and 120 readouts) and
  ``centerbias_mit1003.npy`` (a 1024x1024 log-density; here the real centre bias
  of the FixaTons MIT1003 fixations).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import numpy as np
import torch

from .mirror import Mirror, atomic_path

PACKAGE = Path(__file__).resolve().parents[2] / "saliency_course"
WEIGHTS_NAME = re.compile(r"\b([A-Za-z0-9_]+_Weights)\.([A-Z][A-Z0-9_]+)\b")


def torchvision_weight_names(package: Path = PACKAGE) -> list[str]:
    """Every ``<Arch>_Weights.<NAME>`` the package's source mentions, sorted."""
    found = set()
    for path in package.rglob("*.py"):
        found.update(f"{a}.{b}" for a, b in WEIGHTS_NAME.findall(path.read_text()))
    return sorted(found)


def _save(path: Path, obj, legacy: bool = False) -> None:
    with atomic_path(path) as tmp:
        torch.save(obj, tmp, _use_new_zipfile_serialization=not legacy)


def mirror_torchvision(mirror: Mirror, names: list[str] | None = None) -> None:
    """Random-valued torchvision ImageNet files at their real URLs (legacy pickle format)."""
    import torchvision

    for name in names if names is not None else torchvision_weight_names():
        weights = torchvision.models.get_weight(name)
        arch = name.split("_Weights.")[0].lower()
        torch.manual_seed(0)
        model = torchvision.models.get_model(arch, weights=None)
        path = mirror.path(weights.url)
        _save(path, model.state_dict(), legacy=True)
        mirror.record(weights.url)
        del model


def mirror_salnet(mirror: Mirror) -> None:
    """SalNet's trained Caffe model (every conv and the deconvolution, random values)."""
    from saliency_course.models import salnet
    from saliency_course.models.caffe_weights import write_caffemodel

    torch.manual_seed(0)
    model = salnet.SalNet()
    blobs = {}
    for name, module in model.named_children():
        if isinstance(module, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
            blobs[name] = [module.weight.detach().numpy()]
            if module.bias is not None:
                blobs[name].append(module.bias.detach().numpy())
    path = mirror.path(salnet.WEIGHTS_URL)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_caffemodel(path, blobs)
    mirror.record(salnet.WEIGHTS_URL)


def mirror_salgan(mirror: Mirror) -> None:
    """SalGAN's generator and discriminator as Lasagne ``.npz`` files."""
    from saliency_course.models import salgan
    from saliency_course.models.lasagne_weights import write_npz_arrays

    torch.manual_seed(0)
    for model, filename in (
        (salgan.SalGANGenerator(), salgan.GENERATOR_FILE),
        (salgan.SalGANDiscriminator("code"), salgan.DISCRIMINATOR_FILE),
    ):
        url = salgan.WEIGHTS_BASE + filename
        path = mirror.path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_npz_arrays(path, salgan.export_lasagne_arrays(model))
        mirror.record(url)


def mirror_deepgaze1(mirror: Mirror) -> None:
    """``deepgaze1.pth`` in the official port's key layout."""
    import torchvision

    from saliency_course.models import deepgaze

    torch.manual_seed(0)
    alexnet = torchvision.models.alexnet(weights=None).state_dict()
    state = {f"features.features.1.{k}": v for k, v in alexnet.items()}
    state["readout_network.conv0.weight"] = 0.01 * torch.randn(1, 256, 1, 1)
    state["finalizer.gauss.sigma"] = torch.tensor(8.0)
    state["finalizer.center_bias_weight"] = torch.tensor([1.0])
    _save(mirror.path(deepgaze.DEEPGAZE1_URL), state)
    mirror.record(deepgaze.DEEPGAZE1_URL)


def mit1003_centerbias(data: Path, size: int = 1024, sigma: float = 40.0) -> np.ndarray:
    """A ``size`` x ``size`` log-density of the real FixaTons MIT1003 fixations (normalised
    image coordinates), blurred with ``sigma`` px and mixed with 1 % uniform."""
    from scipy.ndimage import gaussian_filter
    from scipy.special import logsumexp

    from saliency_course.data import load_dataset

    mit = load_dataset("fixatons", root=data, download=False, subset="MIT1003")
    shapes = np.array(mit.image_shapes, dtype=float)
    f = mit.fixations
    rows = np.clip((f.y + 0.5) / shapes[f.n, 0] * size, 0, size - 1).astype(int)
    cols = np.clip((f.x + 0.5) / shapes[f.n, 1] * size, 0, size - 1).astype(int)
    counts = np.zeros((size, size))
    np.add.at(counts, (rows, cols), 1.0)
    density = gaussian_filter(counts, sigma)
    density = 0.99 * density / density.sum() + 0.01 / density.size
    log_density = np.log(density)
    return log_density - logsumexp(log_density)


def mirror_centerbias(mirror: Mirror, data: Path) -> None:
    """``centerbias_mit1003.npy``, the prior of DeepGaze I and IIE."""
    from saliency_course.models import deepgaze

    with atomic_path(mirror.path(deepgaze.CENTERBIAS_URL)) as tmp:
        with open(tmp, "wb") as handle:
            np.save(handle, mit1003_centerbias(data))
    mirror.record(deepgaze.CENTERBIAS_URL)


def mirror_deepgaze2e(mirror: Mirror) -> None:
    """``deepgaze2e.pth``: the model's full state dict (official keys)."""
    from saliency_course.models import deepgaze2e

    torch.manual_seed(0)
    model = deepgaze2e.DeepGazeIIE(tuple(deepgaze2e.BACKBONES), deepgaze2e.COMPONENTS, None)
    _save(mirror.path(deepgaze2e.WEIGHTS_URL), model.state_dict())
    mirror.record(deepgaze2e.WEIGHTS_URL)


def mirror_mlnet(mirror: Mirror) -> None:
    """ML-Net's SALICON weights: a Keras 1.x ``save_weights`` file on Google Drive."""
    from saliency_course.models import mlnet
    from saliency_course.models.keras_weights import theano_kernel_to_torch, write_keras_weights

    torch.manual_seed(0)
    model = mlnet.MLNet()
    torch.nn.init.normal_(model.prior, std=0.3)  # a trained prior is not zero
    state = model.state_dict()
    arrays = [state[key].numpy() for key, _ in mlnet.keras_layout()]
    arrays = [theano_kernel_to_torch(a) if a.ndim == 4 else a for a in arrays]  # its own inverse
    convs = [arrays[i : i + 2] for i in range(0, len(arrays) - 1, 2)]
    layers = [("input_1", [])]
    layers += [
        (f"convolution2d_{k}", [(f"convolution2d_{k}_W", w), (f"convolution2d_{k}_b", b)])
        for k, (w, b) in enumerate(convs, start=1)
    ]
    layers.append(("eltwiseproduct_1", [("param_0", arrays[-1])]))
    path = mirror.drive_path(mlnet.WEIGHTS_DRIVE_ID, mlnet.WEIGHTS_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_keras_weights(path, layers)
    mirror.record(mlnet.WEIGHTS_URL, path)


def mirror_opensalicon(mirror: Mirror) -> None:
    """OpenSALICON's ``model_files.tgz`` holding ``salicon_osie.caffemodel`` (Caffe)."""
    import tarfile

    from saliency_course.models import salicon_model
    from saliency_course.models.caffe_weights import write_caffemodel

    torch.manual_seed(0)
    model = salicon_model.SALICONModel("code")
    state = model.state_dict()
    blobs = {
        layer: [state[weight].numpy(), state[bias].numpy()]
        for layer, (weight, bias) in salicon_model.caffe_layout(model).items()
    }
    member = salicon_model.CAFFEMODEL_MEMBER
    with tempfile.TemporaryDirectory() as folder:
        caffemodel = write_caffemodel(Path(folder) / member, blobs)
        with atomic_path(mirror.path(salicon_model.ARCHIVE_URL)) as tmp:
            with tarfile.open(tmp, "w:gz") as tar:
                tar.add(caffemodel, arcname=f"model_files/{member}")
    mirror.record(salicon_model.ARCHIVE_URL)


def mirror_vgg_m(mirror: Mirror) -> None:
    """``VGG_CNN_M.caffemodel`` with the layers SalNet takes from it (conv1 to conv3)."""
    from saliency_course.models import salnet
    from saliency_course.models.caffe_weights import write_caffemodel

    generator = torch.Generator().manual_seed(0)
    blobs = {
        name: [
            (0.01 * torch.randn(shape, generator=generator)).numpy(),
            torch.zeros(shape[0]).numpy(),
        ]
        for name, shape in salnet.VGG_M_LAYERS.items()
    }
    path = mirror.path(salnet.VGG_M_URL)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_caffemodel(path, blobs)
    mirror.record(salnet.VGG_M_URL)

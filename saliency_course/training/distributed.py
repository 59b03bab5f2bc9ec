"""Multi-GPU (or multi-process CPU) training with ``torch.distributed``.

:func:`saliency_course.training.fit` runs unchanged under ``torchrun``::

    torchrun --nproc_per_node=4 -m saliency_course.cli train salgan --dataset salicon

``torchrun`` sets ``RANK``, ``LOCAL_RANK`` and ``WORLD_SIZE``; :func:`setup`
then joins the process group (``nccl`` on CUDA, ``gloo`` on the CPU), each
process takes GPU ``LOCAL_RANK``, the model is wrapped in
:class:`~torch.nn.parallel.DistributedDataParallel` and the data is split with a
:class:`~torch.utils.data.DistributedSampler`. Only rank 0 prints, validates
and writes checkpoints. The batch size is per process, as in PyTorch.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistributedInfo:
    """Where this process stands in a (possibly one-process) job."""

    rank: int = 0
    local_rank: int = 0
    world_size: int = 1

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def launched_by_torchrun() -> bool:
    """True when ``torchrun`` (or another launcher) set ``WORLD_SIZE`` > 1."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def setup(device: torch.device) -> tuple[DistributedInfo, torch.device]:
    """Join the process group when launched with ``torchrun``; return the info and device.

    On CUDA each process uses ``cuda:LOCAL_RANK``. Outside ``torchrun`` this is a
    no-op returning rank 0 of 1 and ``device`` unchanged.
    """
    if not launched_by_torchrun():
        return DistributedInfo(), device
    info = DistributedInfo(
        rank=int(os.environ["RANK"]),
        local_rank=int(os.environ.get("LOCAL_RANK", "0")),
        world_size=int(os.environ["WORLD_SIZE"]),
    )
    if device.type == "cuda":
        device = torch.device("cuda", info.local_rank)
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return info, device


def wrap(module: torch.nn.Module, info: DistributedInfo, device: torch.device):
    """``module`` in DistributedDataParallel when distributed and trainable, else itself."""
    if not info.enabled or not any(p.requires_grad for p in module.parameters()):
        return module
    ids = [device.index] if device.type == "cuda" else None
    return torch.nn.parallel.DistributedDataParallel(module, device_ids=ids)


def unwrap(module: torch.nn.Module) -> torch.nn.Module:
    """The plain module inside a DistributedDataParallel wrapper."""
    return (
        module.module if isinstance(module, torch.nn.parallel.DistributedDataParallel) else module
    )


def barrier(info: DistributedInfo) -> None:
    if info.enabled:
        dist.barrier()


def broadcast_object(obj, info: DistributedInfo):
    """Rank 0's ``obj`` on every rank."""
    if not info.enabled:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def all_reduce_mean(value: float, info: DistributedInfo, device: torch.device) -> float:
    """The mean of a float over all ranks."""
    if not info.enabled:
        return value
    tensor = torch.tensor([value], dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return float(tensor.item()) / info.world_size

"""Keras 1.x's ``SGD`` optimiser, update for update, for recipes that follow Keras code.

Keras 1.x ``keras.optimizers.SGD(lr, momentum, decay, nesterov)`` differs from
``torch.optim.SGD`` in two ways that matter when ``decay > 0``:

* ``decay`` is a **learning-rate decay** applied at every update,
  ``lr_t = lr / (1 + decay * t)`` with ``t`` the number of earlier updates -- not
  a weight decay;
* the velocity accumulates the *scaled* step, ``v = momentum * v - lr_t * g``, and
  the Nesterov update is ``p += momentum * v - lr_t * g``; torch's buffer holds
  unscaled gradients and multiplies by the current ``lr``, which is the same
  only while ``lr`` is constant.

The update count lives in the parameter group (``"iterations"``), so it is saved
in the optimiser's ``state_dict`` and a resumed run continues the decay where it
stopped. After each step ``group["lr"]`` holds the rate of the *next* update
(what a history table should show); ``group["base_lr"]`` keeps Keras's ``lr``.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch


class KerasSGD(torch.optim.Optimizer):
    """Keras 1.x ``SGD(lr, momentum, decay, nesterov)`` (see the module docstring)."""

    def __init__(
        self,
        params: Iterable[torch.nn.Parameter],
        lr: float,
        momentum: float = 0.0,
        decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        if not lr > 0:
            raise ValueError(f"lr must be > 0, got {lr!r}")
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
        if not decay >= 0:
            raise ValueError(f"decay must be >= 0, got {decay!r}")
        defaults = {
            "lr": lr,
            "base_lr": lr,
            "momentum": momentum,
            "decay": decay,
            "nesterov": nesterov,
            "iterations": 0,
        }
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr = group["base_lr"] / (1 + group["decay"] * group["iterations"])
            momentum = group["momentum"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                grad = param.grad
                state = self.state[param]
                if "velocity" not in state:
                    state["velocity"] = torch.zeros_like(param)
                velocity = state["velocity"]
                velocity.mul_(momentum).sub_(grad, alpha=lr)
                if group["nesterov"]:
                    param.add_(velocity, alpha=momentum).sub_(grad, alpha=lr)
                else:
                    param.add_(velocity)
            group["iterations"] += 1
            group["lr"] = group["base_lr"] / (1 + group["decay"] * group["iterations"])
        return loss

"""Thin ipywidgets shells around the pure widget modules.

* :class:`FlickerDemo` — change blindness with flicker or mudsplashes: click
  where the picture changes; time to detect and hits are recorded.
* :class:`ObserverDemo` — be the observer: look around a blurred image with
  the mouse; your "fixations" are scored against the real observers.
* :class:`ModelExplorer` — pick an image and a model, see its map and scores.

Each object displays itself when it is the last expression of a cell, and has
plain methods (``click``, ``give_up``, ``submit_path``, ``show``) that the
browser events call, so its behaviour is testable without a browser. Without a
browser (papermill) the shell shows its first state and returns.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import ipywidgets
import numpy as np
import pandas as pd
from scipy import ndimage

from ..stimuli import ChangeStimulus
from . import explorer, flicker, observer
from .canvas import FlickerCanvas, ObserverCanvas, png_data_url


class _Shell:
    widget: ipywidgets.DOMWidget

    def _ipython_display_(self) -> None:  # ipywidgets 7.7 and 8.x both honour this
        from IPython.display import display

        display(self.widget)


def outline(stimulus: ChangeStimulus, colour=(255, 0, 0), width: int = 3) -> np.ndarray:
    """The changed image with the border of the change drawn in ``colour``."""
    border = stimulus.mask & ~ndimage.binary_erosion(stimulus.mask, iterations=1)
    border = ndimage.binary_dilation(border, iterations=width)
    shown = stimulus.changed.copy()
    shown[border] = colour
    return shown


class FlickerDemo(_Shell):
    """A sequence of change-detection trials in the flicker or mudsplash paradigm."""

    def __init__(
        self,
        stimuli: Sequence[ChangeStimulus],
        variants: str | Sequence[str] = "flicker",
        image_ms: float = 240.0,
        blank_ms: float = 80.0,
        tolerance_px: float = 20.0,
        seed: int = 0,
    ) -> None:
        if not stimuli:
            raise ValueError("stimuli must hold at least one ChangeStimulus, got none")
        self.stimuli = list(stimuli)
        self.variants = (
            [variants] * len(self.stimuli) if isinstance(variants, str) else list(variants)
        )
        if len(self.variants) != len(self.stimuli):
            raise ValueError(
                f"variants must be one name or one per stimulus ({len(self.stimuli)}), "
                f"got {len(self.variants)}"
            )
        for variant in self.variants:
            flicker.schedule(variant, image_ms, blank_ms)  # validates early
        self.image_ms, self.blank_ms = image_ms, blank_ms
        self.tolerance_px = tolerance_px
        self.seed = seed
        self.trials: list[flicker.Trial] = []
        self.index = 0
        self._clicks: list[tuple[float, float, float]] = []
        self._open = True
        self.widget = FlickerCanvas()
        self.widget.on_msg(self._on_message)
        self._show()

    # -- events from the browser --------------------------------------------------
    def _on_message(self, _widget, content, _buffers) -> None:
        event = content.get("event")
        if event == "click":
            self.click(float(content["x"]), float(content["y"]), float(content["t"]))
        elif event == "give_up":
            self.give_up(float(content["t"]))
        elif event == "next":
            self.next()

    def click(self, x: float, y: float, t_ms: float) -> bool:
        """Score a click at image pixel ``(x, y)``, ``t_ms`` after the pictures appeared."""
        if not self._open:
            return False
        stimulus = self.stimuli[self.index]
        self._clicks.append((x, y, t_ms))
        hit, distance = flicker.click_hit(stimulus, x, y, self.tolerance_px)
        if hit:
            self._finish(flicker.score_trial(stimulus, self._clicks, self.index, self.variant))
            self._say(
                f"<b>Hit!</b> You found the change after {t_ms / 1000:.1f} s. " + self._next_hint()
            )
        else:
            self._say(f"Miss: nothing changed there ({distance:.0f} px away). Keep looking.")
        return hit

    def give_up(self, t_ms: float) -> None:
        """End the trial undetected and reveal the change."""
        if not self._open:
            return
        stimulus = self.stimuli[self.index]
        self._finish(
            flicker.Trial(
                self.index,
                stimulus.placement,
                stimulus.kind,
                self.variant,
                False,
                float(t_ms),
                len(self._clicks),
            )
        )
        self._say(f"The change is outlined in red ({stimulus.kind}). " + self._next_hint())

    def next(self) -> bool:
        """Move to the next picture; False when there is none."""
        if self._open:
            self._say("Find the change first, or press 'Show me the change'.")
            return False
        if self.index + 1 >= len(self.stimuli):
            self._say("That was the last picture: run the summary cell below.")
            return False
        self.index += 1
        self._show()
        return True

    # -- results --------------------------------------------------------------------
    @property
    def variant(self) -> str:
        return self.variants[self.index]

    def target(self) -> tuple[float, float]:
        """Centre ``(x, y)`` of the current change (for teachers and tests)."""
        return self.stimuli[self.index].center

    def summary(self) -> pd.DataFrame:
        """Detection rate and times per placement and variant (see :func:`.flicker.summarize`)."""
        return flicker.summarize(self.trials)

    def plot(self, ax=None):
        return flicker.plot_summary(self.trials, ax)

    # -- internals ------------------------------------------------------------------
    def _show(self) -> None:
        stimulus = self.stimuli[self.index]
        images = flicker.frames(stimulus, self.variant, seed=self.seed + self.index)
        images["reveal"] = outline(stimulus)
        height, width = stimulus.original.shape[:2]
        self._clicks = []
        self._open = True
        with self.widget.hold_sync():
            self.widget.frames = {name: png_data_url(im) for name, im in images.items()}
            self.widget.cycle = [
                [name, ms]
                for name, ms in flicker.schedule(self.variant, self.image_ms, self.blank_ms)
            ]
            self.widget.width, self.widget.height = width, height
            self.widget.playing = True
            self.widget.still = "reveal"
            self.widget.trial = self.widget.trial + 1
            self.widget.feedback = (
                f"Picture {self.index + 1} of {len(self.stimuli)} ({self.variant}): "
                "something keeps changing. Click on it as soon as you see it."
            )

    def _finish(self, trial: flicker.Trial) -> None:
        self.trials.append(trial)
        self._open = False
        self.widget.playing = False

    def _next_hint(self) -> str:
        return (
            "Press 'Next picture'."
            if self.index + 1 < len(self.stimuli)
            else "That was the last one."
        )

    def _say(self, text: str) -> None:
        self.widget.feedback = text


class ObserverDemo(_Shell):
    """Be the observer on images of a dataset with real fixations (e.g. OSIE)."""

    def __init__(
        self,
        dataset,
        indices: Sequence[int],
        duration_s: float = 5.0,
        fovea_deg: float = 2.0,
        sigma_deg: float = 1.0,
    ) -> None:
        if not len(indices):
            raise ValueError("indices must name at least one image, got none")
        if not duration_s > 0:
            raise ValueError(f"duration_s must be > 0, got {duration_s!r}")
        self.dataset = dataset
        self.indices = [int(i) for i in indices]
        self.fovea_deg = fovea_deg
        self.sigma_deg = sigma_deg
        self.position = 0
        self.results: list[dict] = []
        self.canvas = ObserverCanvas(
            duration_ms=duration_s * 1000.0, rate_hz=observer.SAMPLE_RATE_HZ
        )
        self.canvas.on_msg(self._on_message)
        self.output = ipywidgets.Output()
        self.next_button = ipywidgets.Button(description="Next image")
        self.next_button.on_click(lambda _button: self.next())
        self.widget = ipywidgets.VBox([self.canvas, self.next_button, self.output])
        self._show()

    @property
    def index(self) -> int:
        """Dataset index of the image on screen."""
        return self.indices[self.position]

    def _on_message(self, _widget, content, _buffers) -> None:
        if content.get("event") == "path":
            self.submit_path(content["t"], content["x"], content["y"])

    def submit_path(self, t_ms, x, y) -> observer.ObserverScore | None:
        """Turn a recorded mouse path into fixations and score them; None if none found."""
        shape = self.dataset.image_shape(self.index)
        ppd = self.dataset.pixels_per_degree
        try:
            fixations = observer.path_to_fixations(t_ms, x, y, ppd, shape=shape, n=self.index)
        except ValueError as error:
            self.canvas.feedback = f"Could not use that path: {html.escape(str(error))}"
            return None
        if len(fixations) == 0:
            self.canvas.feedback = (
                "No fixation found: move the mouse to something, <i>rest</i> on it, then move on. "
                "Press 'Next image' for another try."
            )
            return None
        real = self.dataset.fixations.for_image(self.index)
        score = observer.score_observer(fixations, real, shape, sigma_px=self.sigma_deg * ppd)
        self.results.append({"index": self.index, "fixations": fixations, "score": score})
        you, humans = score.table.loc["you"], score.table.loc["human observers"]
        self.canvas.feedback = (
            f"You made <b>{len(fixations)}</b> fixations. NSS <b>{you['nss']:.2f}</b> "
            f"(a real observer: {humans['nss']:.2f}, centre prior: "
            f"{score.table.loc['centre prior', 'nss']:.2f}); AUC-Judd {you['auc_judd']:.2f}. "
            f"More human than <b>{100 * score.percentile:.0f}%</b> of the "
            f"{len(score.humans)} real observers."
        )
        self.output.clear_output()
        with self.output:
            import matplotlib.pyplot as plt

            plot_observer(self.dataset, self.index, fixations, score)
            plt.show()
        return score

    def next(self) -> None:
        self.position = (self.position + 1) % len(self.indices)
        self._show()

    def _show(self) -> None:
        image = self.dataset.image(self.index)
        levels, radii = observer.foveation_levels(
            image, self.dataset.pixels_per_degree, self.fovea_deg
        )
        with self.canvas.hold_sync():
            self.canvas.levels = {
                name: png_data_url(level)
                for name, level in zip(("fovea", "parafovea", "periphery"), levels, strict=True)
            }
            self.canvas.radii = [float(radii[0]), float(radii[1])]
            self.canvas.height, self.canvas.width = image.shape[:2]
            self.canvas.trial = self.canvas.trial + 1
            self.canvas.feedback = (
                "Click the image, then look around it with the mouse for "
                f"{self.canvas.duration_ms / 1000:.0f} s: only the part around the pointer "
                "is sharp."
            )


def plot_observer(dataset, index: int, fixations, score: observer.ObserverScore, axes=None):
    """Your scanpath on the image, beside the real observers' density map."""
    import matplotlib.pyplot as plt

    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    else:
        fig = axes[0].figure
    axes[0].imshow(dataset.image(index))
    axes[0].plot(fixations.x, fixations.y, "-o", color="cyan", mec="k", lw=1)
    axes[0].set_title(f"your {len(fixations)} mouse fixations")
    density = dataset.density_map(index)
    shown = axes[1].imshow(density, cmap="magma")
    real = dataset.fixations.for_image(index)
    axes[1].set_title(f"{len(real.subjects)} real observers: density map")
    fig.colorbar(shown, ax=axes[1], fraction=0.046, label="probability per pixel")
    for ax in axes:
        ax.set_xlabel("x (px)")
        ax.set_ylabel("y (px)")
    fig.suptitle(
        f"NSS: you {score.table.loc['you', 'nss']:.2f}, "
        f"a real observer {score.table.loc['human observers', 'nss']:.2f}"
    )
    return fig


class ModelExplorer(_Shell):
    """Dropdowns for an image and a model; shows the map, overlay and scores."""

    def __init__(
        self,
        dataset,
        indices: Sequence[int],
        models: Mapping[str, object] | Sequence[str],
        pretrained: bool = True,
        device=None,
    ) -> None:
        if not len(indices) or not len(models):
            raise ValueError("indices and models must both be non-empty")
        self.dataset = dataset
        self.pretrained = pretrained
        self.device = device
        self._models = dict(models) if isinstance(models, Mapping) else {m: m for m in models}
        self.image_choice = ipywidgets.Dropdown(
            options=[(f"image {i}", int(i)) for i in indices], description="Image"
        )
        self.model_choice = ipywidgets.Dropdown(options=list(self._models), description="Model")
        # The figure travels as a PNG in an Image widget, not through an Output widget:
        # output captured by an Output widget while a cell runs could make papermill
        # (nbclient) miss the cell's reply and wait for its whole timeout.
        self.figure = ipywidgets.Image(format="png")
        self.message = ipywidgets.HTML()
        self.last: explorer.Exploration | None = None
        for control in (self.image_choice, self.model_choice):
            control.observe(lambda _change: self.show(), names="value")
        self.widget = ipywidgets.VBox(
            [ipywidgets.HBox([self.image_choice, self.model_choice]), self.message, self.figure]
        )
        self.show()

    def model(self, name: str):
        """The model called ``name``, built (once) from the registry if given by name."""
        value = self._models[name]
        if isinstance(value, str):
            from ..models import build_model

            value = build_model(value, pretrained=self.pretrained)
            self._models[name] = value
        return value

    def show(self) -> explorer.Exploration | None:
        """Compute and draw the current choice; errors (e.g. offline weights) are shown."""
        import io

        import matplotlib.pyplot as plt

        name = self.model_choice.value
        try:
            self.last = explorer.explore(
                self.dataset,
                self.image_choice.value,
                self.model(name),
                model_name=name,
                device=self.device,
            )
        except (OSError, ValueError) as error:
            self.message.value = f"<pre>{html.escape(f'{name}: {error}')}</pre>"
            self.figure.value = b""
            return None
        fig = explorer.plot_exploration(self.last)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
        plt.close(fig)
        self.message.value = ""
        self.figure.value = buffer.getvalue()
        return self.last

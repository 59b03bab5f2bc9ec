"""Seeing video gaze: frames with the observers' gaze on them, as a strip or an ipywidgets player.

``plot_frames`` draws chosen frames of a clip with each observer's gaze (the
pixels of their fixation samples, one colour per observer, as in DHF1K's raw
recordings) or, for clips shipped as maps only, the merged fixation points,
optionally over a saliency map. ``clip_player`` wraps the same drawing in a
Play button and a frame slider (frames are rendered to PNG on demand and
cached, so it runs in Colab and JupyterLab alike; outside a live kernel use
``plot_frames``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np

__all__ = ["draw_frame", "plot_frames", "clip_player"]

_CMAP = "tab20"


def _observer_points(clip, k: int) -> list[tuple[int | None, np.ndarray]]:
    """``(observer, (m, 2) pixels x, y)`` of the gaze on frame ``k``, one entry per observer.

    Raw-gaze clips: the pixels of each observer's own fixation samples on the
    frame (:meth:`~saliency_course.data.video.VideoClip.frame_samples`), i.e.
    where they looked, not their part of the official DHF1K fixation map, which
    adds the Cartesian product of their rows and columns. Map-only clips: the
    merged fixated pixels, observer ``None``.
    """
    if clip.fixations is None:
        return [(None, clip.fixation_points(k))]
    points = []
    for subject in clip.subjects:
        samples = clip.frame_samples(k, int(subject))
        xy = np.stack([samples.x, samples.y], axis=1).astype(np.int64)
        points.append((int(subject), np.unique(xy, axis=0).reshape(-1, 2)))
    return points


def draw_frame(
    ax,
    clip,
    k: int,
    frame: np.ndarray | None = None,
    saliency: np.ndarray | None = None,
    title: str | None = None,
    marker_size: float = 12.0,
) -> None:
    """Draw frame ``k`` of ``clip`` on ``ax`` with its gaze (and ``saliency`` as a heat map)."""
    import matplotlib

    frame = clip.frame(k) if frame is None else frame
    ax.imshow(frame)
    if saliency is not None:
        ax.imshow(saliency, cmap="jet", alpha=0.45)
    cmap = matplotlib.colormaps[_CMAP]
    subjects = list(clip.subjects)
    for subject, xy in _observer_points(clip, k):
        if len(xy) == 0:
            continue
        colour = "red" if subject is None else cmap(subjects.index(subject) % cmap.N)
        ax.scatter(xy[:, 0], xy[:, 1], s=marker_size, color=colour, edgecolors="white",
                   linewidths=0.4)  # fmt: skip
    time = f" ({k / clip.fps:.2f} s)" if clip.fps else ""
    ax.set_title(title if title is not None else f"{clip.name} frame {k}{time}", fontsize=9)
    ax.set_xlabel("x (pixels)")
    ax.set_ylabel("y (pixels)")


def plot_frames(
    clip,
    frame_indices: Sequence[int],
    frames: np.ndarray | None = None,
    saliency: np.ndarray | None = None,
    columns: int = 4,
    suptitle: str | None = None,
):
    """A grid of frames with gaze; ``frames``/``saliency`` (one per index) avoid re-decoding."""
    import matplotlib.pyplot as plt

    indices = [int(k) for k in frame_indices]
    if not indices:
        raise ValueError("frame_indices must name at least one frame")
    for name, stack in (("frames", frames), ("saliency", saliency)):
        if stack is not None and len(stack) != len(indices):
            raise ValueError(f"{name} must have one entry per frame index ({len(indices)}), "
                             f"got {len(stack)}")  # fmt: skip
    columns = min(columns, len(indices))
    rows = -(-len(indices) // columns)
    aspect = clip.shape[0] / clip.shape[1]
    fig, axes = plt.subplots(rows, columns, figsize=(3.6 * columns, 3.6 * aspect * rows + 0.8),
                             squeeze=False)  # fmt: skip
    for j, ax in enumerate(axes.flat):
        if j >= len(indices):
            ax.axis("off")
            continue
        draw_frame(
            ax,
            clip,
            indices[j],
            frame=None if frames is None else frames[j],
            saliency=None if saliency is None else saliency[j],
        )
    fig.suptitle(suptitle or f"{clip.name}: gaze of each observer (one colour each)")
    fig.tight_layout()
    return fig


def _render_png(clip, k: int, frame: np.ndarray, saliency: np.ndarray | None, width_px: int):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    aspect = clip.shape[0] / clip.shape[1]
    fig = Figure(figsize=(width_px / 100, width_px / 100 * aspect + 0.6), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    draw_frame(ax, clip, k, frame=frame, saliency=saliency)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def clip_player(
    clip,
    start: int = 0,
    stop: int | None = None,
    step: int = 1,
    saliency: np.ndarray | None = None,
    width_px: int = 640,
):
    """An ipywidgets player of ``clip`` frames ``start:stop:step`` with the observers' gaze.

    ``saliency`` (one map per shown frame) is drawn under the gaze. Returns the
    widget (display it); its ``.slider`` and ``.image`` attributes are the frame
    slider and the rendered PNG.
    """
    import ipywidgets as widgets

    stop = clip.n_frames if stop is None else stop
    frames = clip.frames(start, stop, step)
    indices = list(range(start, stop, step))
    if saliency is not None and len(saliency) != len(indices):
        raise ValueError(f"saliency must have one map per shown frame ({len(indices)}), "
                         f"got {len(saliency)}")  # fmt: skip
    cache: dict[int, bytes] = {}

    def png(j: int) -> bytes:
        if j not in cache:
            sal = None if saliency is None else saliency[j]
            cache[j] = _render_png(clip, indices[j], frames[j], sal, width_px)
        return cache[j]

    image = widgets.Image(value=png(0), format="png", width=width_px)
    interval = int(1000 * step / clip.fps) if clip.fps else 100
    play = widgets.Play(min=0, max=len(indices) - 1, step=1, interval=interval,
                        description="play")  # fmt: skip
    slider = widgets.IntSlider(min=0, max=len(indices) - 1, description="frame #",
                               continuous_update=True)  # fmt: skip
    widgets.jslink((play, "value"), (slider, "value"))
    slider.observe(lambda change: setattr(image, "value", png(change["new"])), names="value")
    box = widgets.VBox([widgets.HBox([play, slider]), image])
    box.slider, box.image = slider, image
    return box

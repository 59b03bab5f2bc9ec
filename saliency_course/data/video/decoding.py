"""Video files to frames: header information, decoding and a motion cue.

Frames are decoded with PyAV, which ships its own ffmpeg (Pillow cannot read
AVI). Frame ``k`` (0-based) is the ``k+1``-th decoded frame, the numbering of
DHF1K's frame files ``0001.png ...`` (W. Wang et al., "Revisiting Video
Saliency: A Large-Scale Benchmark and a New Model", CVPR 2018).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def video_info(path: str | Path) -> tuple[int, tuple[int, int], float]:
    """``(frame count, (H, W), fps)`` of a video file from its header (PyAV)."""
    import av

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"expected video file {path}, but it does not exist")
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        count = stream.frames
        if not count:  # some containers do not store it: count by demuxing
            count = sum(1 for packet in container.demux(stream) if packet.size)
        ctx = stream.codec_context
        return int(count), (int(ctx.height), int(ctx.width)), float(stream.average_rate or 0)


def decode_video(
    path: str | Path,
    start: int = 0,
    stop: int | None = None,
    step: int = 1,
    progress: bool = False,
) -> np.ndarray:
    """Frames ``start:stop:step`` of a video as ``uint8`` RGB ``(T, H, W, 3)``.

    Frame ``k`` (0-based) is the ``k+1``-th decoded frame, as in DHF1K's
    ``generate_frame.m`` numbering ``0001.png ...``. Decoding runs from the start
    of the file (exact for every codec; XVID decodes at hundreds of frames/s).
    """
    import av
    from tqdm.auto import tqdm

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"expected video file {path}, but it does not exist")
    if start < 0 or (stop is not None and stop < start) or step < 1:
        raise ValueError(
            f"frame range must have 0 <= start <= stop and step >= 1, "
            f"got start={start}, stop={stop}, step={step}"
        )
    frames = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        total = stop if stop is not None else (stream.frames or None)
        bar = tqdm(total=total, desc=f"decoding {path.name}", disable=not progress, unit="frame")
        for index, frame in enumerate(container.decode(stream)):
            if stop is not None and index >= stop:
                break
            bar.update(1)
            if index >= start and (index - start) % step == 0:
                frames.append(frame.to_ndarray(format="rgb24"))
        bar.close()
    if not frames:
        raise ValueError(f"frame range start={start}, stop={stop} selects no frame of {path}")
    return np.stack(frames)


def frame_differences(frames: np.ndarray) -> np.ndarray:
    """Per-pixel motion energy ``|I_t - I_{t-1}|`` (grey levels, mean over RGB), ``(T, H, W)``.

    Frame 0 has no predecessor and gets zeros. A crude but honest motion cue:
    camera motion moves everything, object motion moves the object.
    """
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"frames must be (T, H, W, 3), got shape {frames.shape}")
    grey = frames.astype(np.float32).mean(axis=-1)
    diff = np.zeros_like(grey)
    diff[1:] = np.abs(np.diff(grey, axis=0))
    return diff

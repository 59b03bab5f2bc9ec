"""The two browser-side views: a flicker canvas and a foveated mouse canvas.

Core ipywidgets cannot report click coordinates or mouse paths, so these are
anywidget widgets (https://anywidget.dev): a small ES module drawn on an HTML
canvas, synced with the kernel through the standard widget protocol, which
JupyterLab, Notebook 7, VS Code and Colab (ipywidgets 7.7 and 8.x) all speak.
The JavaScript only displays and measures (timing with ``performance.now()``
in the browser, so kernel latency does not enter reaction times); it sends
raw events to Python, which scores them with the pure functions of
:mod:`.flicker` and :mod:`.observer`.

DOM hooks (used by ``tests/test_browser.py``): the canvas carries
``data-frame`` (name of the frame on screen) and ``data-frames-shown`` (how many
frame changes were drawn); the feedback line has class ``sc-feedback``.
"""

from __future__ import annotations

import base64
import io

import anywidget
import numpy as np
import traitlets
from PIL import Image

from ..stimuli import check_rgb_image

_COMMON_JS = r"""
function button(label, cls) {
  const b = document.createElement("button");
  b.textContent = label;
  b.className = "sc-button " + cls;
  b.style.margin = "4px 6px 4px 0";
  b.style.padding = "4px 12px";
  b.style.cursor = "pointer";
  return b;
}
function imagePoint(canvas, event) {
  const r = canvas.getBoundingClientRect();
  return {
    x: (event.clientX - r.left) * canvas.width / r.width - 0.5,
    y: (event.clientY - r.top) * canvas.height / r.height - 0.5,
  };
}
function loadImages(urls, done) {
  const images = {};
  const names = Object.keys(urls);
  let left = names.length;
  for (const name of names) {
    const img = new Image();
    img.onload = () => { left -= 1; if (left === 0) done(images); };
    img.src = urls[name];
    images[name] = img;
  }
  return images;
}
"""

_FLICKER_JS = (
    _COMMON_JS
    + r"""
function render({ model, el }) {
  el.classList.add("sc-flicker");
  const canvas = document.createElement("canvas");
  canvas.style.maxWidth = "100%";
  canvas.style.display = "block";
  canvas.style.cursor = "crosshair";
  const status = document.createElement("div");
  status.className = "sc-feedback";
  status.style.minHeight = "1.5em";
  const giveUp = button("Show me the change", "sc-give-up");
  const next = button("Next picture", "sc-next");
  el.append(canvas, status, giveUp, next);
  const ctx = canvas.getContext("2d");
  let images = {};
  let start = null;
  let current = null;
  let shown = 0;
  let raf = null;

  function load() {
    start = null;
    current = null;
    canvas.width = model.get("width");
    canvas.height = model.get("height");
    images = loadImages(model.get("frames"), () => { start = performance.now(); });
  }
  function frameAt(t) {
    const cycle = model.get("cycle");
    let total = 0;
    for (const [, ms] of cycle) total += ms;
    let rest = t % total;
    for (const [name, ms] of cycle) {
      if (rest < ms) return name;
      rest -= ms;
    }
    return cycle[cycle.length - 1][0];
  }
  function tick() {
    if (start !== null) {
      const name = model.get("playing") ? frameAt(performance.now() - start) : model.get("still");
      if (name !== current && images[name]) {
        ctx.drawImage(images[name], 0, 0, canvas.width, canvas.height);
        current = name;
        shown += 1;
        canvas.dataset.frame = name;
        canvas.dataset.framesShown = String(shown);
      }
    }
    raf = requestAnimationFrame(tick);
  }
  const elapsed = () => (start === null ? 0 : performance.now() - start);
  canvas.addEventListener("click", (event) => {
    if (!model.get("playing") || start === null) return;
    const p = imagePoint(canvas, event);
    model.send({ event: "click", x: p.x, y: p.y, t: elapsed() });
  });
  giveUp.addEventListener("click", () => model.send({ event: "give_up", t: elapsed() }));
  next.addEventListener("click", () => model.send({ event: "next" }));
  model.on("change:trial", load);
  model.on("change:playing", () => { current = null; });
  model.on("change:feedback", () => { status.innerHTML = model.get("feedback"); });
  status.innerHTML = model.get("feedback");
  load();
  tick();
  return () => cancelAnimationFrame(raf);
}
export default { render };
"""
)

_OBSERVER_JS = (
    _COMMON_JS
    + r"""
function render({ model, el }) {
  el.classList.add("sc-observer");
  const canvas = document.createElement("canvas");
  canvas.style.maxWidth = "100%";
  canvas.style.display = "block";
  canvas.style.cursor = "none";
  const status = document.createElement("div");
  status.className = "sc-feedback";
  status.style.minHeight = "1.5em";
  el.append(canvas, status);
  const ctx = canvas.getContext("2d");
  let images = null;
  let pointer = null;
  let state = "loading";
  let samples = [];
  let t0 = 0;
  let timer = null;
  let dirty = true;
  let raf = null;

  function load() {
    state = "loading";
    images = null;
    canvas.width = model.get("width");
    canvas.height = model.get("height");
    loadImages(model.get("levels"), (loaded) => {
      images = loaded;
      state = "idle";
      canvas.dataset.state = state;
      dirty = true;
    });
    canvas.dataset.state = state;
  }
  function disc(img, radius) {
    ctx.save();
    ctx.beginPath();
    ctx.arc(pointer.x, pointer.y, radius, 0, 2 * Math.PI);
    ctx.clip();
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    ctx.restore();
  }
  function tick() {
    if (images && dirty) {
      const [fovea, parafovea] = model.get("radii");
      ctx.drawImage(images.periphery, 0, 0, canvas.width, canvas.height);
      if (pointer) {
        disc(images.parafovea, parafovea);
        disc(images.fovea, fovea);
      }
      dirty = false;
    }
    raf = requestAnimationFrame(tick);
  }
  function stop() {
    clearInterval(timer);
    state = "done";
    canvas.dataset.state = state;
    canvas.dataset.samples = String(samples.length);
    model.send({
      event: "path",
      t: samples.map((s) => s[0]),
      x: samples.map((s) => s[1]),
      y: samples.map((s) => s[2]),
    });
  }
  canvas.addEventListener("mousemove", (event) => {
    pointer = imagePoint(canvas, event);
    dirty = true;
  });
  canvas.addEventListener("mouseleave", () => {
    pointer = { x: -1e4, y: -1e4 };  // outside the image: these samples are invalid
    dirty = true;
  });
  canvas.addEventListener("click", () => {
    if (state !== "idle") return;
    state = "recording";
    canvas.dataset.state = state;
    samples = [];
    t0 = performance.now();
    const period = 1000 / model.get("rate_hz");
    timer = setInterval(() => {
      if (pointer) samples.push([performance.now() - t0, pointer.x, pointer.y]);
    }, period);
    setTimeout(stop, model.get("duration_ms"));
    model.send({ event: "start" });
  });
  model.on("change:trial", load);
  model.on("change:feedback", () => { status.innerHTML = model.get("feedback"); });
  status.innerHTML = model.get("feedback");
  load();
  tick();
  return () => { cancelAnimationFrame(raf); clearInterval(timer); };
}
export default { render };
"""
)


def png_data_url(image: np.ndarray) -> str:
    """A uint8 RGB image as a ``data:image/png;base64,...`` URL (lossless)."""
    array = check_rgb_image(image)
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


class FlickerCanvas(anywidget.AnyWidget):
    """Loops named frames with given durations; reports clicks with their time.

    Messages to Python: ``{"event": "click", "x", "y", "t"}`` (image pixels,
    ms since the pictures appeared), ``{"event": "give_up", "t"}``,
    ``{"event": "next"}``.
    """

    _esm = _FLICKER_JS
    frames = traitlets.Dict(traitlets.Unicode()).tag(sync=True)
    cycle = traitlets.List().tag(sync=True)
    playing = traitlets.Bool(True).tag(sync=True)
    still = traitlets.Unicode("A").tag(sync=True)
    width = traitlets.Int(1).tag(sync=True)
    height = traitlets.Int(1).tag(sync=True)
    trial = traitlets.Int(0).tag(sync=True)
    feedback = traitlets.Unicode("").tag(sync=True)


class ObserverCanvas(anywidget.AnyWidget):
    """A blurred image, sharp around the pointer; records the pointer path once.

    ``levels`` holds the ``fovea``, ``parafovea`` and ``periphery`` images;
    ``radii`` the first two radii in pixels. After a click the pointer is
    sampled at ``rate_hz`` for ``duration_ms`` and sent as
    ``{"event": "path", "t": [...], "x": [...], "y": [...]}``.
    """

    _esm = _OBSERVER_JS
    levels = traitlets.Dict(traitlets.Unicode()).tag(sync=True)
    radii = traitlets.List(traitlets.Float()).tag(sync=True)
    width = traitlets.Int(1).tag(sync=True)
    height = traitlets.Int(1).tag(sync=True)
    duration_ms = traitlets.Float(5000.0).tag(sync=True)
    rate_hz = traitlets.Float(100.0).tag(sync=True)
    trial = traitlets.Int(0).tag(sync=True)
    feedback = traitlets.Unicode("").tag(sync=True)

"""Widgets: flicker timing, click scoring, summaries, be-the-observer, model explorer."""

from __future__ import annotations

import numpy as np
import pytest
import skimage.data

from saliency_course.stimuli import ChangeStimulus, make_change
from saliency_course.widgets import flicker


def _square_stimulus(size: int = 100) -> ChangeStimulus:
    image = np.zeros((size, size, 3), dtype=np.uint8)
    changed = image.copy()
    mask = np.zeros((size, size), dtype=bool)
    mask[40:50, 60:70] = True  # rows 40..49, columns 60..69
    changed[mask] = 255
    return ChangeStimulus(image, changed, mask, "recolor", "high", (64.5, 44.5), 1.0)


# -- flicker timing ----------------------------------------------------------------


def test_flicker_schedule_has_rensink_timings():
    assert flicker.schedule() == [("A", 240), ("blank", 80), ("B", 240), ("blank", 80)]
    assert flicker.schedule("flicker", 500, 100)[1] == ("blank", 100)


def test_mudsplash_schedule_replaces_blanks_with_splashes_of_the_next_image():
    assert flicker.schedule("mudsplash") == [("A", 240), ("B_mud", 80), ("B", 240), ("A_mud", 80)]


@pytest.mark.parametrize(
    "t, frame",
    [
        (0, "A"),
        (239.9, "A"),
        (240, "blank"),
        (319, "blank"),
        (320, "B"),
        (560, "blank"),
        (640, "A"),
        (640 * 3 + 330, "B"),
    ],
)
def test_frame_at_loops_the_cycle(t, frame):
    assert flicker.frame_at(flicker.schedule(), t) == frame


def test_schedule_rejects_bad_values():
    with pytest.raises(ValueError, match="image_ms must be a positive"):
        flicker.schedule(image_ms=0)
    with pytest.raises(ValueError, match="variant must be one of"):
        flicker.schedule("blink")
    with pytest.raises(ValueError, match="t_ms must be >= 0"):
        flicker.frame_at(flicker.schedule(), -1)


# -- frames and mudsplashes ----------------------------------------------------------


def test_flicker_frames_are_the_pair_and_a_grey_blank():
    stim = _square_stimulus()
    out = flicker.frames(stim, "flicker")
    assert out["A"] is stim.original and out["B"] is stim.changed
    assert np.all(out["blank"] == flicker.BLANK_GREY)


def test_mudsplashes_never_cover_the_change_and_are_black_and_white():
    stim = make_change(skimage.data.astronaut()[::2, ::2].copy(), "recolor", seed=0)
    out = flicker.frames(stim, "mudsplash", seed=4)
    for name, base in (("A_mud", stim.original), ("B_mud", stim.changed)):
        splashed = np.any(out[name] != base, axis=2)
        assert splashed.sum() > 0.005 * splashed.size
        assert not (splashed & stim.mask).any()
        assert set(np.unique(out[name][splashed])) <= {0, 255}
    mud, _ = flicker.mudsplashes(stim.mask.shape, stim.mask, margin_px=10, seed=4)
    from scipy import ndimage

    assert not (mud & ndimage.binary_dilation(stim.mask, iterations=10)).any()


# -- click scoring --------------------------------------------------------------------


@pytest.mark.parametrize(
    "x, y, hit, distance",
    [
        (65, 45, True, 0.0),  # inside
        (69.4, 49.4, True, 0.0),  # inside, last pixel
        (75, 45, True, 6.0),  # 6 px right of column 69, within 10 px
        (65, 60, True, 11.0),  # 11 px below row 49: a hit only with tolerance >= 11
        (10, 10, False, np.hypot(50, 30)),  # nearest mask pixel (60, 40)
    ],
)
def test_click_hit_uses_distance_to_the_mask(x, y, hit, distance):
    stim = _square_stimulus()
    got_hit, got_distance = flicker.click_hit(stim, x, y, tolerance_px=11)
    assert got_hit is hit
    assert got_distance == pytest.approx(distance)


def test_click_outside_the_image_counts_from_the_edge():
    stim = _square_stimulus()
    hit, distance = flicker.click_hit(stim, 65, -20, tolerance_px=5)
    assert not hit and distance == pytest.approx(60.0)


def test_score_trial_first_hit_gives_time_to_detect():
    stim = _square_stimulus()
    trial = flicker.score_trial(stim, [(5, 5, 1200.0), (66, 44, 3400.0), (0, 0, 5000)], 2)
    assert trial.detected and trial.time_ms == 3400.0 and trial.clicks == 2
    assert (trial.x, trial.y, trial.stimulus_id) == (66, 44, 2)
    miss = flicker.score_trial(stim, [(5, 5, 1200.0)])
    assert not miss.detected and miss.time_ms == 1200.0 and miss.clicks == 1
    assert np.isnan(flicker.score_trial(stim, []).time_ms)


def test_summary_compares_salient_and_non_salient_changes():
    trials = [
        flicker.Trial(0, "high", "recolor", "flicker", True, 1000.0, 1),
        flicker.Trial(1, "high", "recolor", "flicker", True, 3000.0, 1),
        flicker.Trial(2, "high", "recolor", "flicker", True, 2500.0, 2),
        flicker.Trial(3, "low", "remove", "flicker", True, 9000.0, 3),
        flicker.Trial(4, "low", "remove", "flicker", False, 20000.0, 1),
        flicker.Trial(5, "low", "remove", "mudsplash", True, 4000.0, 1),
    ]
    table = flicker.summarize(trials)
    high = table.loc[("high", "flicker")]
    assert high["trials"] == 3 and high["detected"] == 1.0
    assert high["median_ms"] == 2500.0 and high["mean_ms"] == pytest.approx(6500 / 3)
    low = table.loc[("low", "flicker")]
    assert low["trials"] == 2 and low["detected"] == 0.5 and low["median_ms"] == 9000.0
    assert table.loc[("low", "mudsplash"), "trials"] == 1
    assert flicker.summarize([]).empty
    ax = flicker.plot_summary(trials)
    assert ax.get_ylabel() == "time to detect (s)" and ax.get_title()


def test_plot_cycle_draws_every_frame_on_a_time_axis():
    stim = _square_stimulus()
    ax = flicker.plot_cycle(flicker.frames(stim), flicker.schedule(), repeats=2)
    assert len(ax.images) == 8 and ax.get_xlim() == (0, 1280)
    assert ax.get_xlabel() == "time (ms)"


# -- be the observer -------------------------------------------------------------------

from saliency_course.fixations import Fixations  # noqa: E402
from saliency_course.widgets import observer  # noqa: E402


def _scripted_path(points, dwell_ms=500, move_ms=96, event_ms=16):
    """Browser-like events: one on arrival, none while resting, every 16 ms while moving."""
    t, x, y, now = [], [], [], 0.0
    for (px, py), following in zip(points, list(points[1:]) + [None], strict=True):
        t.append(now), x.append(px), y.append(py)
        now += dwell_ms
        if following is None:
            t.append(now), x.append(px), y.append(py)
            break
        steps = int(move_ms / event_ms)
        for k in range(1, steps):
            now += event_ms
            t.append(now)
            x.append(px + (following[0] - px) * k / steps)
            y.append(py + (following[1] - py) * k / steps)
        now += event_ms
    return np.array(t), np.array(x), np.array(y)


def test_resample_path_holds_the_last_position():
    t, x, y = observer.resample_path([0, 25, 31], [1, 2, 3], [5, 6, 7], rate_hz=100)
    assert np.allclose(t, [0, 10, 20, 30])
    assert np.allclose(x, [1, 1, 1, 2]) and np.allclose(y, [5, 5, 5, 6])
    with pytest.raises(ValueError, match="at least 2 samples"):
        observer.resample_path([0], [1], [1])
    with pytest.raises(ValueError, match="one entry per sample"):
        observer.resample_path([0, 1], [1], [1, 2])


def test_mouse_path_becomes_one_fixation_per_resting_place():
    points = [(100.0, 100.0), (400.0, 300.0), (700.0, 150.0)]
    t, x, y = _scripted_path(points)
    fixations = observer.path_to_fixations(t, x, y, ppd=24.0, shape=(600, 800), n=5, subject=2)
    assert isinstance(fixations, Fixations) and len(fixations) == 3
    assert np.allclose(fixations.x, [p[0] for p in points], atol=1)
    assert np.allclose(fixations.y, [p[1] for p in points], atol=1)
    assert np.all(fixations.n == 5) and np.all(fixations.subject == 2)
    assert np.all(fixations.duration >= 400)  # each rest lasted 500 ms


def test_mouse_path_outside_the_image_gives_no_fixation():
    t, x, y = _scripted_path([(100.0, 100.0), (-9999.0, -9999.0)], dwell_ms=600)
    fixations = observer.path_to_fixations(t, x, y, ppd=24.0, shape=(600, 800))
    assert len(fixations) == 1 and fixations.x[0] == pytest.approx(100)


def test_foveate_is_sharp_near_the_pointer_and_blurred_far_away():
    image = skimage.data.astronaut()[::2, ::2].copy()
    seen = observer.foveate(image, 128, 128, ppd=10.0, fovea_deg=2.0)  # sharp within 20 px
    assert np.array_equal(seen[108:149, 128], image[108:149, 128])
    levels, radii = observer.foveation_levels(image, ppd=10.0)
    assert radii[:2] == [20.0, 40.0]
    assert np.array_equal(seen[10, 10], levels[2][10, 10]) and not np.array_equal(levels[2], image)
    assert np.array_equal(seen[128, 128 + 30], levels[1][128, 158])


@pytest.fixture(scope="module")
def osie(data_dir):
    from saliency_course.data import load_dataset

    return load_dataset("osie", root=data_dir, download=False)


def test_scoring_against_real_observers(osie):
    shape = osie.image_shape(0)
    real = osie.fixations.for_image(0)
    one = real.subjects[0]
    others = real[real.subject != one]
    human = observer.score_observer(real.for_subject(one), others, shape, sigma_px=24, max_side=200)
    corners = np.array([[2.0, 2.0], [shape[1] - 3.0, shape[0] - 3.0], [2.0, shape[0] - 3.0]])
    corner = observer.score_observer(corners, others, shape, sigma_px=24, max_side=200)
    assert list(human.table.index) == ["you", "human observers", "centre prior"]
    assert len(human.humans) == len(others.subjects) == 14
    # A real observer looks like the others; looking only into the corners does not.
    assert human.table.loc["you", "nss"] > 0.5 and human.table.loc["you", "auc_judd"] > 0.7
    assert corner.table.loc["you", "nss"] < 0 and corner.percentile == 0.0
    assert human.percentile > corner.percentile
    # The human rows are the same whoever "you" is.
    assert np.allclose(human.humans.values, corner.humans.values)


def test_score_is_the_metric_of_the_density_map_vs_the_others(osie):
    """Recompute the folds by hand with the package's maps and metrics at the working size."""
    from saliency_course.maps import density_map, fixation_map
    from saliency_course.metrics import cc, nss

    real = osie.fixations.for_image(0)
    student = np.array([[400.0, 300.0], [200.0, 150.0]])
    got = observer.score_observer(
        student, real, (600, 800), 24, metrics=("nss", "cc"), max_side=400
    )
    small, half = (300, 400), lambda xy: (np.asarray(xy) + 0.5) / 2 - 0.5  # pixel centres scale
    you = density_map(half(student), small, sigma_px=12)
    nss_folds, cc_folds = [], []
    for s in real.subjects:  # leave observer s out: the others are the ground truth
        rest = real[real.subject != s]
        rest_xy = half(np.stack([rest.x, rest.y], axis=1))
        nss_folds.append(nss(you, fixation_map(rest_xy, small)))
        cc_folds.append(cc(you, density_map(rest_xy, small, sigma_px=12)))
    assert list(got.humans.index) == list(real.subjects)
    assert got.table.loc["you", "nss"] == pytest.approx(np.mean(nss_folds))
    assert got.table.loc["you", "cc"] == pytest.approx(np.mean(cc_folds))


def test_score_observer_rejects_bad_input(osie):
    real = osie.fixations.for_image(0)
    with pytest.raises(ValueError, match="fixations is empty"):
        observer.score_observer(np.zeros((0, 2)), real, (600, 800), 24)
    with pytest.raises(ValueError, match="at least 2 observers"):
        observer.score_observer([[1.0, 1.0]], real.for_subject(real.subjects[0]), (600, 800), 24)
    with pytest.raises(ValueError, match="metrics must be among"):
        observer.score_observer([[1.0, 1.0]], real, (600, 800), 24, metrics=("emd",))


# -- model explorer ------------------------------------------------------------------------

from saliency_course.widgets import explorer  # noqa: E402


def test_explore_scores_a_callable_model_with_the_benchmark_metrics(osie):
    from saliency_course.metrics import auc_judd, cc, nss

    small = osie.subset([0])

    def human_model(image):  # the density of the real fixations: a near-perfect "model"
        return small.density_map(0)

    result = explorer.explore(small, 0, human_model, model_name="humans")
    assert result.saliency.shape == result.image.shape[:2]
    assert result.scores["nss"] == pytest.approx(nss(result.saliency, small.fixation_map(0)))
    assert result.scores["auc_judd"] == pytest.approx(
        auc_judd(result.saliency, result.fixation_map)
    )
    assert result.scores["cc"] == pytest.approx(1.0) and result.scores["kld"] == pytest.approx(
        0, abs=1e-9
    )
    assert result.scores["cc"] == pytest.approx(cc(result.saliency, result.density))
    fig = explorer.plot_exploration(result)
    assert "humans" in fig.get_suptitle() and len(fig.axes) == 6  # 4 panels, 2 colour bars
    with pytest.raises(ValueError, match="index must be in"):
        explorer.explore(small, 3, human_model)
    with pytest.raises(ValueError, match="metrics must be among"):
        explorer.explore(small, 0, human_model, metrics=("emd",))


# -- shells without a browser ---------------------------------------------------------------

from saliency_course.widgets.ui import FlickerDemo, ModelExplorer, ObserverDemo  # noqa: E402


def test_flicker_demo_records_clicks_and_trials():
    stimuli = [_square_stimulus(), _square_stimulus()]
    demo = FlickerDemo(stimuli, ["flicker", "mudsplash"], image_ms=300, blank_ms=100)
    assert demo.widget.cycle == [["A", 300], ["blank", 100], ["B", 300], ["blank", 100]]
    assert set(demo.widget.frames) == {"A", "B", "blank", "reveal"}
    assert all(url.startswith("data:image/png;base64,") for url in demo.widget.frames.values())
    demo._on_message(None, {"event": "click", "x": 5, "y": 5, "t": 1000}, [])
    assert "Miss" in demo.widget.feedback and demo.widget.playing
    assert not demo.next()  # the trial is still open
    demo._on_message(None, {"event": "click", "x": 65, "y": 45, "t": 2500}, [])
    assert "Hit!" in demo.widget.feedback and not demo.widget.playing
    assert (
        demo.trials[-1].detected and demo.trials[-1].time_ms == 2500 and demo.trials[-1].clicks == 2
    )
    trial_before = demo.widget.trial
    demo._on_message(None, {"event": "next"}, [])
    assert demo.index == 1 and demo.widget.trial == trial_before + 1
    assert "B_mud" in demo.widget.frames and demo.widget.cycle[1][0] == "B_mud"
    demo._on_message(None, {"event": "give_up", "t": 7000}, [])
    assert not demo.trials[-1].detected and demo.trials[-1].variant == "mudsplash"
    assert not demo.next()
    assert demo.summary()["trials"].sum() == 2
    with pytest.raises(ValueError, match="variants must be one name or one per stimulus"):
        FlickerDemo(stimuli, ["flicker"])


def test_observer_demo_scores_a_path_sent_by_the_browser(osie):
    small = osie.subset([0, 1])
    demo = ObserverDemo(small, [0, 1], duration_s=3)
    assert set(demo.canvas.levels) == {"fovea", "parafovea", "periphery"}
    assert demo.canvas.radii == [48.0, 96.0] and demo.canvas.duration_ms == 3000
    t, x, y = _scripted_path([(300.0, 200.0), (500.0, 350.0)], dwell_ms=700)
    demo._on_message(None, {"event": "path", "t": t.tolist(), "x": x.tolist(), "y": y.tolist()}, [])
    assert len(demo.results) == 1 and len(demo.results[0]["fixations"]) == 2
    assert "You made <b>2</b> fixations" in demo.canvas.feedback
    t, x, y = _scripted_path([(300.0, 200.0)], dwell_ms=50)  # too short for a fixation
    assert demo.submit_path(t, x, y) is None and "No fixation" in demo.canvas.feedback
    demo.next()
    assert demo.index == 1


def test_model_explorer_shows_a_callable_model(osie):
    small = osie.subset([0, 1])
    explorer_widget = ModelExplorer(small, [0, 1], {"humans": lambda im: small.density_map(0)})
    assert explorer_widget.last is not None and explorer_widget.last.model_name == "humans"
    explorer_widget.image_choice.value = 1
    assert explorer_widget.last.scores["cc"] < 1  # image 0's density does not fit image 1


def test_frames_travel_losslessly_to_the_browser():
    import base64
    import io

    from PIL import Image

    from saliency_course.widgets.canvas import png_data_url

    image = skimage.data.astronaut()[::4, ::4].copy()
    url = png_data_url(image)
    decoded = np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))
    assert url.startswith("data:image/png;base64,") and np.array_equal(decoded, image)
    with pytest.raises(ValueError, match="uint8 RGB"):
        png_data_url(image.astype(float))

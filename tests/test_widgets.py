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

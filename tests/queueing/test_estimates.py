"""The wait estimator, a pure function of a queue's figures."""
import pytest

from queueing.estimates import MODEL_WEIGHT, QueueFigures, estimate_wait_seconds, time_weighted_mean


def test_no_finished_wait_means_no_estimate():
    figures = QueueFigures(open_slots=4, free_slots=0, recent_handle_times=((0, 300),))
    assert estimate_wait_seconds(position=3, figures=figures) is None


def test_recent_samples_weigh_more_than_old_ones():
    assert time_weighted_mean([(0, 100), (1800, 400)], half_life=1800) == pytest.approx(200)
    assert time_weighted_mean([]) is None


def test_without_agents_online_the_recent_waits_are_the_estimate():
    figures = QueueFigures(open_slots=0, recent_waits=((0, 240),), recent_handle_times=((0, 600),))
    assert estimate_wait_seconds(position=5, figures=figures) == 240


def test_the_wait_grows_with_position_and_shrinks_with_slots():
    base = dict(free_slots=0, recent_waits=((0, 0.0),), recent_handle_times=((0, 600.0),))
    two_slots = QueueFigures(open_slots=2, **base)
    four_slots = QueueFigures(open_slots=4, **base)
    assert estimate_wait_seconds(position=1, figures=two_slots) == pytest.approx(MODEL_WEIGHT * 300)
    assert estimate_wait_seconds(position=2, figures=two_slots) == pytest.approx(MODEL_WEIGHT * 600)
    assert estimate_wait_seconds(position=2, figures=four_slots) == pytest.approx(MODEL_WEIGHT * 300)


def test_a_free_slot_for_the_position_leaves_only_the_recent_share():
    figures = QueueFigures(open_slots=3, free_slots=2, recent_waits=((0, 100.0),), recent_handle_times=((0, 600.0),))
    assert estimate_wait_seconds(position=2, figures=figures) == pytest.approx((1 - MODEL_WEIGHT) * 100)

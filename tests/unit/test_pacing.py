"""The pacing timeline: scaled rests, unscaled holds, resync, cursor scheduling."""

from __future__ import annotations

import threading
import time

import pytest

from voiceguide.pacing import RealClock, Timeline, VirtualClock


def test_rest_scales_by_pace() -> None:
    clock = VirtualClock()
    tl = Timeline(clock, pace=0.5)
    assert tl.rest(4) is True
    assert tl.cursor == pytest.approx(2.0)
    assert clock.now() == pytest.approx(2.0)
    tl.rest(3)
    assert tl.elapsed() == pytest.approx(3.5)


def test_rest_at_double_pace() -> None:
    clock = VirtualClock()
    tl = Timeline(clock, pace=2.0)
    tl.rest(1.5)
    assert clock.now() == pytest.approx(3.0)


def test_pace_zero_means_no_waiting() -> None:
    clock = VirtualClock()
    tl = Timeline(clock, pace=0)
    for seconds in (3, 600, 0.25):
        assert tl.rest(seconds) is True
    assert tl.cursor == 0
    assert clock.now() == 0


def test_pace_zero_with_real_clock_returns_at_once() -> None:
    tl = Timeline(RealClock(), pace=0)
    t0 = time.monotonic()
    for _ in range(5):
        tl.rest(600)
    assert time.monotonic() - t0 < 1.0


def test_hold_does_not_scale() -> None:
    clock = VirtualClock()
    tl = Timeline(clock, pace=0.25)
    tl.hold(2.0)
    assert tl.cursor == pytest.approx(2.0)
    assert clock.now() == pytest.approx(2.0)
    tl.hold(-1)  # negative sound lengths never move time backwards
    assert tl.cursor == pytest.approx(2.0)


def test_resync_moves_cursor_forward_to_now() -> None:
    clock = VirtualClock()
    tl = Timeline(clock)
    tl.rest(1)
    clock.t = 7.5  # a person took a while to answer
    tl.resync()
    assert tl.cursor == pytest.approx(7.5)
    tl.rest(1)
    assert clock.now() == pytest.approx(8.5)


def test_resync_never_moves_cursor_backward() -> None:
    clock = VirtualClock()
    tl = Timeline(clock)
    tl.cursor = 10.0  # scheduled ahead of now
    tl.resync()
    assert tl.cursor == 10.0


def test_timeline_start_is_taken_from_the_clock() -> None:
    clock = VirtualClock()
    clock.t = 100.0
    tl = Timeline(clock)
    assert tl.elapsed() == 0
    tl.rest(2)
    assert clock.now() == pytest.approx(102.0)


def test_late_step_does_not_shift_later_events() -> None:
    """Lateness is absorbed: the next event stays at its absolute offset."""
    clock = VirtualClock()
    tl = Timeline(clock)
    tl.rest(4)  # event due at 4
    clock.t = tl.start + 4.7  # this step ran 0.7 s late
    tl.rest(4)  # next due at 8, not at 4.7 + 4
    assert tl.cursor == pytest.approx(8.0)
    assert clock.now() == pytest.approx(8.0)
    tl.rest(4)
    assert clock.now() == pytest.approx(12.0)


def test_very_late_step_does_not_wait_at_all() -> None:
    clock = VirtualClock()
    tl = Timeline(clock)
    clock.t = 9.0  # past the next two events
    tl.rest(4)
    assert clock.now() == pytest.approx(9.0)  # no extra wait
    assert tl.cursor == pytest.approx(4.0)  # schedule kept: not shifted to 13
    tl.rest(4)
    assert tl.cursor == pytest.approx(8.0)
    tl.rest(4)
    assert clock.now() == pytest.approx(12.0)


def test_virtual_clock_never_goes_back() -> None:
    clock = VirtualClock()
    clock.sleep_until(5)
    clock.sleep_until(2)
    assert clock.now() == 5


# ---------------------------------------------------------------- real clock


@pytest.mark.timeout(30)
def test_real_sleep_until_interrupted_from_another_thread() -> None:
    clock = RealClock()
    event = threading.Event()
    setter = threading.Timer(0.1, event.set)
    setter.start()
    t0 = time.monotonic()
    try:
        result = clock.sleep_until(t0 + 20.0, event)
    finally:
        setter.cancel()
        setter.join(timeout=5)
    assert result is False
    assert time.monotonic() - t0 < 10.0
    assert not setter.is_alive()


@pytest.mark.timeout(30)
def test_timeline_interrupt_cuts_a_rest_short() -> None:
    tl = Timeline(RealClock())
    setter = threading.Timer(0.1, tl.interrupt.set)
    setter.start()
    t0 = time.monotonic()
    try:
        assert tl.rest(20.0) is False
    finally:
        setter.cancel()
        setter.join(timeout=5)
    assert time.monotonic() - t0 < 10.0


@pytest.mark.timeout(30)
def test_real_sleep_until_returns_true_when_time_passes() -> None:
    clock = RealClock()
    event = threading.Event()
    target = time.monotonic() + 0.1
    assert clock.sleep_until(target, event) is True
    assert time.monotonic() >= target
    assert clock.sleep_until(time.monotonic() - 1.0) is True  # past: at once


@pytest.mark.timeout(60)
def test_real_schedule_has_no_cumulative_drift() -> None:
    """20 events 50 ms apart, each followed by 10 ms of work: a 'now + 50 ms'
    schedule would end ~200 ms late; the cursor keeps the last onset on time."""
    clock = RealClock()
    tl = Timeline(clock)
    onsets = []
    for _ in range(20):
        tl.hold(0.05)
        onsets.append(tl.elapsed())
        time.sleep(0.01)  # work done at each event
    assert onsets[-1] >= 1.0 - 1e-6  # never early
    assert onsets[-1] - 1.0 < 0.03  # last onset error: drift did not accumulate
    errors = [t - 0.05 * (i + 1) for i, t in enumerate(onsets)]
    assert min(errors) >= -1e-6

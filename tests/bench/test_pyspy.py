"""The bench's reading of py-spy's raw output (bench/pyspy.py)."""
from bench.pyspy import summarise

RAW = (
    "thread (0x1): MainThread;run (loop.py:1);handle (app.py:2) 30\n"
    # A frame read while the process ran on (--nonblocking) can hold any byte, a "\r" included.
    "thread (0x1): MainThread;\r\x00 (FIRST_COMPLETED);send (app.py:3) 5\n"
    "thread (0x1): MainThread;run (loop.py:1);send (app.py:3) 10\n"
)


def test_a_sample_with_a_torn_frame_name_is_counted_and_the_rest_still_read():
    [main] = summarise(RAW, top=5)
    assert main.name == "MainThread"
    assert dict(main.leaves) == {"handle (app.py)": 100 * 30 / 45, "send (app.py)": 100 * 15 / 45}

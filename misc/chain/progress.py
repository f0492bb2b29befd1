"""Progress bars for a terminal; nothing for a log file (it gets one line per epoch instead).

tqdm redraws its bar many times a second; written to a file those redraws become thousands of
lines. So the bar shows only when stderr is a terminal (or WOOD_PROGRESS=1 forces it on).

Every long loop of the chain goes through `progress`, which makes it the one place for the
resume tests' fault injection: WOOD_KILL_AT="<label>:<n>" SIGKILLs the process when the loop
whose label starts with <label> asks for its item n (n items done), as a user's Ctrl-\\ or the
OOM killer would.
"""
import os
import signal
import sys

from tqdm import tqdm

KILL_AT = "WOOD_KILL_AT"


class _KillingBar:
    """A tqdm bar that kills the process before handing out item `at`."""

    def __init__(self, bar, at):
        self.bar, self.at = bar, at

    def __iter__(self):
        for index, item in enumerate(self.bar):
            if index == self.at:
                os.kill(os.getpid(), signal.SIGKILL)
            yield item

    def __getattr__(self, name):
        return getattr(self.bar, name)


def progress(iterable=None, **kwargs):
    """tqdm, off unless stderr is a terminal."""
    forced = os.environ.get("WOOD_PROGRESS")
    enabled = forced == "1" if forced in ("0", "1") else sys.stderr.isatty()
    kwargs.setdefault("leave", False)
    kwargs.setdefault("mininterval", 0.5)
    bar = tqdm(iterable, disable=not enabled, **kwargs)
    target = os.environ.get(KILL_AT, "")
    label, _, at = target.rpartition(":")
    if label and kwargs.get("desc", "").startswith(label):
        return _KillingBar(bar, int(at))
    return bar

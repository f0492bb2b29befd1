"""Progress bars for a terminal; nothing for a log file (it gets one line per epoch instead).

tqdm redraws its bar many times a second; written to a file those redraws become thousands of
lines. So the bar shows only when stderr is a terminal (or WOOD_PROGRESS=1 forces it on).
"""
import os
import sys

from tqdm import tqdm


def progress(iterable=None, **kwargs):
    """tqdm, off unless stderr is a terminal."""
    forced = os.environ.get("WOOD_PROGRESS")
    enabled = forced == "1" if forced in ("0", "1") else sys.stderr.isatty()
    kwargs.setdefault("leave", False)
    kwargs.setdefault("mininterval", 0.5)
    return tqdm(iterable, disable=not enabled, **kwargs)

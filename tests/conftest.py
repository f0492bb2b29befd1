import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


@pytest.fixture
def in_tmp_dir(tmp_path, monkeypatch):
    """Run with the temp folder as the working directory (run_sample's paths are relative)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def steps_only(*passes):
    """Flags that switch every step of the chain off except the given pass flags."""
    from run_sample import CHAIN

    flags = []
    for _, name, _ in CHAIN:
        flag = f"{name}_pass"
        flags += [f"--{flag}", "true" if flag in passes else "false"]
    return flags

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

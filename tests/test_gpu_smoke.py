"""The smoke chain on CUDA, where the host has a GPU (skipped elsewhere): every step runs on the
device, its outputs exist and its metrics are percentages. Bytes are not compared (CUDA kernels
are not deterministic); the rest of the suite runs on CPU (tests/conftest.py)."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import HOST_CUDA_VISIBLE_DEVICES, ROOT


def host_env():
    env = {k: v for k, v in os.environ.items() if k != "CUDA_VISIBLE_DEVICES"}
    if HOST_CUDA_VISIBLE_DEVICES is not None:
        env["CUDA_VISIBLE_DEVICES"] = HOST_CUDA_VISIBLE_DEVICES
    return env


def host_has_cuda():
    if shutil.which("nvidia-smi") is None:
        return False
    probe = subprocess.run([sys.executable, "-c", "import torch; print(torch.cuda.is_available())"],
                           capture_output=True, text=True, env=host_env())
    return probe.stdout.strip() == "True"


@pytest.mark.slow
def test_the_smoke_chain_on_cuda(tmp_path):
    if not host_has_cuda():
        pytest.skip("no CUDA device on this host")
    done = subprocess.run([sys.executable, os.path.join(ROOT, "run_sample.py"), "--preset", "smoke", "--device", "cuda"],
                          cwd=tmp_path, capture_output=True, text=True, env=host_env(), timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    result = tmp_path / "result" / "smoke"
    for row in ("baseline", "wood"):
        seeds = json.loads((result / row / "seed_eval.json").read_text())
        assert 0.0 <= seeds["fixed"]["miou"] <= 1.0 and len(os.listdir(result / row / "cam")) > 1
        masks = json.loads((result / row / "mask_eval.json").read_text())
        assert 0.0 <= masks["miou"] <= 1.0
    assert (result / "table3.txt").is_file() and (result / "report.md").is_file()
    memory = json.loads((result / "memory.json").read_text())
    assert any(v.get("cuda_peak_mb") for v in memory.values())  # it did run on the device

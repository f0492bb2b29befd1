"""Peak memory of one step: the process's resident set (Linux VmHWM, reset before each step),
its finished child processes' (step 7's CRF workers; a high-water mark over the run) and, on
CUDA, torch's peak allocation on the run's device. Read by run_sample.py into
result/<run>/memory.json. A CPU run never touches CUDA (asking torch about a GPU would open a
context on it)."""
import re
import resource

import torch


def reset_peak(device=None):
    """Start a new high-water mark for this process (Linux: writing 5 to clear_refs); on a CUDA
    `device`, torch's peak allocation there too."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:  # not Linux, or not allowed: the mark then covers the run so far
        pass
    if _on_cuda(device):
        torch.cuda.reset_peak_memory_stats(device)


def _vm_hwm_kb():
    try:
        with open("/proc/self/status") as f:
            return int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1))
    except (OSError, AttributeError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux


def _on_cuda(device):
    return device is not None and torch.device(device).type == "cuda"


def peak(device=None):
    """{"peak_rss_mb", "children_peak_rss_mb"[, "cuda_peak_mb"]} since the last reset_peak()."""
    out = {"peak_rss_mb": round(_vm_hwm_kb() / 1024, 1),
           "children_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}
    if _on_cuda(device):
        out["cuda_peak_mb"] = round(torch.cuda.max_memory_allocated(device) / 2 ** 20, 1)
    return out

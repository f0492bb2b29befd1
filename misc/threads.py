"""The thread rule: never more busy threads than cores (issue 16).

On 2 cores, two torch jobs with torch's defaults slowed each other 10-30x, not the 2x that
sharing explains: each spun 2 OpenMP threads (and step 7 added its CRF processes) on the same 2
cores. The rule, applied once by run_sample.py before any step runs:

- threads per process = WOOD_THREADS when it is a number; else OMP_NUM_THREADS when set outside
  torchrun (the user's choice, e.g. 1 for a job beside another); else cores // processes on this
  machine (torchrun's LOCAL_WORLD_SIZE; 1 without torchrun), at least 1. Under torchrun
  OMP_NUM_THREADS is not read: torchrun sets it to 1 for every rank itself, which would leave 15
  of 16 cores idle with one rank a GPU;
- step 7's CRF processes per rank = min(--crf_workers, cores // processes), at least 1; they are
  numpy/C++ and single-threaded, and the rank that started them waits while they run;
- waiting OpenMP threads sleep (OMP_WAIT_POLICY=PASSIVE, run_sample.py) unless the user set it;
- WOOD_THREADS=as-given leaves torch's own setting alone.
"""
import os


def cores():
    """The cores this process may run on (its affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def processes_here(env=os.environ):
    return max(1, int(env.get("LOCAL_WORLD_SIZE", "1")))


def threads_per_process(env=os.environ, n_cores=None):
    """The rule's torch thread count, or None for WOOD_THREADS=as-given."""
    n_cores = n_cores or cores()
    given = env.get("WOOD_THREADS", "")
    if given == "as-given":
        return None
    if given:
        if not given.isdigit() or int(given) < 1:
            raise ValueError(f"WOOD_THREADS must be a positive integer or 'as-given', got {given!r}")
        return int(given)
    if env.get("OMP_NUM_THREADS", "").isdigit() and "LOCAL_WORLD_SIZE" not in env:
        return max(1, int(env["OMP_NUM_THREADS"]))
    return max(1, n_cores // processes_here(env))


def crf_workers(requested, env=os.environ, n_cores=None):
    """Step 7's CRF processes for this rank."""
    n_cores = n_cores or cores()
    return max(1, min(requested, n_cores // processes_here(env)))


def apply_rule():
    """Set torch's intra-op threads by the rule; returns the count (None: left as given)."""
    n = threads_per_process()
    if n is not None:
        import torch

        torch.set_num_threads(n)
    return n

"""The thread rule: never more busy threads than cores .

On 2 cores, two torch jobs with torch's defaults slowed each other 10-30x, not the 2x that
sharing explains: each spun 2 OpenMP threads (and step 7 added its CRF processes) on the same 2
cores. The rule, applied once by run_sample.py before any step runs:

- one process without torchrun: torch's own setting (OMP_NUM_THREADS when you set it, else its
  default), exactly as before the rule, unless WOOD_THREADS says otherwise;
- under torchrun, threads per process = WOOD_THREADS when it is a number; else OMP_NUM_THREADS
  when it is not 1; else cores // processes on this machine (LOCAL_WORLD_SIZE), at least 1 (cores:
  this process's CPU affinity; when torchrun or a scheduler already bound each rank to fewer
  cores than the machine has, those are the rank's, not divided again). torchrun sets
  OMP_NUM_THREADS=1 itself for every rank, which would leave 15 of 16 cores idle with one rank a
  GPU, so a 1 there is read as torchrun's; a user who wants 1 thread a rank sets WOOD_THREADS=1;
- step 7's CRF processes per rank = min(--crf_workers, cores // processes), at least 1; they are
  numpy/C++ and single-threaded, and the rank that started them waits while they run;
- waiting OpenMP threads sleep (OMP_WAIT_POLICY=PASSIVE, run_sample.py) unless the user set it;
- WOOD_THREADS=as-given leaves torch's own setting alone.
"""
import os

from misc.chain.errors import BadInput


def cores():
    """The cores this process may run on (its affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def processes_here(env=os.environ):
    return max(1, int(env.get("LOCAL_WORLD_SIZE", "1")))


def threads_per_process(env=os.environ, n_cores=None, machine=None):
    """The rule's torch thread count, or None: torch's own setting is kept."""
    given = env.get("WOOD_THREADS", "")
    if given == "as-given":
        return None
    if given:
        if not given.isdigit() or int(given) < 1:
            raise BadInput(f"WOOD_THREADS must be a positive integer or 'as-given', got {given!r}")
        return int(given)
    if "LOCAL_WORLD_SIZE" not in env:
        return None  # one process: torch's setting, unchanged
    omp = env.get("OMP_NUM_THREADS", "")
    if omp.isdigit() and int(omp) > 1:
        return int(omp)
    return max(1, cores_per_process(env, n_cores, machine))


def cores_per_process(env=os.environ, n_cores=None, machine=None):
    """This process's share of the cores: its affinity when it is already bound to fewer cores
    than the machine has, else the machine's cores // processes here."""
    n_cores, machine = n_cores or cores(), machine or os.cpu_count() or 1
    return n_cores if n_cores < machine else n_cores // processes_here(env)


def crf_workers(requested, env=os.environ, n_cores=None, machine=None):
    """Step 7's CRF processes for this rank."""
    return max(1, min(requested, cores_per_process(env, n_cores, machine)))


def apply_rule():
    """Set torch's intra-op threads by the rule; returns the count (None: torch's setting kept)."""
    n = threads_per_process()
    if n is not None:
        import torch

        torch.set_num_threads(n)
    return n

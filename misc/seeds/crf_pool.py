"""The dense CRF over many images in worker processes (steps 6, 7 and 12): one pool recipe.

pydensecrf runs one image on one core and holds the GIL, so images go to `spawn`ed processes
(misc/chain/threads.py decides how many: min(--crf_workers, cores / processes)). A worker imports
the module of the function it runs: the steps' jobs are in misc/seeds/crf_jobs.py, which does not
import torch, so a worker starts in ~0.1 s. Results come back as they finish; the callers only
sum or write them, so the order does not change any output.
"""
from collections import deque
from multiprocessing import get_context

from misc.chain import threads
from misc.chain.progress import progress


def crf_map_ordered(function, jobs, requested_workers, total, desc):
    """Yield function(job) in the order of `jobs`, a generator consumed lazily (step 12: the
    network makes the next images' jobs while the pool refines the earlier ones)."""
    workers = max(1, min(threads.crf_workers(requested_workers), total))
    if workers == 1:
        for job in progress(jobs, total=total, desc=desc, leave=False):
            yield function(job)
        return
    bar = progress(total=total, desc=desc, leave=False)
    with get_context("spawn").Pool(workers) as pool:
        pending = deque()  # at most 2 jobs a worker in flight: the images' arrays are large
        for job in jobs:
            pending.append(pool.apply_async(function, (job,)))
            while len(pending) > 2 * workers:
                bar.update()
                yield pending.popleft().get()
        while pending:
            bar.update()
            yield pending.popleft().get()
    bar.close()


def crf_map(function, jobs, requested_workers, desc):
    """Yield function(job) for every job: in this process with one worker, else in a pool.
    `function` must be importable (a module-level function): spawned workers import it."""
    workers = max(1, min(threads.crf_workers(requested_workers), len(jobs)))
    if workers == 1:
        for job in progress(jobs, desc=desc, leave=False):
            yield function(job)
        return
    with get_context("spawn").Pool(workers) as pool:
        yield from progress(pool.imap_unordered(function, jobs, chunksize=8), total=len(jobs), desc=desc, leave=False)

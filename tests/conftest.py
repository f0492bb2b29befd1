import os
import shutil
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

# The suite runs on CPU, also on a GPU host: its chain tests compare bytes across runs (resume,
# torchrun), and CUDA's index_add_, upsampling backward and cuDNN kernels are not deterministic.
# Hiding the GPUs here (before anything imports torch) pins every test and every subprocess it
# starts; tests/test_gpu_smoke.py gives the host's devices back to its own subprocess.
HOST_CUDA_VISIBLE_DEVICES = os.environ.get("CUDA_VISIBLE_DEVICES")
os.environ["CUDA_VISIBLE_DEVICES"] = ""
# One thread a process, this one included: the suite runs its background jobs beside the other
# tests, and a second torch thread here mostly spins waiting for a core they hold.
os.environ["OMP_NUM_THREADS"] = "1"

# The tiny synthetic chain the chain tests share. --ood_score_thres 0: a classifier trained for
# seconds may flag no candidate; these tests check the plumbing of every step (the mining rule
# itself is tested in test_ood_mining.py).
TINY = ["--preset", "smoke", "--syn_n_train", "48", "--syn_n_val", "16", "--syn_n_probe_per_class", "2",
        "--syn_n_ood_hard", "8", "--syn_n_ood_easy", "8", "--syn_n_ood_positive", "4", "--pretrain_num_images", "128",
        "--ood_score_thres", "0.0"]


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: reruns chain steps or runs subprocesses (tens of seconds); "
                                       "-m 'not slow' skips")
    # pycocotools 2.0.11 calls np.array(copy=False) on its own type under numpy 2 (not this project's code)
    config.addinivalue_line("filterwarnings", "ignore:__array__ implementation doesn't accept a copy keyword")


@pytest.fixture
def in_tmp_dir(tmp_path, monkeypatch):
    """Run with the temp folder as the working directory (run_sample's paths are relative)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory, background_jobs):
    """The whole TINY chain, run once per test session; its folder (read it, never change it).
    The background jobs that start from it start when it is made."""
    from run_sample import main

    folder = tmp_path_factory.mktemp("smoke_run")
    cwd, umask = os.getcwd(), os.umask(0o022)  # the usual umask, so the modes it leaves can be checked
    os.chdir(folder)
    try:
        main(TINY)
    finally:
        os.chdir(cwd)
        os.umask(umask)
    background_jobs.submit(JOBS_AFTER_SMOKE_RUN, folder)
    return folder


# The suite's longest commands that share nothing with the other tests (their own folders, one
# thread a process) start with the session, each driven by a thread of this process, beside the
# other tests; their test then waits for the job and checks what it left. {test name: (module,
# job)}: job(folder, env) runs the commands (env: the environment as the session started, as no
# test's monkeypatch has it) and returns what the test reads.
BACKGROUND_JOBS = {
    "test_voc_preset_runs_every_step_on_a_mock_through_the_device_check": ("tests.test_voc_dry_run", "dry_run_job"),
    "test_sigkill_in_every_training_step_then_rerun_equals_no_kill": ("tests.test_resume", "kill_and_resume_job"),
    "test_engine_under_torchrun_equals_one_process": ("tests.test_distributed", "engine_job"),
}
# Jobs that start from the session's smoke run, once it is made: job(folder, env, smoke_run).
JOBS_AFTER_SMOKE_RUN = {
    "test_chain_under_torchrun_equals_one_process": ("tests.test_distributed", "chain_job"),
    "test_the_smoke_chain_runs_every_step_on_a_coco_mock": ("tests.test_coco", "coco_chain_job"),
    "test_the_smoke_chain_runs_every_step_on_a_folder_without_masks": ("tests.test_folder_dataset", "folder_chain_job"),
    "test_retrained_f_in_remakes_everything_after_it": ("tests.test_smoke_chain", "retrained_f_in_job"),
}


def pytest_collection_modifyitems(session, config, items):
    """The tests that wait for a background job run last (in their order), so that the other
    tests run while the jobs do, instead of queueing behind a test that waits."""
    jobs = {*BACKGROUND_JOBS, *JOBS_AFTER_SMOKE_RUN}
    items.sort(key=lambda item: item.name in jobs)  # stable: the order within each part is kept


class BackgroundJobs:
    """The selected tests' jobs, each in a thread of this process (its commands are child processes)."""

    def __init__(self, names, tmp_path_factory):
        from concurrent.futures import ThreadPoolExecutor

        self.names, self.tmp_path_factory = names, tmp_path_factory
        self.env = dict(os.environ)
        self.pool = ThreadPoolExecutor(max_workers=max(1, len(names & {*BACKGROUND_JOBS, *JOBS_AFTER_SMOKE_RUN})))
        self.futures = {}

    def submit(self, jobs, *extra, env=None):
        import importlib

        for name in sorted(self.names & set(jobs)):
            module, job = jobs[name]
            self.futures[name] = self.pool.submit(getattr(importlib.import_module(module), job),
                                                  self.tmp_path_factory.mktemp("background"), env or self.env, *extra)

    def close(self):
        from tests import preloaded

        preloaded.kill_all()  # the session ended first (-x, a failure): nothing left running
        self.pool.shutdown(wait=True)


@pytest.fixture(scope="session", autouse=True)
def background_jobs(request, tmp_path_factory):
    """The background jobs of the selected tests; those of BACKGROUND_JOBS start now."""
    jobs = BackgroundJobs({item.name for item in request.session.items}, tmp_path_factory)
    from tests.preloaded import NICE

    # Niced: the smoke run in this process goes first, and the jobs waiting for it start sooner.
    jobs.submit(BACKGROUND_JOBS, env={**jobs.env, NICE: "10"})
    yield jobs
    jobs.close()


@pytest.fixture
def background(request, background_jobs):
    """What this test's background job returned (re-raising what it raised)."""
    if request.node.name in JOBS_AFTER_SMOKE_RUN:
        request.getfixturevalue("smoke_run")  # made (and its jobs started) if no earlier test made it
    return background_jobs.futures[request.node.name].result(timeout=1200)


@pytest.fixture
def smoke_copy(smoke_run, tmp_path, monkeypatch):
    """A private copy of the session's smoke run (times kept), as the working directory."""
    folder = tmp_path / "run"
    shutil.copytree(smoke_run, folder, symlinks=True)
    monkeypatch.chdir(folder)
    return folder


def copy_stand_in(smoke_run, folder):
    """The session run's pretraining stand-in (TINY's flags: smoke preset, 128 images) into
    `folder`/sess/pretrained, as runs share it: a run with the same pretraining flags on another
    data set finds it current and does not pretrain again."""
    shutil.copytree(os.path.join(smoke_run, "sess", "pretrained"), os.path.join(folder, "sess", "pretrained"))


def steps_only(*passes):
    """Flags that switch every step of the chain off except the given pass flags."""
    from run_sample import CHAIN

    flags = []
    for _, name, _ in CHAIN:
        flag = f"{name}_pass"
        flags += [f"--{flag}", "true" if flag in passes else "false"]
    return flags

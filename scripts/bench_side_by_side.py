"""Wall time of the F_in step (step 1) alone and beside a second identical job, per thread setting.

    python scripts/bench_side_by_side.py                 # smoke-sized data, 4 epochs
    python scripts/bench_side_by_side.py --epochs 2 -- --preset synthetic

Two torch jobs on a small machine can slow each other far more than sharing the cores explains
(OpenMP threads spinning while they wait). This measures it: each setting runs one job alone,
then two at once (separate run folders on the same data), and prints the median wall time per
job and the slowdown. Data and the pretraining stand-in are made once first and not timed.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from misc.report.tables import format_table  # noqa: E402

SETTINGS = {
    "torch default": {"OMP_WAIT_POLICY": "", "GOMP_SPINCOUNT": ""},
    "OMP_WAIT_POLICY=PASSIVE": {"OMP_WAIT_POLICY": "PASSIVE"},
    "GOMP_SPINCOUNT=10000": {"GOMP_SPINCOUNT": "10000"},
    "GOMP_SPINCOUNT=100000": {"GOMP_SPINCOUNT": "100000"},
    "OMP_NUM_THREADS=1": {"OMP_NUM_THREADS": "1"},
    "the project's default": None,  # whatever run_sample.py sets when nothing is given
}
THREAD_VARS = ("OMP_WAIT_POLICY", "OMP_NUM_THREADS", "GOMP_SPINCOUNT")


def job(workdir, run_name, env_extra, flags):
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    env.update({k: v for k, v in (env_extra or {}).items() if v})
    if env_extra is not None:  # an explicit setting: run_sample.py must not add its own
        env["WOOD_THREADS"] = "as-given"
    cmd = [sys.executable, os.path.join(ROOT, "run_sample.py"), *flags, "--run_name", run_name, "--steps", "0,1",
           "--overwrite", "train_cam"]
    return subprocess.Popen(cmd, cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def timed(workdir, count, env_extra, flags):
    """Start `count` jobs at once; return each one's wall time."""
    start = time.time()
    procs = [job(workdir, f"bench{i}", env_extra, flags) for i in range(count)]
    times = []
    for proc in procs:
        _, err = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(err[-2000:])
        times.append(time.time() - start)
    return times


def main():
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--settings", default=",".join(SETTINGS), help="comma list of the rows to measure")
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    flags = ["--preset", "smoke", "--syn_n_train", "400", "--cam_num_epoches", str(args.epochs)] + extra
    workdir = tempfile.mkdtemp(prefix="bench_side_by_side_")
    data = ["--voc12_root", os.path.join(workdir, "Data", "VOC2012"), "--ood_root", os.path.join(workdir, "pool")]
    flags += data
    subprocess.run([sys.executable, os.path.join(ROOT, "run_sample.py"), *flags, "--run_name", "bench0", "--steps",
                    "0-1"], cwd=workdir, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = []
    for name in args.settings.split(","):
        env_extra = SETTINGS[name]
        alone = [t for _ in range(args.repeats) for t in timed(workdir, 1, env_extra, flags)]
        pair = [t for _ in range(args.repeats) for t in timed(workdir, 2, env_extra, flags)]
        a, b = statistics.median(alone), statistics.median(pair)
        rows.append([name, f"{a:.1f}", f"{b:.1f}", f"{b / a:.1f}x"])
        print(rows[-1], flush=True)
    print(format_table(["threads", "alone (s)", "two at once (s, each)", "slowdown"], rows))
    print(f"cores: {os.cpu_count()}; job: step 1 of `run_sample.py {' '.join(flags[:6])} ...` (steps 0 and 1, "
          f"data made beforehand)")


if __name__ == "__main__":
    main()

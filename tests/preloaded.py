"""Python scripts in real child processes that start without importing torch again.

A process that runs the chain spends ~5 s before its first step: importing torch (~3.5 s with the
CUDA build) and torch._dynamo, which every optimizer's constructor imports (~1.5 s). The chain
tests start dozens of such processes (killed and resumed runs, reference runs). Here a
multiprocessing forkserver imports those modules once, running no torch operation (so no thread
pool exists to be lost in a fork); each command is a fork of it that sets its working directory,
environment and argv, sends its stdout and stderr to files, and runs the script as `__main__`.
Exit codes are a process's own: a `sys.exit(n)` is n, an uncaught exception 1, a SIGKILL -9.
A command may also be `["-m", module, *args]`, as `python -m` runs it: torchrun's agent
(`-m torch.distributed.run`) starts this way, and starts its ranks itself, each a fresh
interpreter, as torchrun always does. Not for a command that must itself be a fresh interpreter.
"""
import multiprocessing
import os
import runpy
import shutil
import sys
import tempfile
from types import SimpleNamespace

from tests.conftest import ROOT

_started = []  # every Child, for kill_all()
PRELOAD = ["torch", "torch._dynamo", "torch.optim", "torch.distributed.launcher.api", "run_sample", "misc.chain.engine"]
_context = None
# A command whose environment sets this runs at that niceness: the suite's background jobs that
# start with the session yield the cores to the smoke run, which the other jobs wait for.
NICE = "SUITE_NICE"


def context():
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(PRELOAD)
    return _context


def _main(script, args, cwd, env, stdout_path, stderr_path):
    if env.get(NICE):
        os.nice(int(env[NICE]))  # its children (torchrun's ranks) inherit it
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    for target, path in ((1, stdout_path), (2, stderr_path)):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)  # O_APPEND: one file may take both
        os.dup2(fd, target)
        os.close(fd)
    try:
        if script == "-m":  # as `python -m module args`: the working directory first on the path
            sys.argv, sys.path[0] = args, os.getcwd()
            runpy.run_module(args[0], run_name="__main__", alter_sys=True)
        else:
            sys.argv = [script, *args]
            sys.path[0] = os.path.dirname(os.path.abspath(script))  # as `python script` puts it first
            runpy.run_path(script, run_name="__main__")
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def _read(path):
    with open(path) as f:
        return f.read()


class Child:
    """A started command ([script, *args] or ["-m", module, *args]): wait() -> its exit code;
    output() -> what it printed."""

    def __init__(self, cmd, cwd, env, stdout_path, stderr_path):
        script, args = cmd[0], list(cmd[1:])
        self.paths = (stdout_path, stderr_path)
        for path in set(self.paths):
            open(path, "w").close()
        self.process = context().Process(target=_main, args=(script, args, str(cwd), dict(env), *self.paths))
        self.process.start()
        _started.append(self)

    def wait(self, timeout=None):
        self.process.join(timeout)
        if self.process.is_alive():  # past the timeout: killed, so that no test hangs on it
            self.process.kill()
            self.process.join()
            raise TimeoutError(f"still running after {timeout} s; its output:\n{self.output()[-3000:]}")
        return self.process.exitcode

    def output(self):
        return "".join(_read(p) for p in dict.fromkeys(self.paths))


def kill_all():
    """SIGKILL every started command still running (the end of a session that stopped early)."""
    for child in _started:
        if child.process.is_alive():
            child.process.kill()
            child.process.join()


def start(cmd, cwd, env, output_path):
    """Start `cmd` ([script, *args]) beside the caller, both streams to `output_path`."""
    return Child(cmd, cwd, env, output_path, output_path)


def run_at_once(launches, folder, env):
    """Start every launch ({name: (cmd, cwd)}) at once, wait for all; each must exit 0. The
    launches are independent (each its own folder), one thread a process, as in the one-process
    runs they are compared to."""
    env = {**env, "WOOD_THREADS": "1"}
    children = {name: start(cmd, cwd, env, str(folder / f"{name}.log")) for name, (cmd, cwd) in launches.items()}
    codes = {name: child.wait(timeout=600) for name, child in children.items()}
    assert set(codes.values()) == {0}, "\n".join(f"{n}: {codes[n]}\n{c.output()[-3000:]}" for n, c in children.items())


RUN_SAMPLE = os.path.join(ROOT, "run_sample.py")


def run_chain(argv, cwd, log_folder, env):
    """run_sample.py with `argv` in `cwd`, one thread, to its end (it must exit 0); its output
    goes to `log_folder`/chain.log."""
    run_at_once({"chain": ([RUN_SAMPLE, *argv], cwd)}, log_folder, env)


def run(cmd, cwd=ROOT, env=None, merge=True):
    """Run `cmd` ([script, *args]) to its end: .returncode, .stdout and .stderr, as subprocess.run(..., text=True)
    gives them with stdout=PIPE and stderr=STDOUT (merge, .stderr empty) or both PIPE."""
    folder = tempfile.mkdtemp(prefix="preloaded-")
    out, err = os.path.join(folder, "stdout"), os.path.join(folder, "stderr" if not merge else "stdout")
    child = Child(cmd, cwd, os.environ if env is None else env, out, err)
    returncode = child.wait()
    result = SimpleNamespace(returncode=returncode, stdout=_read(out), stderr="" if merge else _read(err))
    shutil.rmtree(folder)
    return result

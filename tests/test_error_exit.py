"""A user's mistake ends like a command-line tool's: one line naming the file or flag and the fix,
exit status 2, nothing the user owns changed. Anything else is a bug and keeps its traceback."""
import os

import numpy as np
import pytest

import run_sample
from misc.chain.errors import BadInput, MissingInput, UserError, WontOverwrite
from tests import preloaded


class _Payload:
    """Unpickling this runs a command: a cluster file that would execute code when loaded."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_cli(argv, cwd):
    """run_sample.py as a user runs it, in a child process (forked with torch imported: tests/preloaded.py)."""
    return preloaded.run([os.path.join(ROOT, "run_sample.py"), *argv], cwd, merge=False)


def test_a_user_error_is_one_line_and_status_2(monkeypatch, capsys):
    def refuse(argv):
        raise WontOverwrite("--cam_out_dir mine/ holds .npy files that this project did not make; give a new folder")

    monkeypatch.setattr(run_sample, "main", refuse)
    assert run_sample.command_line([]) == 2
    err = capsys.readouterr().err
    assert err == "run_sample.py: error: --cam_out_dir mine/ holds .npy files that this project did not make; " \
                  "give a new folder\n"


def test_any_other_exception_keeps_its_traceback(monkeypatch):
    def bug(argv):
        raise ZeroDivisionError("a bug, not the user's mistake")

    monkeypatch.setattr(run_sample, "main", bug)
    with pytest.raises(ZeroDivisionError):
        run_sample.command_line([])


def test_the_user_errors_are_also_the_builtin_errors_callers_catch():
    assert issubclass(BadInput, ValueError) and issubclass(MissingInput, FileNotFoundError)
    assert issubclass(WontOverwrite, FileExistsError) and all(
        issubclass(k, UserError) for k in (BadInput, MissingInput, WontOverwrite))


def test_a_bad_name_from_the_command_line(tmp_path):
    done = run_cli(["--preset", "smoke", "--run_name", "a/b"], tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "run_sample.py: error: --run_name 'a/b': a name, not a path (no '/', not '.' or '..'): names stay inside the "
        "run folders"]


def test_a_users_ood_list_is_refused_in_one_line_and_kept(smoke_copy):
    from tests.conftest import TINY

    mine = smoke_copy / "my_ood_list.txt"
    mine.write_text("not written by this project\n")
    done = run_cli([*TINY, "--steps", "2", "--ood_list", str(mine)], smoke_copy)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("run_sample.py: error: --ood_list ") and "my_ood_list.txt" in last
    assert "not written by this project" in last
    assert mine.read_text() == "not written by this project\n"


def test_a_pickled_cluster_file_is_refused_in_one_line(smoke_copy):
    from tests.conftest import TINY

    pickled = smoke_copy / "clusters.npy"
    np.save(pickled, np.array({"class_centres": _Payload(str(smoke_copy / "pwned"))}, dtype=object), allow_pickle=True)
    before = pickled.read_bytes()
    done = run_cli([*TINY, "--steps", "4", "--cluster_file", str(pickled)], smoke_copy)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("run_sample.py: error: ") and "clusters.npy" in last
    assert pickled.read_bytes() == before and not (smoke_copy / "pwned").exists()


def test_a_cluster_file_of_another_structure_names_the_file(tmp_path):
    from misc import io_utils
    from misc.method.clustering import load_cluster_file

    path = str(tmp_path / "other.npy")
    io_utils.save_npy(path, {"class_centres": np.zeros((2, 3), np.float32)})
    with pytest.raises(BadInput, match="other.npy is not one step 3 wrote .no ood_centres, ood_ids"):
        load_cluster_file(path)

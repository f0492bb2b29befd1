"""misc/chain/rerun.py: the one rerun rule; a resumed step never keeps files made from other inputs."""
import json
import os

import numpy as np
import pytest

from misc import io_utils
from misc.chain import rerun
from misc.chain.rerun import STAMP, fingerprint, must_remake, record, sidecar, skip_file, why_not_current


def test_first_run_resumes_and_records_what_it_was_made_from(tmp_path):
    assert must_remake(str(tmp_path), {"a": (1, 2)}, False, ".png") is False
    assert json.load(open(tmp_path / STAMP)) == {"a": [1, 2], "_generation": 0}
    assert must_remake(str(tmp_path), {"a": (1, 2)}, False, ".png") is False  # tuples read back as lists
    assert must_remake(str(tmp_path), {"a": (1, 2)}, True, ".png") is True  # --overwrite


def test_other_inputs_delete_the_stale_outputs_only(tmp_path):
    must_remake(str(tmp_path), {"cam": "x"}, False, ".png")
    (tmp_path / "a.png").write_bytes(b"old")
    (tmp_path / "notes.txt").write_text("keep")
    before = fingerprint(str(tmp_path))
    assert must_remake(str(tmp_path), {"cam": "y"}, False, ".png") is True
    assert not (tmp_path / "a.png").exists() and (tmp_path / "notes.txt").read_text() == "keep"
    assert fingerprint(str(tmp_path)) != before  # so the next step's stamp changes too
    assert fingerprint(str(tmp_path / "missing")) == ""


def test_per_image_steps_make_the_missing_ids_or_all_of_them(tmp_path):
    folder = str(tmp_path)
    assert rerun.ids_to_make(folder, ["a", "b", "c"], {"cam": "x"}, False, ".png") == ["a", "b", "c"]
    (tmp_path / "a.png").write_bytes(b"a" + io_utils.PNG_END)  # whole: a PNG ends with its IEND chunk
    (tmp_path / "c.png").write_bytes(b"c" + io_utils.PNG_END)
    assert rerun.ids_to_make(folder, ["a", "b", "c"], {"cam": "x"}, False, ".png") == ["b"]  # a killed run resumes
    assert rerun.ids_to_make(folder, ["a", "b", "c"], {"cam": "y"}, False, ".png") == ["a", "b", "c"]  # other inputs
    assert not (tmp_path / "a.png").exists()  # ... and the stale files are gone first
    (tmp_path / "a.png").write_bytes(b"a" + io_utils.PNG_END)
    assert rerun.ids_to_make(folder, ["a", "b"], {"cam": "y"}, True, ".png") == ["a", "b"]  # --overwrite


def test_a_damaged_file_is_not_taken_as_finished(tmp_path):
    from misc.images import voc_palette

    folder, labels = str(tmp_path), np.zeros((6, 6), np.uint8)
    rerun.ids_to_make(folder, ["a", "b"], {"cam": "x"}, False, ".png")
    for name in ("a", "b"):
        io_utils.save_label_png(str(tmp_path / f"{name}.png"), labels, voc_palette())
    cut = (tmp_path / "b.png").read_bytes()[:-20]
    (tmp_path / "b.png").write_bytes(cut)
    assert rerun.ids_to_make(folder, ["a", "b"], {"cam": "x"}, False, ".png") == ["b"]
    io_utils.save_npy(str(tmp_path / "c.npy"), {"keys": np.arange(2), "cam": np.ones((2, 3, 3), np.float32)})
    io_utils.save_npy(str(tmp_path / "d.npy"), np.ones((4, 5), np.float32))
    assert io_utils.looks_whole(str(tmp_path / "c.npy")) and io_utils.looks_whole(str(tmp_path / "d.npy"))
    for name in ("c.npy", "d.npy"):
        (tmp_path / name).write_bytes((tmp_path / name).read_bytes()[:-3])
        assert not io_utils.looks_whole(str(tmp_path / name))


def test_a_file_is_kept_only_when_made_from_the_same_record(tmp_path):
    path = str(tmp_path / "out.txt")
    assert why_not_current(path, {"a": 1}) == "not made yet"
    io_utils.save_text(path, "x\n")
    assert "no record" in why_not_current(path, {"a": 1})  # written, never recorded: remade
    record(path, {"a": 1, "t": (1, 2)})
    assert skip_file(path, {"a": 1, "t": [1, 2]}, False, "out") is True
    assert why_not_current(path, {"a": 2, "t": (1, 2)}) == "made from other a"
    assert skip_file(path, {"a": 1, "t": (1, 2)}, True, "out") is False  # --overwrite


def test_fingerprint_follows_content_and_records(tmp_path):
    path = str(tmp_path / "ckpt.pth")
    io_utils.save_text(path, "weights v1")
    user_file = fingerprint(path)  # a file without a record: its own checksum
    record(path, {"a": 1}, content="weights-sha1")
    assert fingerprint(path) == "weights-sha1" != user_file  # the producer's content checksum
    with open(path, "w") as f:  # edited behind our back (same size): the record no longer vouches for it
        f.write("weights v2")
    os.utime(path, ns=(1, 1))
    assert fingerprint(path) == rerun.file_sha1(path) != user_file
    assert os.path.isfile(sidecar(path)) and fingerprint(str(tmp_path / "missing")) == ""


def test_a_full_remake_changes_the_folder_fingerprint_even_with_the_same_settings(tmp_path):
    must_remake(str(tmp_path), {"cam": "x"}, False, ".png")
    first = fingerprint(str(tmp_path))
    assert must_remake(str(tmp_path), {"cam": "x"}, False, ".png") is False and fingerprint(str(tmp_path)) == first
    assert must_remake(str(tmp_path), {"cam": "x"}, True, ".png") is True  # --overwrite: remade...
    assert fingerprint(str(tmp_path)) != first  # ...so the steps after it remake too


def test_a_folder_of_files_this_project_did_not_make_is_refused(tmp_path):
    (tmp_path / "a.npy").write_bytes(b"the official release's CAM")
    with pytest.raises(FileExistsError, match="did not make"):
        must_remake(str(tmp_path), {"cam": "x"}, False, ".npy")
    assert (tmp_path / "a.npy").read_bytes() == b"the official release's CAM"
    assert fingerprint(str(tmp_path)) != fingerprint(str(tmp_path / "missing"))  # unstamped: by its listing


def test_a_copied_file_keeps_its_record(tmp_path):
    path = str(tmp_path / "ckpt.pth")
    io_utils.save_text(path, "weights")
    record(path, {"a": 1}, content="weights-sha1")
    os.utime(path, ns=(7, 7))  # cp without -p, a restore, a touch: same bytes, new mtime
    assert fingerprint(path) == "weights-sha1" and why_not_current(path, {"a": 1}) is None


def test_a_folders_fingerprint_ignores_its_input_paths_and_keeps_older_records(tmp_path):
    """An older record (no paths) keeps the checksum of its file; the paths' spelling never counts."""
    io_utils.save_json(str(tmp_path / STAMP), {"cam": "abc", "_generation": 1})
    assert fingerprint(str(tmp_path)) == rerun.file_sha1(str(tmp_path / STAMP))
    before = fingerprint(str(tmp_path))
    io_utils.save_json(str(tmp_path / STAMP), {"cam": "abc", "_generation": 1, "_paths": {"cam": "/elsewhere/cam"}})
    assert fingerprint(str(tmp_path)) == before

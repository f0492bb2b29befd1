"""misc/provenance.py: a resumed step never keeps files made from other inputs."""
import json

from misc.provenance import STAMP, folder_fingerprint, must_remake


def test_first_run_resumes_and_records_what_it_was_made_from(tmp_path):
    assert must_remake(str(tmp_path), {"a": (1, 2)}, False, ".png") is False
    assert json.load(open(tmp_path / STAMP)) == {"a": [1, 2]}
    assert must_remake(str(tmp_path), {"a": (1, 2)}, False, ".png") is False  # tuples read back as lists
    assert must_remake(str(tmp_path), {"a": (1, 2)}, True, ".png") is True  # --overwrite


def test_other_inputs_delete_the_stale_outputs_only(tmp_path):
    must_remake(str(tmp_path), {"cam": "x"}, False, ".png")
    (tmp_path / "a.png").write_bytes(b"old")
    (tmp_path / "notes.txt").write_text("keep")
    before = folder_fingerprint(str(tmp_path))
    assert must_remake(str(tmp_path), {"cam": "y"}, False, ".png") is True
    assert not (tmp_path / "a.png").exists() and (tmp_path / "notes.txt").read_text() == "keep"
    assert folder_fingerprint(str(tmp_path)) != before  # so the next step's stamp changes too
    assert folder_fingerprint(str(tmp_path / "missing")) == ""

"""misc/io_utils.py: atomic writes get the mode an ordinary write would (0666 & ~umask)."""
import os
import stat

import numpy as np
import pytest
import torch

from misc import io_utils
from misc.images import voc_palette


def write_each_kind(folder):
    paths = {"checkpoint": folder / "sub" / "ckpt.pth", "cam": folder / "cam" / "a.npy",
             "mask": folder / "mask" / "a.png", "review page": folder / "review.html",
             "thumbnail": folder / "thumbnails" / "a.jpg"}
    io_utils.save_torch(str(paths["checkpoint"]), {"w": torch.zeros(2)})
    io_utils.save_npy(str(paths["cam"]), {"keys": np.array([1]), "cam": np.zeros((1, 2, 2))})
    io_utils.save_label_png(str(paths["mask"]), np.zeros((4, 4), np.uint8), voc_palette())
    io_utils.save_text(str(paths["review page"]), "<html></html>\n")
    io_utils.save_image(str(paths["thumbnail"]), np.zeros((4, 4, 3), np.uint8), quality=85, sync=False)
    return paths


@pytest.mark.parametrize("umask,file_mode,dir_mode", [(0o022, 0o644, 0o755), (0o077, 0o600, 0o700)])
def test_written_files_follow_the_umask(tmp_path, umask, file_mode, dir_mode):
    old = os.umask(umask)
    try:
        paths = write_each_kind(tmp_path)
    finally:
        os.umask(old)
    for what, path in paths.items():
        assert stat.S_IMODE(os.stat(path).st_mode) == file_mode, what
        assert stat.S_IMODE(os.stat(path.parent).st_mode) == dir_mode or path.parent == tmp_path, what
    assert [p for p in os.listdir(tmp_path) if p.endswith(".tmp")] == []


def test_unchanged_text_is_not_rewritten_and_leftovers_are_removed(tmp_path):
    path = tmp_path / "table.txt"
    io_utils.save_text(str(path), "a\n")
    os.utime(path, ns=(5, 5))
    io_utils.save_text(str(path), "a\n")
    assert os.stat(path).st_mtime_ns == 5  # same bytes: left alone
    io_utils.save_text(str(path), "b\n")
    assert path.read_text() == "b\n"
    (tmp_path / ".table.txt.abc123.tmp").write_text("half")  # what a kill mid-write leaves
    assert io_utils.remove_leftovers(str(tmp_path)) == 1 and sorted(os.listdir(tmp_path)) == ["table.txt"]


def test_identical_checkpoints_have_identical_bytes(tmp_path):
    """torch.save through a file object: the archive is not named after the random temp file."""
    io_utils.save_torch(str(tmp_path / "a.pth"), {"w": torch.arange(3.0)})
    io_utils.save_torch(str(tmp_path / "b.pth"), {"w": torch.arange(3.0)})
    assert (tmp_path / "a.pth").read_bytes() == (tmp_path / "b.pth").read_bytes()

"""The names of the tables' rows, and of the folders they become.

A row is a trained classifier with a seed method: "baseline" (F_in, step 1) or the W-OoD
classifier ("wood", or --wood_name; step 4) with CAM seeds, and "<classifier>_advcam" with
AdvCAM seeds (Table 1's four rows: baseline, wood, baseline_advcam, wood_advcam); Table 3 adds
"full_supervision". Every row gets its own folder result/<run>/<row>/ (misc/chain/layout.py).
Which rows a run has is misc/chain/rows.py.
"""
import os

from misc.chain.errors import BadInput

SEED_METHODS = ("cam", "advcam")
ADVCAM_SUFFIX = "_advcam"
FULL_SUPERVISION = "full_supervision"


def classifier_of(row):
    """baseline_advcam -> baseline; baseline -> baseline."""
    return row[:-len(ADVCAM_SUFFIX)] if row.endswith(ADVCAM_SUFFIX) else row


def seed_method_of(row):
    return "advcam" if row.endswith(ADVCAM_SUFFIX) else "cam"


def check_name(flag, value):
    """Names become folder and file names: no path separators, no '..', not empty."""
    if not value or "/" in value or os.sep in value or value in (".", ".."):
        raise BadInput(f"{flag} {value!r}: a name, not a path (no '/', not '.' or '..'): names stay inside the run folders")
    return value

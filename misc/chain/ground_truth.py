"""Whether a run has ground-truth masks to evaluate against (a user's folder may have none)."""
import logging

from voc12.voc_lists import find_mask_path

log = logging.getLogger(__name__)


def has_masks(voc_root, ids):
    """True when any of `ids` has a mask; an id without one among ids that have them stays the
    evaluation's error (a missing file of a set that has masks is a mistake, not a choice)."""
    for image_id in ids:
        try:
            find_mask_path(voc_root, image_id)
            return True
        except FileNotFoundError:
            continue
    return False


def skip_without_masks(voc_root, ids, what):
    """Say so and return True when none of `ids` has a ground-truth mask: `what` is skipped."""
    if has_masks(voc_root, ids):
        return False
    log.warning("no ground-truth masks for the %d images in %s (SegmentationClass/): %s skipped; give masks "
                "(the folder layout's masks/) to evaluate", len(ids), voc_root, what)
    return True

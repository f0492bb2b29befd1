"""Whether a run has ground-truth masks to evaluate against (a user's folder may have none)."""
import logging

from misc.images import mask_file

log = logging.getLogger(__name__)


def has_masks(voc_root, ids):
    """True when any of `ids` has a mask; an id without one among ids that have them stays the
    evaluation's error (a missing file of a set that has masks is a mistake, not a choice)."""
    return any(mask_file(voc_root, image_id) for image_id in ids)


def skip_without_masks(voc_root, ids, what):
    """Say so and return True when none of `ids` has a ground-truth mask: `what` is skipped."""
    if has_masks(voc_root, ids):
        return False
    log.warning("no ground-truth masks for the %d images in %s (SegmentationClass/): %s skipped; give masks "
                "(the folder layout's masks/) to evaluate", len(ids), voc_root, what)
    return True

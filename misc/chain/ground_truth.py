"""Whether a run has ground-truth masks to evaluate against: a user's folder (`--dataset folder`)
may have none; every other data set has them, and a missing mask there stays an error."""
import logging

from misc.images import mask_file

log = logging.getLogger(__name__)


def has_masks(voc_root, ids):
    """True when any of `ids` has a mask; an id without one among ids that have them stays the
    evaluation's error (a missing file of a set that has masks is a mistake, not a choice)."""
    return any(mask_file(voc_root, image_id) for image_id in ids)


def lacks_ground_truth(args, ids):
    """A folder data set none of whose `ids` has a mask."""
    return args.dataset == "folder" and not has_masks(args.voc12_root, ids)


def skip_without_masks(args, ids, what):
    """Say so and return True when the run's folder data set has no mask for any of `ids`."""
    if not lacks_ground_truth(args, ids):
        return False
    log.warning("no ground-truth masks for the %d images in %s (the folder has no masks/): %s skipped; give masks "
                "to evaluate", len(ids), args.folder_root, what)
    return True

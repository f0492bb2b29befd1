"""Score images with a trained classifier: sigmoid p(c) for every class (step 2, probes)."""
import logging

import numpy as np
import torch
from tqdm import tqdm

from misc import imutils
from voc12.datasets import load_rgb

log = logging.getLogger(__name__)


def _batches(items, size):
    for start in range(0, len(items), size):
        yield items[start:start + size]


@torch.no_grad()
def score_images(net, ids, image_dir, device, batch_size=32, size=None, desc="scoring"):
    """Single-scale sigmoid scores. Returns (scores (M, C), scored ids, {id: error} unreadable).

    An image that cannot be read is reported by name and skipped, never silently dropped: it is
    in the returned `unreadable` dict. Images in one batch must share a size (or pass `size`,
    the long side to resize to, or batch_size=1).
    """
    net.eval()
    scores, scored, unreadable = [], [], {}
    for chunk in tqdm(list(_batches(list(ids), batch_size)), desc=desc, leave=False):
        tensors = []
        for image_id in chunk:
            try:
                img = load_rgb(image_dir, image_id)
            except (FileNotFoundError, ValueError) as err:
                log.warning("skipping unreadable image: %s", err)
                unreadable[image_id] = str(err)
                continue
            if size:
                img = imutils.resize_long(img, size)
            tensors.append(torch.from_numpy(imutils.hwc_to_chw(imutils.normalize(img))))
            scored.append(image_id)
        if tensors:
            logits, _ = net(torch.stack(tensors).to(device))
            scores.append(torch.sigmoid(logits.float()).cpu().numpy())
    num_classes = net.classifier.out_channels
    return (np.concatenate(scores) if scores else np.zeros((0, num_classes), np.float32)), scored, unreadable

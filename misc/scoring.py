"""Run a trained classifier over images: sigmoid p(c) and the pooled feature z (steps 2, 3)."""
import logging

import numpy as np
import torch

from misc import imutils
from misc.images import load_rgb
from misc.progress import progress

log = logging.getLogger(__name__)


def _batches(items, size):
    for start in range(0, len(items), size):
        yield items[start:start + size]


@torch.no_grad()
def forward_images(net, ids, image_dir, device, batch_size=32, size=None, desc="forward"):
    """Single scale, no flip. Returns (probs (M, C), z (M, D), scored ids, {id: error}).

    An image that cannot be read is reported by name and skipped, never silently dropped: it is
    in the returned `unreadable` dict. Images in one batch must share a size (or pass `size`,
    the long side to resize to, or batch_size=1).
    """
    net.eval()
    probs, feats, scored, unreadable = [], [], [], {}
    for chunk in progress(list(_batches(list(ids), batch_size)), desc=desc, leave=False):
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
            logits, z = net(torch.stack(tensors).to(device))
            probs.append(torch.sigmoid(logits.float()).cpu().numpy())
            feats.append(z.float().cpu().numpy())
    num_classes, dim = net.classifier.out_channels, net.classifier.in_channels
    return (np.concatenate(probs) if probs else np.zeros((0, num_classes), np.float32),
            np.concatenate(feats) if feats else np.zeros((0, dim), np.float32), scored, unreadable)


def score_images(net, ids, image_dir, device, batch_size=32, size=None, desc="scoring"):
    """(probs (M, C), scored ids, {id: error}): see forward_images."""
    probs, _, scored, unreadable = forward_images(net, ids, image_dir, device, batch_size, size, desc)
    return probs, scored, unreadable

"""Run a trained classifier over images: sigmoid p(c) and the pooled feature z (steps 2, 3).

Streamed: images are decoded one batch at a time (optionally in DataLoader workers), so memory
holds one batch of pixels, never the whole pool; only the per-image output rows are kept.
"""
import logging

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from misc import imutils
from misc.chain.progress import progress
from misc.images import load_rgb

log = logging.getLogger(__name__)


def _batches(items, size):
    for start in range(0, len(items), size):
        yield items[start:start + size]


class DecodedBatches(Dataset):
    """Item k: the k-th batch of `ids` decoded, as (readable ids, tensor (B, 3, H, W) or None,
    {id: error} of the unreadable ones). A batch is what the device sees at once."""

    def __init__(self, ids, image_dir, batch_size, size=None, kernel="cv2_bilinear"):
        self.batches = list(_batches(list(ids), batch_size))
        self.image_dir, self.size, self.kernel = image_dir, size, kernel

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, k):
        readable, arrays, unreadable = [], [], {}
        for image_id in self.batches[k]:
            try:
                img = load_rgb(self.image_dir, image_id)
            except (FileNotFoundError, ValueError) as err:
                unreadable[image_id] = str(err)
                continue
            if self.size:
                img = imutils.resize_long(img, self.size, self.kernel)
            arrays.append(imutils.hwc_to_chw(imutils.normalize(img)))
            readable.append(image_id)
        return readable, torch.from_numpy(np.stack(arrays)) if arrays else None, unreadable


def _keep_as_is(item):
    return item


@torch.no_grad()
def forward_batches(net, ids, image_dir, device, batch_size=32, size=None, desc="forward", num_workers=0,
                    kernel="cv2_bilinear"):
    """Yield, per batch of `ids` in order, (scored ids, probs (B, C), z (B, D), {id: error}).

    Single scale, no flip. An image that cannot be read is reported by name and skipped, never
    silently dropped: it is in the batch's `unreadable` dict. Images in one batch must share a
    size (or pass `size`, the long side to resize to with `kernel`, or batch_size=1). `num_workers` decode
    the next batches while the device runs this one (ordered as `ids`, results unchanged).
    """
    net.eval()
    loader = DataLoader(DecodedBatches(ids, image_dir, batch_size, size, kernel), batch_size=None,
                        num_workers=num_workers, collate_fn=_keep_as_is)
    for scored, tensor, unreadable in progress(loader, desc=desc, leave=False):
        for image_id, err in unreadable.items():
            log.warning("skipping unreadable image: %s", err)
        if tensor is None:
            yield [], None, None, unreadable
            continue
        logits, z = net(tensor.to(device))
        yield scored, torch.sigmoid(logits.float()).cpu().numpy(), z.float().cpu().numpy(), unreadable


def _stack(rows, width):
    return np.concatenate(rows) if rows else np.zeros((0, width), np.float32)


def forward_images(net, ids, image_dir, device, batch_size=32, size=None, desc="forward", num_workers=0,
                   kernel="cv2_bilinear"):
    """(probs (M, C), z (M, D), scored ids, {id: error}) of all `ids`: see forward_batches."""
    probs, feats, scored, unreadable = [], [], [], {}
    for batch_ids, p, z, bad in forward_batches(net, ids, image_dir, device, batch_size, size, desc, num_workers,
                                                kernel):
        scored += batch_ids
        unreadable.update(bad)
        if p is not None:
            probs.append(p)
            feats.append(z)
    return (_stack(probs, net.classifier.out_channels), _stack(feats, net.classifier.in_channels),
            scored, unreadable)


def score_images(net, ids, image_dir, device, batch_size=32, size=None, desc="scoring", num_workers=0):
    """(probs (M, C), scored ids, {id: error}), keeping no feature z (a pool of hundreds of
    thousands of candidates: only the score rows stay in memory). See forward_batches."""
    probs, scored, unreadable = [], [], {}
    for batch_ids, p, _, bad in forward_batches(net, ids, image_dir, device, batch_size, size, desc, num_workers):
        scored += batch_ids
        unreadable.update(bad)
        if p is not None:
            probs.append(p)
    return _stack(probs, net.classifier.out_channels), scored, unreadable

"""Score images with a trained classifier: sigmoid p(c) for every class (steps 2 and probes)."""
import numpy as np
import torch
from tqdm import tqdm

from misc.torchutils import make_loader
from voc12.datasets import InferenceDataset


@torch.no_grad()
def score_images(net, ids, image_dir, device, batch_size=32, num_workers=0, size=None, desc="scoring"):
    """(N, C) float32 sigmoid probabilities of `ids`, in order. Single-scale, no flip.

    `size` resizes the long side (images of one size batch; VOC-sized images use batch 1).
    """
    loader = make_loader(InferenceDataset(ids, image_dir, size), batch_size, False, 0, num_workers)
    probs = []
    net.eval()
    for batch in tqdm(loader, desc=desc, leave=False):
        logits, _ = net(batch["img"].to(device))
        probs.append(torch.sigmoid(logits.float()).cpu().numpy())
    return np.concatenate(probs) if probs else np.zeros((0, net.classifier.out_channels), np.float32)

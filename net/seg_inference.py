"""Inference of Table 3's segmentation network: single scale, multi-scale + flip, + CRF (steps 12, 13)."""
import numpy as np
import torch
import torch.nn.functional as F

from misc import imutils
from misc.seeds.crf import crf_refine_probs
from net.deeplab import upsampled_logits

PROTOCOLS = ("single", "msf", "crf")


@torch.no_grad()
def predict(net, rgb, scales, device, kernel="cv2_bilinear"):
    """{"single": (C, H, W) softmax at scale 1, "msf": mean softmax over scales x flips}."""
    h, w = rgb.shape[:2]
    total, single = 0.0, None
    for scale in scales:
        scaled = rgb if scale == 1.0 else imutils.rescale(rgb, scale, kernel)
        chw = torch.from_numpy(imutils.hwc_to_chw(imutils.normalize(scaled)))
        pair = torch.stack([chw, chw.flip(-1)]).to(device)
        logits = upsampled_logits(net, pair)
        probs = F.interpolate(logits, (h, w), mode="bilinear", align_corners=False).softmax(1)
        if scale == 1.0:
            single = probs[0]
        total = total + probs[0] + probs[1].flip(-1)
    if single is None:
        chw = torch.from_numpy(imutils.hwc_to_chw(imutils.normalize(rgb)))[None].to(device)
        single = upsampled_logits(net, chw)[0].softmax(0)
    return {"single": single.cpu().numpy(), "msf": (total / (2 * len(scales))).cpu().numpy()}


def predictions(net, rgb, args, device):
    """{protocol: (H, W) uint8 labels} for the protocols this run scores."""
    probs = predict(net, rgb, args.seg_infer_scales, device)
    if args.seg_crf:
        probs["crf"] = crf_refine_probs(rgb, probs["msf"])
    return {k: v.argmax(0).astype(np.uint8) for k, v in probs.items()}

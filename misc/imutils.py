"""Image transforms of IRN's classification pipeline, on HxWx3 numpy arrays."""
import cv2
import numpy as np

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)


def normalize(img):
    """uint8 RGB -> float32, ImageNet mean/std."""
    return (np.asarray(img, np.float32) / 255.0 - IMAGENET_MEAN) / IMAGENET_STD


def hwc_to_chw(img):
    return np.ascontiguousarray(np.transpose(img, (2, 0, 1)))


def rescale(img, scale):
    h, w = img.shape[:2]
    size = (max(1, int(round(w * scale))), max(1, int(round(h * scale))))
    return cv2.resize(np.ascontiguousarray(img), size, interpolation=cv2.INTER_LINEAR)


def resize_long(img, long_side):
    return rescale(img, long_side / max(img.shape[:2]))


def random_resize_long(img, min_long, max_long, rng):
    """Resize so the long side is uniform in [min_long, max_long] (IRN's augmentation)."""
    return resize_long(img, int(rng.randint(min_long, max_long + 1)))


def random_crop(img, crop_size, rng, fill=0.0):
    """Random crop_size x crop_size window; pads with `fill` (0 = the mean after normalize; a
    per-channel vector is allowed, e.g. 255 for a label channel stacked on the image)."""
    h, w = img.shape[:2]
    out = np.full((crop_size, crop_size, img.shape[2]), fill, img.dtype)
    ch, cw = min(crop_size, h), min(crop_size, w)
    src_y, src_x = rng.randint(h - ch + 1), rng.randint(w - cw + 1)
    dst_y, dst_x = rng.randint(crop_size - ch + 1), rng.randint(crop_size - cw + 1)
    out[dst_y:dst_y + ch, dst_x:dst_x + cw] = img[src_y:src_y + ch, src_x:src_x + cw]
    return out

"""Image transforms of IRN's classification pipeline, on HxWx3 numpy arrays.

Resize kernel (`--resize_kernel`): `pil_bicubic` is IRN's (misc/imutils.py pil_rescale, order 3:
PIL's BICUBIC on uint8, for the augmentation, the inference scales and IRN's training);
`cv2_bilinear` this project's earlier kernel (faster). Labels are always resized nearest.
"""
import cv2
import numpy as np
from PIL import Image

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)


def normalize(img):
    """uint8 RGB -> float32, ImageNet mean/std."""
    return (np.asarray(img, np.float32) / 255.0 - IMAGENET_MEAN) / IMAGENET_STD


def hwc_to_chw(img):
    return np.ascontiguousarray(np.transpose(img, (2, 0, 1)))


KERNELS = ("pil_bicubic", "cv2_bilinear")


def scaled_size(shape, scale):
    """(h, w) of an image of `shape` scaled by `scale`, rounded as IRN's pil_rescale does."""
    return max(1, int(np.round(shape[0] * scale))), max(1, int(np.round(shape[1] * scale)))


def resize(img, size, kernel="cv2_bilinear"):
    """img (H, W[, C]) to size (h, w) with `kernel`, or `nearest` for labels; uint8 stays uint8."""
    if tuple(size) == tuple(img.shape[:2]):
        return img
    if kernel == "cv2_bilinear":
        return cv2.resize(np.ascontiguousarray(img), (size[1], size[0]), interpolation=cv2.INTER_LINEAR)
    resample = {"pil_bicubic": Image.BICUBIC, "nearest": Image.NEAREST}.get(kernel)
    if resample is None:
        raise ValueError(f"unknown resize kernel '{kernel}' (use {' or '.join(KERNELS)})")
    return np.asarray(Image.fromarray(np.ascontiguousarray(img)).resize((size[1], size[0]), resample))


def rescale(img, scale, kernel="cv2_bilinear"):
    return resize(img, scaled_size(img.shape, scale), kernel)


def resize_long(img, long_side, kernel="cv2_bilinear"):
    return rescale(img, long_side / max(img.shape[:2]), kernel)


def random_resize_long(img, min_long, max_long, rng, kernel="cv2_bilinear"):
    """Resize so the long side is uniform in [min_long, max_long] (IRN's augmentation)."""
    return resize_long(img, int(rng.randint(min_long, max_long + 1)), kernel)


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


def flip_crop_pair(img, label, crop_size, rng, ignore=255):
    """A random flip and crop of an image and its label alike: the image normalised and padded
    with 0 (the mean), the label padded with `ignore`. Returns (float32 (c, c, 3), uint8 (c, c))."""
    if rng.random() < 0.5:
        img, label = img[:, ::-1], label[:, ::-1]
    stacked = np.concatenate([normalize(img), label[..., None].astype(np.float32)], 2)
    fill = np.zeros(4, np.float32)
    fill[3] = ignore
    cropped = random_crop(stacked, crop_size, rng, fill=fill)
    return cropped[..., :3], cropped[..., 3].astype(np.uint8)

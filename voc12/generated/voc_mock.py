"""A VOC-format mock for dry runs of the paper setting (`--preset voc`) where VOC cannot be had.

Writes, under `root`:
    VOC2012/JPEGImages/<id>.jpg            images at VOC sizes (500x375, 375x500, 500x333, ...)
    VOC2012/Annotations/<id>.xml           VOC XML: size and one <object> per drawn object
    VOC2012/ImageSets/Segmentation/{train,val,trainval}.txt
    VOC2012/SegmentationClass/<id>.png     palette PNGs (class index, 255 on a 3-pixel object border)
    SBD/{train,val}.txt                    SBD's lists: extra images, some VOC train ones, one VOC val
    ood/JPEGImages/<id>.jpg, ood/candidates.txt   an OoD pool of background-only images
    resnet50_random.pth, resnet101_random.pth   randomly initialised torchvision state dicts (the
                                           ImageNet weights files of the classifier and of Table 3's network)
The pictures are coloured shapes on textured backgrounds (each class its own colour), so labels,
masks and annotations agree; they test plumbing, sizes, memory and time, not accuracy.
"""
import os

import numpy as np
from PIL import Image, ImageDraw

from misc.images import voc_palette
from misc.io_utils import save_label_png, save_lines
from voc12.classes import VOC_CLASSES

VOC_SIZES = ((375, 500), (500, 375), (333, 500), (500, 333), (500, 500), (281, 500), (500, 486))


def _background(rng, h, w):
    base = rng.integers(40, 200, 3)
    noise = rng.integers(-30, 30, (h // 25 + 1, w // 25 + 1, 3))
    tiles = np.kron(noise, np.ones((25, 25, 1), np.int64))[:h, :w]
    return np.clip(base + tiles, 0, 255).astype(np.uint8)


def _class_colour(c):
    return tuple(int(v) for v in (np.array(voc_palette()[3 * (c + 1):3 * (c + 2)]) * 0.7 + 40))


def _draw_image(rng, h, w, classes):
    """(rgb, mask, boxes): one shape per class, mask with VOC's 255 border around objects."""
    img = Image.fromarray(_background(rng, h, w))
    mask = Image.new("L", (w, h), 0)
    border = Image.new("L", (w, h), 0)
    boxes = []
    for c in classes:
        bw, bh = int(rng.integers(w // 5, w // 2)), int(rng.integers(h // 5, h // 2))
        x0, y0 = int(rng.integers(0, w - bw)), int(rng.integers(0, h - bh))
        box = (x0, y0, x0 + bw, y0 + bh)
        shape = ImageDraw.Draw(img).ellipse if c % 2 else ImageDraw.Draw(img).rectangle
        shape(box, fill=_class_colour(c))
        (ImageDraw.Draw(mask).ellipse if c % 2 else ImageDraw.Draw(mask).rectangle)(box, fill=c + 1)
        (ImageDraw.Draw(border).ellipse if c % 2 else ImageDraw.Draw(border).rectangle)(box, outline=1, width=3)
        boxes.append((c, box))
    mask = np.asarray(mask).copy()
    mask[np.asarray(border) > 0] = 255
    return np.asarray(img), mask, boxes


def _annotation_xml(image_id, h, w, boxes):
    objects = "".join(
        f"<object><name>{VOC_CLASSES[c]}</name><pose>Unspecified</pose><truncated>0</truncated>"
        f"<difficult>0</difficult><bndbox><xmin>{b[0] + 1}</xmin><ymin>{b[1] + 1}</ymin><xmax>{b[2]}</xmax>"
        f"<ymax>{b[3]}</ymax></bndbox></object>" for c, b in boxes)
    return (f"<annotation><folder>VOC2012</folder><filename>{image_id}.jpg</filename><size><width>{w}</width>"
            f"<height>{h}</height><depth>3</depth></size><segmented>1</segmented>{objects}</annotation>\n")


def write_voc_mock(root, n_seg_train=16, n_seg_val=8, n_sbd_only=16, n_ood=24, seed=0, sizes=VOC_SIZES,
                   classes_per_image=(1, 2), weights=True):
    """Write the mock (see the module doc); returns {"voc12_root", "sbd_root", "ood_root", "weights",
    "seg_weights"}."""
    rng = np.random.default_rng(seed)
    voc, sbd, ood = (os.path.join(root, d) for d in ("VOC2012", "SBD", "ood"))
    for folder in ("JPEGImages", "Annotations", "ImageSets/Segmentation", "SegmentationClass"):
        os.makedirs(os.path.join(voc, folder), exist_ok=True)
    os.makedirs(sbd, exist_ok=True)
    os.makedirs(os.path.join(ood, "JPEGImages"), exist_ok=True)
    n_voc = n_seg_train + n_seg_val + n_sbd_only
    ids = [f"2008_{i:06d}" for i in range(n_voc)]
    seg_train, seg_val, sbd_only = ids[:n_seg_train], ids[n_seg_train:n_seg_train + n_seg_val], ids[-n_sbd_only:]
    # Every class in at least one training image, so each has a centre P_in (Sec. 3.2).
    order, k = list(rng.permutation(len(VOC_CLASSES))), 0
    for image_id in ids:
        h, w = sizes[int(rng.integers(len(sizes)))]
        n = int(rng.integers(classes_per_image[0], classes_per_image[1] + 1))
        if image_id in seg_val:
            classes = [int(c) for c in rng.choice(len(VOC_CLASSES), n, replace=False)]
        else:  # the training images take the classes in turn (20 classes need 10 images of two)
            classes, k = list(dict.fromkeys(int(order[(k + j) % len(order)]) for j in range(n))), k + n
        rgb, mask, boxes = _draw_image(rng, h, w, classes)
        Image.fromarray(rgb).save(os.path.join(voc, "JPEGImages", image_id + ".jpg"), quality=90)
        with open(os.path.join(voc, "Annotations", image_id + ".xml"), "w") as f:
            f.write(_annotation_xml(image_id, h, w, boxes))
        if image_id not in sbd_only:
            save_label_png(os.path.join(voc, "SegmentationClass", image_id + ".png"), mask, voc_palette())
    lists = os.path.join(voc, "ImageSets", "Segmentation")
    save_lines(os.path.join(lists, "train.txt"), seg_train)
    save_lines(os.path.join(lists, "val.txt"), seg_val)
    save_lines(os.path.join(lists, "trainval.txt"), seg_train + seg_val)
    half = len(sbd_only) // 2
    # SBD overlaps VOC train and holds one VOC val image, which train_aug must leave out.
    save_lines(os.path.join(sbd, "train.txt"), sbd_only[:half] + seg_train[:2])
    save_lines(os.path.join(sbd, "val.txt"), sbd_only[half:] + seg_val[:1])
    ood_ids = [f"ood_{i:06d}" for i in range(n_ood)]
    for image_id in ood_ids:
        h, w = sizes[int(rng.integers(len(sizes)))]
        Image.fromarray(_background(rng, h, w)).save(os.path.join(ood, "JPEGImages", image_id + ".jpg"), quality=90)
    save_lines(os.path.join(ood, "candidates.txt"), ood_ids)
    paths = {"voc12_root": voc, "sbd_root": sbd, "ood_root": ood, "weights": None, "seg_weights": None}
    if weights:
        paths.update(write_random_weights(root, seed, calibration_size(sizes)))
    return paths


def calibration_size(sizes=VOC_SIZES):
    """The side the batch-norm statistics are measured at: ImageNet's 224, or the long side of
    mock images smaller than that (the scale the networks then see)."""
    return min(224, max(max(size) for size in sizes))


def _calibration_batches(image_dir, num=16, size=224, batch=4):
    """Normalised centre crops of the first `num` images, in batches (for batch-norm statistics)."""
    import torch

    from misc import imutils
    from misc.images import load_rgb

    ids = sorted(f[:-4] for f in os.listdir(image_dir) if f.endswith(".jpg"))[:num]
    crops = []
    for image_id in ids:
        img = imutils.resize_long(load_rgb(image_dir, image_id), size)
        crop = imutils.random_crop(imutils.normalize(img), size, np.random.RandomState(0))
        crops.append(torch.from_numpy(imutils.hwc_to_chw(crop)))
    return [torch.stack(crops[i:i + batch]) for i in range(0, len(crops), batch)]


def write_random_weights(root, seed=0, calibration_size=224):
    """Randomly initialised torchvision ResNet-50 and ResNet-101 state dicts under `root` (each
    written only when missing); returns {"weights", "seg_weights"}.

    The ResNet-101's batch-norm statistics are measured on the mock's own images (up to 16,
    normalised, long side resized to `calibration_size` and centre-cropped to a square of it):
    Table 3's network keeps them frozen, and with the initial mean 0 / variance 1 its 101 layers
    overflow to a non-finite loss within two steps. (The ResNet-50 of the classifier is saved as
    initialised: its features are large, 5e3, but finite.)"""
    import torch
    import torchvision

    paths = {"weights": os.path.join(root, "resnet50_random.pth"),
             "seg_weights": os.path.join(root, "resnet101_random.pth")}
    for key, build in (("weights", torchvision.models.resnet50), ("seg_weights", torchvision.models.resnet101)):
        if os.path.isfile(paths[key]):
            continue
        torch.manual_seed(seed)
        net = build(weights=None)
        if key == "seg_weights":
            for m in net.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.momentum = None  # a plain average over the calibration batches
            net.train()
            with torch.no_grad():
                for batch in _calibration_batches(os.path.join(root, "VOC2012", "JPEGImages"), size=calibration_size):
                    net(batch)
        torch.save(net.state_dict(), paths[key])
    return paths

"""The embedded synthetic data set: VOC layout, controlled spurious correlation, an OoD pool.

Classes "bird", "boat" and "train" co-occur with a context background ("sky", "water", "rail")
at rate `cooccurrence`; "bottle", "chair" and "tvmonitor" have none. The context never appears
without its class in the in-distribution splits, which is what makes a classifier lean on it
(the paper's train/rail problem, Sec. 1). The candidate-OoD pool mixes context-only images (hard
OoD), unrelated textures (easy OoD) and missed positives; which is which is written only to
`ground_truth_sidecar.json`, read by the simulated reviewer of step 2 and by analysis scripts.

Everything is a pure function of (config, split, index), so the same seed gives the same bytes.
"""
import dataclasses
import json
import os

import cv2
import numpy as np

from misc import io_utils
from misc.chain import layout
from misc.chain.errors import BadInput
from misc.chain.progress import progress
from voc12.classes import voc_palette
from voc12.generated.draw import (CONTEXT_PAINTERS, CONTEXT_REGION, OBJECT_DRAWERS, draw_distractor, neutral_background,
                                  vary_context)

SYNTHETIC_CLASSES = ("bird", "boat", "train", "bottle", "chair", "tvmonitor")
EXTRA_CLASSES = ("car", "pottedplant", "sofa", "person")  # --syn_num_classes 7-10: context-free classes
CONTEXT_OF_CLASS = {"bird": "sky", "boat": "water", "train": "rail"}
SPLIT_CODES = {"train": 1, "val": 2, "probe_neutral": 3, "ood": 4, "pretrain": 6}
PRETRAIN_CONTEXTS = (None, "sky", "water", "rail")
SIDECAR_NAME = "ground_truth_sidecar.json"


GENERATOR_VERSION = 2  # bump when drawing code changes, so stale trees are not reused


@dataclasses.dataclass
class SyntheticConfig:
    generator_version: int = GENERATOR_VERSION
    seed: int = 0
    image_size: int = 96
    n_train: int = 1200
    n_val: int = 300
    n_probe_per_class: int = 30       # objects on neutral backgrounds, for diagnostics
    n_ood_hard: int = 240             # context only
    n_ood_easy: int = 240             # unrelated textures and distractors
    n_ood_positive: int = 60          # missed positives: contain an object
    cooccurrence: float = 0.85        # P(context | class with a context)
    multi_label_rate: float = 0.25    # P(a second class in the image)
    object_size_min: float = 0.35     # object width as a fraction of the image side
    object_size_max: float = 0.6
    distractor_rate: float = 0.4      # P(each of up to two no-class shapes)
    noise_std: float = 4.0
    context_variation: float = 0.0    # 0: each context has one look; > 0: hue, brightness, stripes vary
    num_classes: int = 6              # the first num_classes of SYNTHETIC_CLASSES + EXTRA_CLASSES

    def validate(self):
        if not 0.0 <= self.cooccurrence <= 1.0:
            raise BadInput(f"cooccurrence must be in [0, 1], got {self.cooccurrence}")
        if self.image_size < 32:
            raise BadInput(f"image_size must be >= 32, got {self.image_size}")
        if not 0.0 <= self.context_variation <= 1.0:
            raise BadInput(f"context_variation must be in [0, 1], got {self.context_variation}")
        if not 0 < self.object_size_min <= self.object_size_max < 1:
            raise BadInput("need 0 < object_size_min <= object_size_max < 1")
        if not 2 <= self.num_classes <= len(SYNTHETIC_CLASSES + EXTRA_CLASSES):
            raise BadInput(f"--syn_num_classes must be in 2..{len(SYNTHETIC_CLASSES + EXTRA_CLASSES)}, got {self.num_classes}")


def class_names(cfg):
    """The classes of a synthetic set, in label order (label k + 1 in the masks)."""
    return (SYNTHETIC_CLASSES + EXTRA_CLASSES)[:cfg.num_classes]


def _rng(cfg, split, index):
    return np.random.default_rng([cfg.seed, SPLIT_CODES[split], index])


def _place_object(rng, img, mask, name, size, width, context_line):
    """Draw one object where its anchor says; return its boolean mask."""
    draw, anchor = OBJECT_DRAWERS[name]
    obj = np.zeros(mask.shape, np.uint8)
    if name == "train":
        y = context_line + int(0.3 * (size - context_line)) if context_line is not None else rng.uniform(0.55, 0.95) * size
        draw(rng, img, obj, rng.uniform(0, max(1.0, size - 1.12 * width)), y, width)
    elif name == "boat":
        y = context_line + 0.05 * width if context_line is not None else rng.uniform(0.55, 0.85) * size
        draw(rng, img, obj, rng.uniform(0, max(1.0, size - width)), y, width)
    else:
        half = 0.5 * width
        lo_y, hi_y = half, size - half
        if name == "bird" and context_line is not None:  # fly inside the sky
            hi_y = max(lo_y + 1, context_line - 0.2 * width)
        draw(rng, img, obj, rng.uniform(half, size - half), rng.uniform(lo_y, hi_y), width)
    return obj.astype(bool)


def compose_image(rng, cfg, class_names, draw_context=None, neutral_only=False):
    """One image with the given classes. Returns (rgb (S,S,3) uint8, mask (S,S) uint8, contexts).

    Each class with a context gets it with probability `cfg.cooccurrence` (never with
    `neutral_only`); `draw_context` paints a context with no object (hard OoD).
    """
    size = cfg.image_size
    img = neutral_background(rng, size)
    mask = np.zeros((size, size), np.uint8)
    lines, used_regions, contexts = {}, set(), []
    wanted = [draw_context] if draw_context else [
        CONTEXT_OF_CLASS[n] for n in class_names
        if n in CONTEXT_OF_CLASS and not neutral_only and rng.random() < cfg.cooccurrence]
    for context in wanted:
        if CONTEXT_REGION[context] in used_regions:
            continue  # e.g. rail and water both want the bottom; keep the first
        used_regions.add(CONTEXT_REGION[context])
        lines[context] = CONTEXT_PAINTERS[context](rng, img)
        vary_context(rng, img, context, lines[context], cfg.context_variation)
        contexts.append(context)
    for _ in range(2):
        if rng.random() < cfg.distractor_rate:
            draw_distractor(rng, img, size)
    for name in class_names:
        width = rng.uniform(cfg.object_size_min, cfg.object_size_max) * size
        line = lines.get(CONTEXT_OF_CLASS.get(name))
        obj = _place_object(rng, img, mask, name, size, width, line)
        mask[obj] = (SYNTHETIC_CLASSES + EXTRA_CLASSES).index(name) + 1  # class_names(cfg) is a prefix
    noisy = img.astype(np.float32) + rng.normal(0, cfg.noise_std, img.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8), mask, contexts


def _sample_classes(rng, cfg):
    names = class_names(cfg)
    first = int(rng.integers(len(names)))
    chosen = [first]
    if rng.random() < cfg.multi_label_rate:
        others = [i for i in range(len(names)) if i != first]
        chosen.append(int(rng.choice(others)))
    return [names[i] for i in chosen]


def make_in_distribution(cfg, split, index):
    rng = _rng(cfg, split, index)
    if split == "probe_neutral":  # object of class index % C on a neutral background
        names = [class_names(cfg)[index % cfg.num_classes]]
        return compose_image(rng, cfg, names, neutral_only=True)
    return compose_image(rng, cfg, _sample_classes(rng, cfg))


def make_ood_candidate(cfg, index, kind):
    """kind: "hard" (a context, no object), "easy" (neutral only) or "positive" (an object)."""
    rng = _rng(cfg, "ood", index)
    if kind == "hard":
        contexts = sorted(CONTEXT_OF_CLASS[c] for c in class_names(cfg) if c in CONTEXT_OF_CLASS)  # of its classes
        context = contexts[int(rng.integers(len(contexts)))]
        return compose_image(rng, cfg, [], draw_context=context)
    if kind == "easy":
        return compose_image(rng, cfg, [])
    names = class_names(cfg)
    return compose_image(rng, cfg, [names[int(rng.integers(len(names)))]])


def make_pretrain_sample(cfg, index):
    """The ImageNet stand-in task: one object family (or none) on an independent background.

    Returns (rgb, object index in 0..C with C = "no object", context index into
    PRETRAIN_CONTEXTS). Object and context are drawn independently, so a backbone pretrained
    on it knows both cues without the spurious link that D_in then teaches. It knows the six
    base classes only, whatever --syn_num_classes is (as ImageNet does not hold every class of a
    target set), so one stand-in serves every class count.
    """
    rng = _rng(cfg, "pretrain", index)
    obj = int(rng.integers(len(SYNTHETIC_CLASSES) + 1))
    ctx = int(rng.integers(len(PRETRAIN_CONTEXTS)))
    names = [SYNTHETIC_CLASSES[obj]] if obj < len(SYNTHETIC_CLASSES) else []
    img, _, _ = compose_image(rng, cfg, names, draw_context=PRETRAIN_CONTEXTS[ctx], neutral_only=True)
    return img, obj, ctx


def ood_kinds(cfg):
    """The pool's kinds in a shuffled, seed-determined order (ids do not reveal the kind)."""
    kinds = ["hard"] * cfg.n_ood_hard + ["easy"] * cfg.n_ood_easy + ["positive"] * cfg.n_ood_positive
    order = np.random.default_rng([cfg.seed, SPLIT_CODES["ood"]]).permutation(len(kinds))
    return [kinds[i] for i in order]


def config_from_args(args):
    """The generator's settings from the --syn_* flags."""
    return SyntheticConfig(
        seed=args.syn_seed, image_size=args.syn_image_size, n_train=args.syn_n_train, n_val=args.syn_n_val,
        n_probe_per_class=args.syn_n_probe_per_class, n_ood_hard=args.syn_n_ood_hard,
        n_ood_easy=args.syn_n_ood_easy, n_ood_positive=args.syn_n_ood_positive,
        cooccurrence=args.syn_cooccurrence, multi_label_rate=args.syn_multi_label_rate,
        context_variation=args.syn_context_variation, num_classes=args.syn_num_classes)


def config_record(cfg):
    """The settings as step 0 records them: a field added later is left out at its default, so
    the records of runs made before it stay current."""
    return {k: v for k, v in dataclasses.asdict(cfg).items() if not (k == "num_classes" and v == 6)}


def _is_complete(folder, cfg):
    path = os.path.join(folder, "synthetic_config.json")
    if not os.path.isfile(path):
        return False
    with open(path) as f:
        stored = json.load(f)
    # A field added after the folder was made holds its default there.
    return {**dataclasses.asdict(SyntheticConfig()), **stored} == dataclasses.asdict(cfg)


def generate(cfg, voc_root, ood_root, overwrite=False):
    """Write the in-distribution VOC tree under `voc_root` and the OoD pool under `ood_root`.

    Skips a tree whose `synthetic_config.json` matches `cfg` unless `overwrite`; the config file
    is written last, so an interrupted run is redone, never trusted.
    """
    cfg.validate()
    palette = voc_palette()
    if overwrite or not _is_complete(voc_root, cfg):
        n_probe = cfg.n_probe_per_class * cfg.num_classes
        for split, count in (("train", cfg.n_train), ("val", cfg.n_val), ("probe_neutral", n_probe)):
            ids = [f"{split}_{i:05d}" for i in range(count)]
            for index, image_id in enumerate(progress(ids, desc=f"synthetic {split}", leave=False)):
                img, mask, _ = make_in_distribution(cfg, split, index)
                io_utils.save_image(os.path.join(layout.image_dir(voc_root), image_id + ".jpg"), img)
                io_utils.save_label_png(os.path.join(voc_root, "SegmentationClass", image_id + ".png"), mask, palette)
            io_utils.save_lines(os.path.join(voc_root, "ImageSets", "Segmentation", split + ".txt"), ids)
        io_utils.save_lines(os.path.join(voc_root, "class_names.txt"), class_names(cfg))
        io_utils.save_json(os.path.join(voc_root, "synthetic_config.json"), dataclasses.asdict(cfg))
    if overwrite or not _is_complete(ood_root, cfg):
        write_ood_pool(cfg, ood_root)
    sheet = os.path.join(voc_root, "contact_sheet.png")
    if overwrite or not os.path.isfile(sheet):
        io_utils.save_image(sheet, contact_sheet(cfg))
    return sheet


def write_ood_pool(cfg, ood_root):
    """The candidate pool: JPEGImages/, candidates.txt, the ground-truth sidecar, synthetic_config.json."""
    sidecar, ids = {}, []
    for index, kind in enumerate(progress(ood_kinds(cfg), desc="synthetic OoD pool", leave=False)):
        image_id = f"ood_{index:05d}"
        img, mask, contexts = make_ood_candidate(cfg, index, kind)
        io_utils.save_image(os.path.join(layout.image_dir(ood_root), image_id + ".jpg"), img)
        present = sorted({class_names(cfg)[v - 1] for v in np.unique(mask) if v > 0})
        sidecar[image_id] = {"kind": kind, "contexts": contexts, "classes": present}
        ids.append(image_id)
    io_utils.save_lines(os.path.join(ood_root, "candidates.txt"), ids)
    io_utils.save_json(os.path.join(ood_root, SIDECAR_NAME), sidecar)
    io_utils.save_json(os.path.join(ood_root, "synthetic_config.json"), dataclasses.asdict(cfg))


def contact_sheet(cfg, per_row=8):
    """Rows: train images, their masks, objects on neutral backgrounds, hard / easy / positive OoDs."""
    size, palette = cfg.image_size, np.array(voc_palette(), np.uint8).reshape(-1, 3)
    rows, names = [], []

    def add_row(label, pictures):
        rows.append(np.concatenate(pictures, axis=1))
        names.append(label)

    train = [make_in_distribution(cfg, "train", i) for i in range(per_row)]
    add_row("train", [t[0] for t in train])
    add_row("train GT", [palette[t[1]] for t in train])
    add_row("neutral", [make_in_distribution(cfg, "probe_neutral", i)[0] for i in range(per_row)])
    for kind in ("hard", "easy", "positive"):
        add_row(f"OoD {kind}", [make_ood_candidate(cfg, 10_000 + i, kind)[0] for i in range(per_row)])
    label_width = 90
    sheet = np.full((len(rows) * size, label_width + per_row * size, 3), 255, np.uint8)
    for r, (row, name) in enumerate(zip(rows, names)):
        sheet[r * size:(r + 1) * size, label_width:] = row
        cv2.putText(sheet, name, (4, r * size + size // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1)
    return sheet

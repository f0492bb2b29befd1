"""Drawing primitives of the synthetic data set: backgrounds, context textures, objects.

Every function takes a numpy Generator and draws into HxWx3 uint8 arrays in place. Objects also
paint a boolean mask so the segmentation ground truth is exact (no anti-aliasing on edges).

Design (docs/synthetic_data.md):
- neutral backgrounds: a family of unrelated textures shared by every class and by the easy OoDs;
- contexts: "sky" (upper part), "water" and "rail" (lower part), each bound to one class;
- objects: one shape family and colour family per class, with size, position and colour noise;
- distractors: shapes of no class, which are background in the masks.
"""
import colorsys

import cv2
import numpy as np


def hsv_colour(rng, hue_range, sat_range, val_range):
    """An RGB uint8 triple with hue in degrees (ranges may wrap past 360)."""
    hue = (rng.uniform(*hue_range) % 360.0) / 360.0
    r, g, b = colorsys.hsv_to_rgb(hue, rng.uniform(*sat_range), rng.uniform(*val_range))
    return np.array([r, g, b]) * 255.0


def _int_colour(colour):
    return tuple(int(round(v)) for v in np.clip(colour, 0, 255))


def _neutral_colour(rng):
    return hsv_colour(rng, (0, 360), (0.05, 0.45), (0.3, 0.9))


# ----------------------------------------------------------------------------- backgrounds
def neutral_background(rng, size):
    """One of four unrelated texture kinds, random colours: (size, size, 3) uint8."""
    kind = rng.integers(4)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    a, b = _neutral_colour(rng), _neutral_colour(rng)
    if kind == 0:  # linear gradient in a random direction
        angle = rng.uniform(0, 2 * np.pi)
        t = (np.cos(angle) * xx + np.sin(angle) * yy)
        t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
        img = a[None, None] * (1 - t[..., None]) + b[None, None] * t[..., None]
    elif kind == 1:  # smooth colour blobs
        cells = int(rng.integers(3, 7))
        low = np.stack([_neutral_colour(rng) for _ in range(cells * cells)]).reshape(cells, cells, 3)
        img = cv2.resize(low.astype(np.float32), (size, size), interpolation=cv2.INTER_CUBIC)
    elif kind == 2:  # stripes at a random angle
        angle = rng.uniform(0, np.pi)
        period = rng.uniform(0.08, 0.3)
        t = np.cos(angle) * xx + np.sin(angle) * yy
        mix = (np.sin(2 * np.pi * t / period) > 0).astype(np.float32)
        img = a[None, None] * (1 - mix[..., None]) + b[None, None] * mix[..., None]
    else:  # flat colour with coarse speckle
        img = np.broadcast_to(a, (size, size, 3)) + rng.normal(0, 18, (size, size, 1))
    return np.clip(img, 0, 255).astype(np.uint8)


def paint_sky(rng, img):
    """Light-blue gradient with white clouds over the top part. Returns the sky's bottom row."""
    size = img.shape[0]
    bottom = int(size * rng.uniform(0.55, 0.8))
    top_c = hsv_colour(rng, (195, 215), (0.45, 0.65), (0.75, 0.9))
    low_c = hsv_colour(rng, (195, 215), (0.15, 0.3), (0.9, 1.0))
    t = np.linspace(0, 1, bottom, dtype=np.float32)[:, None, None]
    img[:bottom] = np.clip(top_c * (1 - t) + low_c * t, 0, 255).astype(np.uint8)
    for _ in range(int(rng.integers(1, 4))):
        centre = (int(rng.uniform(0, size)), int(rng.uniform(0.05, 0.8) * bottom))
        axes = (int(size * rng.uniform(0.08, 0.2)), int(size * rng.uniform(0.03, 0.07)))
        cv2.ellipse(img, centre, axes, 0, 0, 360, _int_colour(hsv_colour(rng, (0, 360), (0, 0.05), (0.93, 1.0))), -1)
    return bottom


def paint_water(rng, img):
    """Deep-blue water with light wave lines over the bottom part. Returns the waterline row."""
    size = img.shape[0]
    top = int(size * rng.uniform(0.45, 0.65))
    base = hsv_colour(rng, (205, 230), (0.6, 0.9), (0.4, 0.65))
    img[top:] = np.clip(base + rng.normal(0, 6, (size - top, size, 1)), 0, 255).astype(np.uint8)
    wave = _int_colour(base + np.array([60.0, 70.0, 60.0]))
    period = rng.uniform(0.15, 0.3) * size
    for row in np.arange(top + 3, size, max(3, int(size * 0.07))):
        phase = rng.uniform(0, 2 * np.pi)
        xs = np.arange(0, size, 2)
        ys = row + 2.0 * np.sin(2 * np.pi * xs / period + phase)
        pts = np.stack([xs, ys], 1).astype(np.int32)
        cv2.polylines(img, [pts], False, wave, 1)
    return top


def paint_rail(rng, img):
    """Gravel bed with wooden sleepers and two steel rails over the bottom. Returns the rail row."""
    size = img.shape[0]
    top = int(size * rng.uniform(0.62, 0.78))
    gravel = hsv_colour(rng, (20, 40), (0.1, 0.25), (0.35, 0.55))
    img[top:] = np.clip(gravel + rng.normal(0, 22, (size - top, size, 1)), 0, 255).astype(np.uint8)
    sleeper = _int_colour(hsv_colour(rng, (15, 30), (0.5, 0.7), (0.25, 0.4)))
    step = max(4, int(size * rng.uniform(0.07, 0.1)))
    width = max(2, step // 3)
    offset = int(rng.integers(step))
    for x in range(offset, size, step):
        cv2.rectangle(img, (x, top + 2), (x + width, size - 1), sleeper, -1)
    steel = _int_colour(hsv_colour(rng, (0, 360), (0, 0.05), (0.75, 0.9)))
    thick = max(1, size // 48)
    for frac in (0.3, 0.75):
        row = top + int(frac * (size - top))
        cv2.line(img, (0, row), (size - 1, row), steel, thick)
    return top


CONTEXT_PAINTERS = {"sky": paint_sky, "water": paint_water, "rail": paint_rail}
CONTEXT_REGION = {"sky": "top", "water": "bottom", "rail": "bottom"}


def vary_context(rng, img, context, line, variation):
    """Vary a painted context's look (docs/results.md, "when does L_d matter", hypothesis ii): rotate its
    hue by up to +-90 * variation degrees, scale its brightness by up to +-30 * variation %, and
    with probability `variation` lay stripes of a random angle and period over it. variation 0
    draws nothing from `rng` (the default data set keeps its bytes)."""
    if variation <= 0:
        return
    rows = slice(0, line) if CONTEXT_REGION[context] == "top" else slice(line, img.shape[0])
    region = cv2.cvtColor(np.ascontiguousarray(img[rows]), cv2.COLOR_RGB2HSV).astype(np.float32)
    region[..., 0] = (region[..., 0] + rng.uniform(-1, 1) * 45 * variation) % 180  # cv2 hue: 2 degrees a unit
    region[..., 2] *= 1 + rng.uniform(-1, 1) * 0.3 * variation
    rgb = cv2.cvtColor(np.clip(region, 0, 255).astype(np.uint8), cv2.COLOR_HSV2RGB).astype(np.float32)
    if rng.random() < variation:
        h, w = rgb.shape[:2]
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32) / img.shape[0]
        angle, period = rng.uniform(0, np.pi), rng.uniform(0.05, 0.2)
        stripes = np.sin(2 * np.pi * (np.cos(angle) * xx + np.sin(angle) * yy) / period) > 0
        rgb *= np.where(stripes, 1 + 0.25 * variation, 1 - 0.25 * variation)[..., None]
    img[rows] = np.clip(rgb, 0, 255).astype(np.uint8)


# ----------------------------------------------------------------------------- objects
def _draw(img, mask, fn, *args):
    """Call a cv2 drawing fn on the image with the colour and on the mask with 1."""
    *geometry, colour = args
    fn(img, *geometry, _int_colour(colour), -1)
    fn(mask, *geometry, 1, -1)


def _rect(img, mask, x0, y0, x1, y1, colour):
    _draw(img, mask, cv2.rectangle, (int(x0), int(y0)), (int(x1), int(y1)), colour)


def _poly(img, mask, points, colour):
    pts = [np.round(np.asarray(points)).astype(np.int32)]
    cv2.fillPoly(img, pts, _int_colour(colour))
    cv2.fillPoly(mask, pts, 1)


def _circle(img, mask, cx, cy, r, colour):
    _draw(img, mask, cv2.circle, (int(cx), int(cy)), max(1, int(r)), colour)


def draw_train(rng, img, mask, x, y, w):
    """Red carriage with a row of yellow windows and dark wheels; (x, y) = bottom-left."""
    h = 0.42 * w
    body = hsv_colour(rng, (-15, 12), (0.65, 0.95), (0.55, 0.9))
    _rect(img, mask, x, y - h, x + w, y - 0.12 * h, body)
    _poly(img, mask, [(x + w, y - h), (x + 1.12 * w, y - 0.45 * h), (x + w, y - 0.12 * h)], body)
    window = hsv_colour(rng, (45, 60), (0.5, 0.8), (0.9, 1.0))
    n = int(rng.integers(3, 6))
    for i in range(n):
        wx = x + (i + 0.25) * w / n
        _rect(img, mask, wx, y - 0.85 * h, wx + 0.5 * w / n, y - 0.55 * h, window)
    for i in range(int(rng.integers(2, 5))):
        _circle(img, mask, x + (0.15 + 0.7 * i / 3) * w, y - 0.1 * h, 0.09 * w, (30, 30, 30))


def draw_boat(rng, img, mask, x, y, w):
    """Orange-brown hull with a mast and a white sail; (x, y) = hull's waterline start."""
    hull = hsv_colour(rng, (18, 35), (0.7, 0.95), (0.45, 0.75))
    h = 0.25 * w
    _poly(img, mask, [(x, y - h), (x + w, y - h), (x + 0.8 * w, y + 0.3 * h), (x + 0.2 * w, y + 0.3 * h)], hull)
    mast_x = x + rng.uniform(0.4, 0.55) * w
    _rect(img, mask, mast_x - max(1, 0.02 * w), y - 1.3 * w * 0.7, mast_x + max(1, 0.02 * w), y - h, (60, 40, 20))
    sail = hsv_colour(rng, (40, 60), (0.0, 0.2), (0.92, 1.0))
    _poly(img, mask, [(mast_x + 2, y - 0.9 * w), (mast_x + 2, y - 1.15 * h), (mast_x + 0.45 * w, y - 1.15 * h)], sail)


def draw_bird(rng, img, mask, cx, cy, w):
    """Dark body, head and raised wings with an orange beak; (cx, cy) = body centre."""
    w = 1.25 * w  # a bird's parts are thin: scale up so its area matches the other classes
    body = hsv_colour(rng, (0, 360), (0.0, 0.3), (0.08, 0.3))
    direction = 1 if rng.random() < 0.5 else -1
    _draw(img, mask, cv2.ellipse, (int(cx), int(cy)), (int(0.36 * w), int(0.17 * w)), 0, 0, 360, body)
    head = (cx + direction * 0.34 * w, cy - 0.12 * w)
    _circle(img, mask, head[0], head[1], 0.12 * w, body)
    beak = hsv_colour(rng, (25, 40), (0.8, 1.0), (0.85, 1.0))
    _poly(img, mask, [(head[0] + direction * 0.08 * w, head[1] - 0.04 * w),
                      (head[0] + direction * 0.24 * w, head[1]),
                      (head[0] + direction * 0.08 * w, head[1] + 0.04 * w)], beak)
    _poly(img, mask, [(cx - 0.2 * w, cy - 0.05 * w), (cx + 0.15 * w, cy - 0.05 * w),
                      (cx - direction * 0.3 * w, cy - 0.5 * w)], body)


def draw_bottle(rng, img, mask, cx, cy, w):
    """Tall green bottle with a neck and a cap; w = height, (cx, cy) = centre."""
    glass = hsv_colour(rng, (100, 140), (0.55, 0.9), (0.35, 0.7))
    bw = 0.4 * w
    _rect(img, mask, cx - bw / 2, cy - 0.15 * w, cx + bw / 2, cy + 0.5 * w, glass)
    _poly(img, mask, [(cx - bw / 2, cy - 0.15 * w), (cx + bw / 2, cy - 0.15 * w),
                      (cx + bw / 5, cy - 0.3 * w), (cx - bw / 5, cy - 0.3 * w)], glass)
    _rect(img, mask, cx - bw / 5, cy - 0.45 * w, cx + bw / 5, cy - 0.3 * w, glass)
    _rect(img, mask, cx - bw / 4, cy - 0.5 * w, cx + bw / 4, cy - 0.45 * w, hsv_colour(rng, (0, 360), (0.6, 0.9), (0.6, 0.9)))
    _rect(img, mask, cx - bw / 2 + 1, cy + 0.05 * w, cx + bw / 2 - 1, cy + 0.25 * w, hsv_colour(rng, (40, 60), (0.1, 0.3), (0.85, 1.0)))


def draw_chair(rng, img, mask, cx, cy, w):
    """Purple chair seen from the side: back, seat and legs; (cx, cy) = seat centre."""
    wood = hsv_colour(rng, (270, 310), (0.5, 0.85), (0.4, 0.75))
    leg = max(3, int(0.13 * w))
    _rect(img, mask, cx - 0.38 * w, cy - 0.08 * w, cx + 0.38 * w, cy + 0.08 * w, wood)
    _rect(img, mask, cx - 0.38 * w, cy - 0.55 * w, cx - 0.38 * w + 1.4 * leg, cy, wood)
    _rect(img, mask, cx - 0.38 * w, cy, cx - 0.38 * w + leg, cy + 0.42 * w, wood)
    _rect(img, mask, cx + 0.38 * w - leg, cy, cx + 0.38 * w, cy + 0.42 * w, wood)


def draw_tvmonitor(rng, img, mask, cx, cy, w):
    """Dark frame around a glowing screen on a stand; (cx, cy) = screen centre."""
    frame = hsv_colour(rng, (0, 360), (0.0, 0.2), (0.1, 0.3))
    screen = hsv_colour(rng, (170, 190), (0.4, 0.8), (0.8, 1.0))
    hw, hh = 0.4 * w, 0.3 * w
    _rect(img, mask, cx - hw, cy - hh, cx + hw, cy + hh, frame)
    _rect(img, mask, cx - 0.85 * hw, cy - 0.8 * hh, cx + 0.85 * hw, cy + 0.8 * hh, screen)
    _rect(img, mask, cx - 0.06 * w, cy + hh, cx + 0.06 * w, cy + hh + 0.12 * w, frame)
    _rect(img, mask, cx - 0.25 * w, cy + hh + 0.12 * w, cx + 0.25 * w, cy + hh + 0.17 * w, frame)


def draw_car(rng, img, mask, cx, cy, w):
    """Blue car body with a cabin and two dark wheels; (cx, cy) = body centre."""
    paint = hsv_colour(rng, (200, 240), (0.6, 0.95), (0.45, 0.85))
    _rect(img, mask, cx - 0.45 * w, cy - 0.1 * w, cx + 0.45 * w, cy + 0.12 * w, paint)
    _poly(img, mask, [(cx - 0.25 * w, cy - 0.1 * w), (cx - 0.15 * w, cy - 0.3 * w), (cx + 0.18 * w, cy - 0.3 * w),
                      (cx + 0.28 * w, cy - 0.1 * w)], paint)
    for x in (cx - 0.27 * w, cx + 0.27 * w):
        _circle(img, mask, x, cy + 0.13 * w, 0.1 * w, (25, 25, 25))


def draw_pottedplant(rng, img, mask, cx, cy, w):
    """Terracotta pot with a round green crown of leaves; (cx, cy) = pot's top centre."""
    w = 1.2 * w  # scaled so its area matches the other classes
    pot = hsv_colour(rng, (10, 25), (0.6, 0.85), (0.5, 0.75))
    _poly(img, mask, [(cx - 0.2 * w, cy), (cx + 0.2 * w, cy), (cx + 0.14 * w, cy + 0.3 * w),
                      (cx - 0.14 * w, cy + 0.3 * w)], pot)
    for dx, dy in ((0.0, -0.25), (-0.15, -0.12), (0.15, -0.12)):
        _circle(img, mask, cx + dx * w, cy + dy * w, 0.15 * w, hsv_colour(rng, (90, 130), (0.6, 0.9), (0.35, 0.65)))


def draw_sofa(rng, img, mask, cx, cy, w):
    """Long olive sofa: seat, back and two arms; (cx, cy) = seat centre."""
    cloth = hsv_colour(rng, (55, 80), (0.4, 0.7), (0.35, 0.6))
    _rect(img, mask, cx - 0.45 * w, cy - 0.05 * w, cx + 0.45 * w, cy + 0.15 * w, cloth)
    _rect(img, mask, cx - 0.4 * w, cy - 0.25 * w, cx + 0.4 * w, cy - 0.05 * w, cloth)
    for x in (cx - 0.5 * w, cx + 0.42 * w):
        _rect(img, mask, x, cy - 0.12 * w, x + 0.08 * w, cy + 0.15 * w, cloth)


def draw_person(rng, img, mask, cx, cy, w):
    """Standing figure: skin-toned head, a coloured shirt and dark legs; (cx, cy) = chest."""
    w = 1.4 * w  # a figure is thin: scaled so its area matches the other classes
    _circle(img, mask, cx, cy - 0.3 * w, 0.1 * w, hsv_colour(rng, (15, 30), (0.3, 0.6), (0.55, 0.9)))
    _rect(img, mask, cx - 0.12 * w, cy - 0.2 * w, cx + 0.12 * w, cy + 0.1 * w, hsv_colour(rng, (0, 360), (0.5, 0.9), (0.5, 0.9)))
    _rect(img, mask, cx - 0.1 * w, cy + 0.1 * w, cx + 0.1 * w, cy + 0.4 * w, (40, 40, 60))


def draw_distractor(rng, img, size):
    """A shape of no class (ring, cross or polygon); it is background in the masks."""
    colour = _int_colour(hsv_colour(rng, (0, 360), (0.3, 1.0), (0.3, 1.0)))
    cx, cy = rng.uniform(0.1, 0.9, 2) * size
    r = rng.uniform(0.05, 0.12) * size
    kind = rng.integers(3)
    if kind == 0:
        cv2.circle(img, (int(cx), int(cy)), int(r), colour, max(1, int(r / 3)))
    elif kind == 1:
        t = max(1, int(r / 3))
        cv2.line(img, (int(cx - r), int(cy)), (int(cx + r), int(cy)), colour, t)
        cv2.line(img, (int(cx), int(cy - r)), (int(cx), int(cy + r)), colour, t)
    else:
        angles = np.sort(rng.uniform(0, 2 * np.pi, 5))
        pts = np.stack([cx + r * np.cos(angles), cy + r * np.sin(angles)], 1).astype(np.int32)
        cv2.fillPoly(img, [pts], colour)


# name -> (draw function, anchor): "ground" objects stand on a line, "free" ones float.
OBJECT_DRAWERS = {
    "bird": (draw_bird, "free"),
    "boat": (draw_boat, "ground"),
    "train": (draw_train, "ground"),
    "bottle": (draw_bottle, "free"),
    "chair": (draw_chair, "free"),
    "tvmonitor": (draw_tvmonitor, "free"),
    "car": (draw_car, "free"),
    "pottedplant": (draw_pottedplant, "free"),
    "sofa": (draw_sofa, "free"),
    "person": (draw_person, "free"),
}

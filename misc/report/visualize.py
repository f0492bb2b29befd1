"""Pictures a person can look at: palette colouring, CAM heat maps, labelled tiles."""
import cv2
import numpy as np

from misc.images import voc_palette

PALETTE = np.array(voc_palette(), np.uint8).reshape(-1, 3)


def colorize_labels(label):
    """(H, W) class indices (0 bg, 1..C, 255 ignore) -> (H, W, 3) uint8 in the VOC palette."""
    return PALETTE[np.asarray(label, np.int64).clip(0, 255)]


def cam_overlay(rgb, cam, alpha=0.5):
    """Blend a (H, W) map in [0, 1] as a jet heat map over an (H, W, 3) uint8 image."""
    heat = cv2.applyColorMap((np.clip(cam, 0, 1) * 255).astype(np.uint8), cv2.COLORMAP_JET)[:, :, ::-1]
    return (alpha * heat + (1 - alpha) * rgb).astype(np.uint8)


def label_tile(tile, text, scale=3):
    """Upscale a tile (nearest, so label maps stay crisp) and write a caption above it."""
    tile = cv2.resize(tile, (tile.shape[1] * scale, tile.shape[0] * scale), interpolation=cv2.INTER_NEAREST)
    caption = np.full((16, tile.shape[1], 3), 255, np.uint8)
    cv2.putText(caption, text[:40], (2, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1)
    return np.concatenate([caption, tile], 0)


def hstack(tiles, gap=4):
    height = max(t.shape[0] for t in tiles)
    padded = []
    for t in tiles:
        canvas = np.full((height, t.shape[1] + gap, 3), 255, np.uint8)
        canvas[:t.shape[0], :t.shape[1]] = t
        padded.append(canvas)
    return np.concatenate(padded, 1)


def vstack(rows, gap=4):
    width = max(r.shape[1] for r in rows)
    padded = []
    for r in rows:
        canvas = np.full((r.shape[0] + gap, width, 3), 255, np.uint8)
        canvas[:r.shape[0], :r.shape[1]] = r
        padded.append(canvas)
    return np.concatenate(padded, 0)

"""Pixel pairs within a radius and the boundary along the path between them (IRN's path index).

IRN (Ahn et al., CVPR 2019) turns a class-boundary map B into affinities between pixel pairs
(i, j) closer than `radius` on the stride-4 grid: a_ij = 1 - max_{k on the path i..j} B(k).
Pairs are taken in one half-plane (each unordered pair once). Shapes: edge (B, H, W) or (H, W).

The path (`--irn_path`): `band`, IRN's (misc/indexing.py, get_search_paths_dst): every cell of
the pair's bounding box closer than 1 to the straight line through both ends (242 cells over the
34 offsets of radius 5), so a one-cell diagonal boundary separates diagonal pairs; `line`, this
project's earlier path: the rounded one-cell line (130 cells).
"""
import functools
import math

import numpy as np
import torch


def search_offsets(radius):
    """(dy, dx) with 0 < dy^2 + dx^2 < radius^2 in the half-plane dy > 0 or (dy = 0, dx > 0)."""
    r = int(math.ceil(radius))
    return [(dy, dx) for dy in range(0, r) for dx in range(-r + 1, r)
            if (dy > 0 or dx > 0) and dy * dy + dx * dx < radius * radius]


PATHS = ("band", "line")


@functools.lru_cache(maxsize=None)  # called per offset on every batch: the cells depend on (dy, dx, path) only
def path_points(dy, dx, path="band"):
    """Grid cells on the path from (0, 0) to (dy, dx), both ends included (see the module doc)."""
    if path == "band":
        length_sq = dy * dy + dx * dx
        return [(y, x) for y in range(min(0, dy), max(0, dy) + 1) for x in range(min(0, dx), max(0, dx) + 1)
                if (dy * x - dx * y) ** 2 < length_sq]  # squared distance to the line below 1
    if path != "line":
        raise ValueError(f"unknown path '{path}' (use {' or '.join(PATHS)})")
    steps = max(abs(dy), abs(dx))
    t = np.arange(steps + 1) / steps
    points = np.stack([np.round(t * dy), np.round(t * dx)], 1).astype(int)
    return [tuple(int(v) for v in p) for p in dict.fromkeys(map(tuple, points))]


def _shifted(x, dy, dx, h, w):
    """x[..., i + dy, j + dx] for the source block i < h, j < w (x already padded as needed)."""
    return x[..., dy:dy + h, dx:dx + w]


def pair_max_edge(edge, radius, path="band"):
    """Max boundary along each pair's path. edge: (..., H, W) -> (..., D, H, W) and a valid mask (D, H, W).

    Entry [d, i, j] is the pair ((i, j), (i, j) + offset_d); pairs whose end leaves the map are
    invalid (their value is the padding, 1).
    """
    offsets = search_offsets(radius)
    h, w = edge.shape[-2:]
    r = int(math.ceil(radius))
    padded = torch.nn.functional.pad(edge, (r, r, 0, r), value=1.0)  # right, left and bottom only
    out = []
    for dy, dx in offsets:
        values = torch.stack([_shifted(padded, py, px + r, h, w) for py, px in path_points(dy, dx, path)], 0)
        out.append(values.max(0).values)
    return torch.stack(out, -3), valid_pairs(h, w, radius).to(edge.device)


def valid_pairs(h, w, radius):
    """(D, H, W) mask of the pairs whose end lies inside an H x W map (pair_max_edge's second
    output, without computing any boundary); a copy of the cached mask, so callers may change it."""
    return _valid_pairs(h, w, radius).clone()


@functools.lru_cache(maxsize=64)  # every crop of a run has the same size
def _valid_pairs(h, w, radius):
    offsets = search_offsets(radius)
    valid = torch.zeros(len(offsets), h, w, dtype=torch.bool)
    for d, (dy, dx) in enumerate(offsets):
        # sources (i, j) with 0 <= i + dy < h and 0 <= j + dx < w; an offset longer than the map
        # has none (a negative bound would slice from the far end instead)
        first, last = max(0, -dx), max(0, min(w, w - dx))
        if first < last:
            valid[d, :max(0, h - dy), first:last] = True
    return valid


SOURCES = ("interior", "all")


def interior_sources(h, w, radius):
    """(H, W) mask of the source cells IRN's training pairs start from (indexing.PathIndex): rows
    below H - r', columns from r' to W - r', r' = ceil(radius) - 1, so every pair of a source lies
    inside the crop. The border sources are dropped whatever their partner is."""
    rf = int(math.ceil(radius)) - 1
    mask = torch.zeros(h, w, dtype=torch.bool)
    mask[:max(0, h - rf), rf:max(rf, w - rf)] = True
    return mask


def affinity_labels(label, radius, ignore=255, sources="interior"):
    """IRN's pair labels from a stride-4 label map (H, W): masks (D, H, W) of
    background pairs (both 0), foreground pairs (same class > 0) and negative pairs (different).

    sources: `interior`, IRN's (see interior_sources); `all`, every cell whose partner lies in the
    map (this project's earlier rule, ~20% more source cells at crop 512, radius 10).
    """
    if sources not in SOURCES:
        raise ValueError(f"unknown pair sources '{sources}' (use {' or '.join(SOURCES)})")
    label = label.long() if torch.is_tensor(label) else torch.as_tensor(np.asarray(label, np.int64))
    h, w = label.shape
    r = int(math.ceil(radius))
    padded = torch.nn.functional.pad(label, (r, r, 0, r), value=ignore)
    valid = valid_pairs(h, w, radius).to(label.device)  # on the label's device: step 8 builds them there
    if sources == "interior":
        valid = valid & interior_sources(h, w, radius).to(label.device)
    src = label[None].expand(valid.shape[0], h, w)
    dst = torch.stack([_shifted(padded, dy, dx + r, h, w) for dy, dx in search_offsets(radius)])
    known = valid & (src != ignore) & (dst != ignore)
    same = src == dst
    return known & same & (src == 0), known & same & (src > 0), known & ~same


def batch_affinity_labels(labels, radius, ignore=255, sources="interior"):
    """affinity_labels of a batch (B, H, W) on its own device -> three (B, D, H, W) masks. Step 8
    ships the label grids and builds the masks here, on the GPU, instead of three (D, H, W) masks
    a sample through the loader workers (~240 MB a batch of 32 at crop 512, radius 10)."""
    masks = [affinity_labels(label, radius, ignore, sources) for label in labels]
    return tuple(torch.stack([m[k] for m in masks]) for k in range(3))


def transition_matrix(edge, radius, beta, path="band"):
    """Sparse column-normalised transition matrix T (N x N, N = H*W) of IRN's random walk.

    a_ij = (1 - max boundary on the path)^beta for pairs within the radius, symmetric, with
    self-loops of 1; T[i, j] = a_ij / sum_i a_ij. Memory grows with N * (number of offsets), not
    N^2, which is what lets the walk run on full VOC images.
    """
    h, w = edge.shape
    max_edge, valid = pair_max_edge(edge, radius, path)
    index = torch.arange(h * w, device=edge.device).view(h, w)
    rows, cols, vals = [index.flatten()], [index.flatten()], [torch.ones(h * w, device=edge.device)]
    for d, (dy, dx) in enumerate(search_offsets(radius)):
        mask = valid[d]
        src = index[mask]
        dst = src + dy * w + dx
        aff = (1.0 - max_edge[d][mask]).clamp_min(0) ** beta
        rows += [src, dst]
        cols += [dst, src]
        vals += [aff, aff]
    rows, cols, vals = torch.cat(rows), torch.cat(cols), torch.cat(vals)
    col_sum = torch.zeros(h * w, device=edge.device).index_add_(0, cols, vals)
    return torch.sparse_coo_tensor(torch.stack([rows, cols]), vals / col_sum[cols], (h * w, h * w),
                                   check_invariants=False).coalesce()


def random_walk(values, edge, radius, beta, exp_times, dense_max_nodes=4096, path="band"):
    """IRN's propagation: values (K, H, W) * (1 - edge), then x <- x T^(2^exp_times).

    Up to `dense_max_nodes` grid nodes T is squared densely exp_times times, as IRN does (fast for
    small maps); above it, T stays sparse and is applied 2^exp_times times, so memory stays
    O(N * offsets) on large images (IRN's dense N x N squaring is where 11 GB GPUs run out).
    """
    k, h, w = values.shape
    x = (values * (1 - edge)).reshape(k, h * w)
    trans = transition_matrix(edge, radius, beta, path)
    if h * w <= dense_max_nodes:
        dense = trans.to_dense()
        if k * 2 ** exp_times < h * w * exp_times:  # fewer flops to apply T than to square it
            for _ in range(2 ** exp_times):
                x = x @ dense
            return x.reshape(k, h, w)
        for _ in range(exp_times):
            dense = dense @ dense
        return (x @ dense).reshape(k, h, w)
    transposed, xt = trans.t().coalesce(), x.t()  # x T = (T^T x^T)^T
    for _ in range(2 ** exp_times):
        xt = torch.sparse.mm(transposed, xt)
    return xt.t().reshape(k, h, w)

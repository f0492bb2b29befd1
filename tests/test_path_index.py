import numpy as np
import pytest
import torch

from misc.seeds.path_index import (affinity_labels, interior_sources, pair_max_edge, path_points, random_walk,
                                   search_offsets)


def counts(label, radius):
    return [int(m.sum()) for m in affinity_labels(label, radius, sources="all")]


def test_offsets_and_paths():
    assert search_offsets(1.5) == [(0, 1), (1, -1), (1, 0), (1, 1)]
    assert len(search_offsets(5)) == 34  # half of the 68 non-zero lattice points closer than 5
    assert path_points(0, 3) == path_points(0, 3, "line") == [(0, 0), (0, 1), (0, 2), (0, 3)]
    assert path_points(2, -2, "line") == [(0, 0), (1, -1), (2, -2)]


def test_band_path_as_irn_indexing():
    # IRN (misc/indexing.py): cells (y, x) of the bounding box with (dy x - dx y)^2 / (dy^2 + dx^2) < 1.
    # (1, 1): all four cells are 1/sqrt(2) from the diagonal; the line has only the two ends.
    assert path_points(1, 1) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert path_points(1, 1, "line") == [(0, 0), (1, 1)]
    # (1, 2): distances^2 (x - 2y)^2 / 5 are 0, 1/5, 4/5, 4/5, 1/5, 0: every cell of the box.
    assert path_points(1, 2) == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
    # (2, -2): (2x + 2y)^2 < 8, i.e. |x + y| <= 1: 7 of the 9 cells.
    assert path_points(2, -2) == [(0, -1), (0, 0), (1, -2), (1, -1), (1, 0), (2, -2), (2, -1)]
    # Over the 34 offsets of the random walk's radius 5: 242 cells (IRN) against 130 (line).
    assert sum(len(path_points(*d)) for d in search_offsets(5)) == 242
    assert sum(len(path_points(*d, "line")) for d in search_offsets(5)) == 130


def test_a_one_cell_diagonal_boundary_separates_diagonal_pairs_only_with_the_band():
    edge = torch.tensor([[0.0, 1.0], [1.0, 0.0]])  # the anti-diagonal is boundary
    d = search_offsets(1.5).index((1, 1))
    assert pair_max_edge(edge, 1.5)[0][d, 0, 0] == 1.0
    assert pair_max_edge(edge, 1.5, "line")[0][d, 0, 0] == 0.0


def test_training_pairs_start_from_irns_interior_sources():
    # IRN's PathIndex: sources rows < H - r', columns r' .. W - r' - 1, r' = ceil(radius) - 1.
    assert interior_sources(6, 7, 3).int().tolist() == [[0, 0, 1, 1, 1, 0, 0]] * 4 + [[0] * 7] * 2
    # 4x4 background, radius 1.5 (offsets (0,1), (1,-1), (1,0), (1,1)), r' = 1: 3 x 2 sources with
    # 4 pairs each = 24; every source whose partner is inside: 12 + 9 + 12 + 9 = 42.
    zeros = [[0] * 4] * 4
    assert [int(m.sum()) for m in affinity_labels(zeros, 1.5)] == [24, 0, 0]
    assert [int(m.sum()) for m in affinity_labels(zeros, 1.5, sources="all")] == [42, 0, 0]


def test_affinity_labels_against_a_hand_count():
    # 1x3 [0 0 1]: one background pair (0-1) and one negative pair (1-2).
    assert counts([[0, 0, 1]], 1.5) == [1, 0, 1]
    # 2x2 [[0 1] [1 1]]: the three pairs among the 1s are positive, the three with the 0 negative.
    assert counts([[0, 1], [1, 1]], 1.5) == [0, 3, 3]
    # Ignored pixels make no pair: left are 1-1 (positive), 0-1 below and 0-1 diagonal (negative).
    assert counts([[0, 255], [1, 1]], 1.5) == [0, 1, 2]


def test_max_edge_along_the_path():
    edge = torch.zeros(1, 5)
    edge[0, 2] = 0.8
    max_edge, valid = pair_max_edge(edge, 3.5)
    d = search_offsets(3.5).index((0, 3))
    assert valid[d, 0].tolist() == [True, True, False, False, False]
    assert max_edge[d, 0, :2].tolist() == [0.800000011920929, 0.800000011920929]
    d1 = search_offsets(3.5).index((0, 1))
    assert max_edge[d1, 0, :4].tolist() == [0.0, 0.800000011920929, 0.800000011920929, 0.0]


def test_random_walk_stays_inside_a_closed_boundary_and_fills_it():
    edge = torch.zeros(12, 12)
    edge[2, 2:9] = edge[8, 2:9] = 1.0
    edge[2:9, 2] = edge[2:9, 8] = 1.0  # a closed square ring
    seed = torch.zeros(1, 12, 12)
    seed[0, 5, 5] = 1.0  # one seed pixel inside
    out = random_walk(seed, edge, radius=5, beta=10, exp_times=6)[0]
    inside, outside = out[3:8, 3:8], torch.cat([out[:2].flatten(), out[10:].flatten(), out[:, :2].flatten()])
    assert inside.min() > 0.01 and inside.min() > 50 * outside.max()
    # Without the ring the same seed spreads everywhere.
    free = random_walk(seed, torch.zeros(12, 12), radius=5, beta=10, exp_times=6)[0]
    assert free[0, 0] > 0.1 * free[5, 5]


def test_dense_and_sparse_walks_agree():
    torch.manual_seed(0)
    edge = torch.rand(7, 9) ** 3
    values = torch.rand(2, 7, 9)
    dense = random_walk(values, edge, radius=3, beta=10, exp_times=4, dense_max_nodes=10_000)
    sparse = random_walk(values, edge, radius=3, beta=10, exp_times=4, dense_max_nodes=0)
    torch.testing.assert_close(dense, sparse, rtol=1e-4, atol=1e-6)
    many = torch.rand(40, 7, 9)  # enough channels that squaring T is the cheaper dense route
    torch.testing.assert_close(random_walk(many, edge, 3, 10, 4, dense_max_nodes=10_000),
                               random_walk(many, edge, 3, 10, 4, dense_max_nodes=0), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("h,w", [(2, 3), (3, 3), (8, 8), (3, 12)])
@pytest.mark.parametrize("radius", [5, 10])
def test_valid_pairs_on_maps_narrower_than_the_radius(h, w, radius):
    """A pair is valid exactly when its end lies in the map, worked out cell by cell."""
    from misc.seeds.path_index import search_offsets, valid_pairs

    offsets = search_offsets(radius)
    expected = torch.zeros(len(offsets), h, w, dtype=torch.bool)
    for d, (dy, dx) in enumerate(offsets):
        for i in range(h):
            for j in range(w):
                expected[d, i, j] = 0 <= i + dy < h and 0 <= j + dx < w
    assert torch.equal(valid_pairs(h, w, radius), expected)
    pairs_in_map = sum(1 for i in range(h) for j in range(w) for y in range(h) for x in range(w)
                       if (y, x) > (i, j) and (y - i) ** 2 + (x - j) ** 2 < radius ** 2)
    assert int(expected.sum()) == pairs_in_map  # each unordered pair once (the half-plane of offsets)


@pytest.mark.parametrize("h,w", [(2, 3), (3, 3)])
def test_the_random_walk_runs_on_maps_narrower_than_the_radius(h, w):
    from misc.seeds.path_index import random_walk

    values = torch.rand(2, h, w)
    walked = random_walk(values, torch.zeros(h, w), 5, 10, 2)
    assert walked.shape == (2, h, w) and torch.isfinite(walked).all()


def test_pair_masks_built_on_the_batch_equal_the_loaders():
    # Step 8 builds the pair masks from the batch's label grids on its device; the same masks as
    # the per-sample ones the loader used to ship.
    from misc.seeds.path_index import affinity_labels, batch_affinity_labels

    rng = np.random.default_rng(0)
    grids = rng.choice([0, 1, 2, 255], size=(3, 12, 14), p=[0.4, 0.25, 0.2, 0.15]).astype(np.uint8)
    batch = batch_affinity_labels(torch.from_numpy(grids), 5)
    for i, grid in enumerate(grids):
        for built, shipped in zip(batch, affinity_labels(grid, 5)):
            assert torch.equal(built[i], shipped)
    assert batch[0].shape == (3, len(search_offsets(5)), 12, 14)

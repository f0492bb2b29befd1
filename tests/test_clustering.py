import numpy as np
import pytest

from misc.method.clustering import class_centres, kmeans_centres, predicted_class_centres


def test_class_centres_count_multilabel_images_in_each_class():
    z = np.array([[0.0, 0.0], [2.0, 2.0], [4.0, 0.0]])
    labels = np.array([[1, 0], [1, 1], [0, 1]])
    np.testing.assert_allclose(class_centres(z, labels), [[1.0, 1.0], [3.0, 1.0]])
    with pytest.raises(ValueError, match=r"\[1\]"):
        class_centres(z, np.array([[1, 0], [1, 0], [1, 0]]))


def test_kmeans_finds_separable_blobs():
    rng = np.random.default_rng(0)
    means = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    points = np.concatenate([m + 0.1 * rng.standard_normal((20, 2)) for m in means])
    centres, assignment = kmeans_centres(points, 3, seed=0)
    order = np.argsort(centres[:, 0] + 2 * centres[:, 1])
    np.testing.assert_allclose(centres[order], means, atol=0.1)
    assert len(set(assignment[:20])) == 1 and len(set(assignment)) == 3
    small, _ = kmeans_centres(points[:2], 50, seed=0)  # K capped at the number of points
    assert small.shape == (2, 2)


def test_predicted_class_groups():
    z = np.array([[0.0], [2.0], [10.0]])
    probs = np.array([[0.9, 0.1, 0.0], [0.8, 0.0, 0.1], [0.0, 0.1, 0.7]])
    centres, assignment, kept = predicted_class_centres(z, probs)
    assert kept.tolist() == [0, 2] and assignment.tolist() == [0, 0, 1]
    np.testing.assert_allclose(centres, [[1.0], [10.0]])

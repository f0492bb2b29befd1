"""Cluster centres of paper Sec. 3.2: P_in per class, P_ood by K-means or by predicted class."""
import numpy as np
from sklearn.cluster import KMeans


def class_centres(z_in, labels):
    """P_in: (C, D) mean feature of the images labelled with each class (Sec. 3.2).

    z_in: (N, D); labels: (N, C) multi-hot; a multi-label image counts in each of its classes.
    A class with no image is an error (its centre would be undefined).
    """
    labels = np.asarray(labels, np.float64)
    counts = labels.sum(0)
    if (counts == 0).any():
        raise ValueError(f"classes {np.flatnonzero(counts == 0).tolist()} have no in-distribution image")
    return (labels.T @ np.asarray(z_in, np.float64) / counts[:, None]).astype(np.float32)


def kmeans_centres(z_ood, K, seed):
    """P_ood by K-means (Sec. 3.2). Returns (centres (K', D), assignment (N,)), K' = min(K, N)."""
    k = min(K, len(z_ood))
    km = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(np.asarray(z_ood, np.float64))
    return km.cluster_centers_.astype(np.float32), km.labels_.astype(np.int64)


def predicted_class_centres(z_ood, probs_ood):
    """P_ood grouped by the class F_in predicts (Table 4, "Predicted classes"); empty groups dropped.

    Returns (centres (K', D), assignment (N,) into the kept groups, kept class indices (K',)).
    """
    predicted = np.asarray(probs_ood).argmax(1)
    kept = np.unique(predicted)
    assignment = np.searchsorted(kept, predicted)
    centres = np.stack([np.asarray(z_ood)[predicted == c].mean(0) for c in kept]).astype(np.float32)
    return centres, assignment.astype(np.int64), kept

"""Cluster centres of paper Sec. 3.2: P_in per class, P_ood by K-means or by predicted class."""
import numpy as np

from misc import io_utils
from misc.chain.errors import BadInput


def class_centres(z_in, labels):
    """P_in: (C, D) mean feature of the images labelled with each class (Sec. 3.2).

    z_in: (N, D); labels: (N, C) multi-hot; a multi-label image counts in each of its classes.
    A class with no image is an error (its centre would be undefined).
    """
    labels = np.asarray(labels, np.float64)
    counts = labels.sum(0)
    if (counts == 0).any():
        raise BadInput(f"classes {np.flatnonzero(counts == 0).tolist()} have no in-distribution image")
    return (labels.T @ np.asarray(z_in, np.float64) / counts[:, None]).astype(np.float32)


KMEANS = ("sklearn", "release")


def kmeans_centres(z_ood, K, seed, method="sklearn"):
    """P_ood by K-means (Sec. 3.2). Returns (centres (K', D), assignment (N,)), K' = min(K, N).

    method (`--kmeans`): `sklearn`, k-means++ and the best of 10 starts; `release`, the
    official code's (step/train_utils.py KMeans): the first K features as centres, 10 Lloyd steps.
    """
    k = min(K, len(z_ood))
    if method == "release":
        return first_k_lloyd(z_ood, k, iterations=10)
    if method != "sklearn":
        raise ValueError(f"unknown --kmeans '{method}' (use {' or '.join(KMEANS)})")
    from sklearn.cluster import KMeans  # here: ~2 s of imports every run would pay, clustering or not

    km = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(np.asarray(z_ood, np.float64))
    return km.cluster_centers_.astype(np.float32), km.labels_.astype(np.int64)


def first_k_lloyd(z, k, iterations=10):
    """The release's K-means: centres start at z[:k]; each step assigns every point to its nearest
    centre (squared Euclidean), then moves each centre to its points' mean. The assignment returned
    is the last step's, before its move, as the release returns it. A centre that loses every point
    stays where it was (the release divides by zero there and gets NaN)."""
    z = np.asarray(z, np.float64)
    centres = z[:k].copy()
    for _ in range(iterations):
        # ||z - c||^2 up to the per-point constant ||z||^2: an (N, K) matrix, not (N, K, D)
        # (5,190 OoD features x 50 centres x 2048 dimensions would be 4 GB).
        assignment = ((centres ** 2).sum(1)[None] - 2 * z @ centres.T).argmin(1)
        for c in range(k):
            members = z[assignment == c]
            if len(members):
                centres[c] = members.mean(0)
    return centres.astype(np.float32), assignment.astype(np.int64)


def predicted_class_centres(z_ood, probs_ood):
    """P_ood grouped by the class F_in predicts (Table 4, "Predicted classes"); empty groups dropped.

    Returns (centres (K', D), assignment (N,) into the kept groups, kept class indices (K',)).
    """
    predicted = np.asarray(probs_ood).argmax(1)
    kept = np.unique(predicted)
    assignment = np.searchsorted(kept, predicted)
    centres = np.stack([np.asarray(z_ood)[predicted == c].mean(0) for c in kept]).astype(np.float32)
    return centres, assignment.astype(np.int64), kept


CLUSTER_FILE_KEYS = ("class_centres", "ood_centres", "ood_ids", "ood_assignment", "feature_norm_in")


def load_cluster_file(path):
    """Step 3's cluster file (a dict of arrays, written by io_utils.save_npy), its keys checked;
    the error names the file."""
    clusters = io_utils.load_npy(path, "cluster file")
    missing = [k for k in CLUSTER_FILE_KEYS if not isinstance(clusters, dict) or k not in clusters]
    if missing:
        raise BadInput(f"cluster file {path} is not one step 3 wrote (no {', '.join(missing)}); "
                       f"give step 3's file, or leave --cluster_file out to make it")
    return clusters

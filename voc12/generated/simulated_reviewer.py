"""The simulated reviewer of the synthetic data set: the only reader of its ground-truth sidecar.

It plays the person of paper Sec. 3.1 who removes real positives from the ranked candidates:
an image is positive when the generator drew an object of any class into it.
"""
import json
import os

from misc.chain.errors import MissingInput, UnknownId
from voc12.generated.synthetic import SIDECAR_NAME


def simulated_positives(ood_root, ids):
    path = os.path.join(ood_root, SIDECAR_NAME)
    if not os.path.isfile(path):
        raise MissingInput(f"--ood_review simulated needs the synthetic ground-truth sidecar: {path} "
                           f"(use --ood_review manual or none for a real candidate pool)")
    with open(path) as f:
        sidecar = json.load(f)
    missing = [i for i in ids if i not in sidecar]
    if missing:
        raise UnknownId(f"{len(missing)} candidates are not in {path} (first: {missing[:3]})")
    return {i for i in ids if sidecar[i]["classes"]}

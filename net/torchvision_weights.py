"""ImageNet weights through torchvision's weight API: `--backbone_weights torchvision` (ResNet-50)
and `--seg_backbone_weights torchvision` (ResNet-101), both IMAGENET1K_V1.

The file is the one torchvision's `ResNet50_Weights.IMAGENET1K_V1.get_state_dict()` uses, in
torch's hub cache (`torch.hub.get_dir()/checkpoints`, i.e. $TORCH_HOME/hub/checkpoints): read
from there when present, else downloaded there (when online; the hash in the file name is checked,
as torchvision's resnet builders ask). IMAGENET1K_V1, not torchvision's DEFAULT (V2): V1 is the
original ResNet training, what IRN (resnet50-19c8e357.pth, the same weights in torchvision's
earlier file) and the release start from. Offline with an empty cache: an error naming the file,
its URL and the folder to put it in.
"""
import os

import torch

from misc.chain.errors import MissingInput

TORCHVISION = "torchvision"
WEIGHT_ENUMS = {"resnet50": "ResNet50_Weights", "resnet101": "ResNet101_Weights"}


def cache_dir():
    return os.path.join(torch.hub.get_dir(), "checkpoints")


def weights_url(arch):
    import torchvision  # here: ~2 s of imports that runs on the small backbone never need

    return getattr(torchvision.models, WEIGHT_ENUMS[arch]).IMAGENET1K_V1.url


def torchvision_weights_file(arch, flag):
    """The cached IMAGENET1K_V1 file of `arch`, downloaded into the cache when missing."""
    url = weights_url(arch)
    name = os.path.basename(url)
    path = os.path.join(cache_dir(), name)
    if os.path.isfile(path):
        return path
    os.makedirs(cache_dir(), exist_ok=True)
    try:  # torch writes a temporary file and moves it into place after the hash check: ranks may race safely
        hash_prefix = torch.hub.HASH_REGEX.search(name).group(1)
        torch.hub.download_url_to_file(url, path, hash_prefix=hash_prefix, progress=True)
    except Exception as err:  # offline (URLError), a proxy page, a hash mismatch
        raise MissingInput(f"{flag} torchvision: {name} is not in torch's cache {cache_dir()} and could not be "
                           f"downloaded ({err.__class__.__name__}: {str(err).splitlines()[0] if str(err) else ''}); "
                           f"fetch {url} on a machine that is online and put it in {cache_dir()} (or point TORCH_HOME "
                           f"at a folder whose hub/checkpoints holds it), or pass {flag} PATH") from None
    return path

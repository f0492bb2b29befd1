"""Cost per image of CAM and AdvCAM seeds (step 5) with one classifier, in one process.

    python scripts/bench_seed_cost.py --run_name synthetic --num 20
    python scripts/bench_seed_cost.py --preset voc ... --device cuda --num 20

Times the same images with both methods (the run's flags: --cam_scales, --adv_iter, ...), nothing
written, and prints per-image medians and their ratio. Run it alone: other jobs on the machine
change both columns.
"""
import os
import sys
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from misc.chain import layout  # noqa: E402
from misc.chain.subsets import infer_ids  # noqa: E402
from misc.report.tables import format_table  # noqa: E402
from misc.torchutils import resolve_device  # noqa: E402
from net.factory import load_cam_net  # noqa: E402
from run_sample import parse_args  # noqa: E402
from step.s05_make_cam import advcam_pair_maps, cam_pair_maps, multiscale_cam  # noqa: E402
from voc12.datasets import MultiScaleDataset  # noqa: E402
from voc12.voc_lists import load_cls_labels  # noqa: E402


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_method(net, dataset, maps_of, device):
    """Seconds per image (model time only: the images are loaded before the clock starts)."""
    seconds = []
    for index in range(len(dataset)):
        pack = dataset[index]
        keys = torch.nonzero(pack["label"])[:, 0].to(device)
        pyramid = [p.to(device) for p in pack["img"]]
        sync(device)
        start = time.perf_counter()
        multiscale_cam(net, pyramid, pack["size"], keys, net.backbone.output_stride, maps_of, dataset.scales)
        sync(device)
        seconds.append(time.perf_counter() - start)
    return np.array(seconds)


def main():
    argv = sys.argv[1:]
    num = 20
    if "--num" in argv:
        i = argv.index("--num")
        num = int(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
    args = parse_args(argv)
    device = resolve_device(args.device)
    ids = infer_ids(args)[:num]
    labels = load_cls_labels(args.cls_labels, ids)
    dataset = MultiScaleDataset(ids, layout.image_dir(args.voc12_root), labels, args.cam_scales)
    net, _ = load_cam_net(args.cam_weights_name, device)
    net.requires_grad_(False)
    cam = time_method(net, dataset, cam_pair_maps(net), device)
    adv = time_method(net, dataset, advcam_pair_maps(net, args), device)
    classes = np.mean([labels[i].sum() for i in ids])
    rows = [["CAM", f"{np.median(cam):.3f}", f"{cam.sum():.1f}", "1.0"],
            ["AdvCAM", f"{np.median(adv):.3f}", f"{adv.sum():.1f}", f"{np.median(adv) / np.median(cam):.1f}"]]
    print(f"{len(ids)} images of {args.infer_list} ({classes:.2f} labelled classes per image), scales "
          f"{args.cam_scales}, adv_iter {args.adv_iter}, device {device}, torch threads {torch.get_num_threads()}")
    print(format_table(["seeds", "median s/image", "total s", "x CAM"], rows))


if __name__ == "__main__":
    main()

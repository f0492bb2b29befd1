"""Each heavy step's speed against the bare network at the same sizes and batch.

    python scripts/bench_steps.py                          # the default run's data and checkpoints
    python scripts/bench_steps.py --images 64 -- --amp true
    python scripts/bench_steps.py --run_name smoke -- --preset smoke

Reads an existing run (its data, lists, F_in, clusters, IR labels and boundary network: run the
chain first). For each step it times the step's own code on the first --images images (its
loader, augmentation, loss and output writing, or its per-image loop), then, right after, the
bare network on tensors of the same shapes: forward + backward + optimiser step for training
steps (the hardware's limit for that network at that batch), forward alone for inference steps.
Step and bare run in turn --repeats times (each under the same load); prints one table row per
step: the median images per second of each, the median of their ratios, peak RSS (CPU) or peak
GPU memory allocated. Nothing the run made is changed (outputs go to a temporary folder).
Arguments after `--` go to the run's flags (run_sample.py's parser).
"""
import argparse
import os
import sys
import tempfile
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from misc import io_utils  # noqa: E402
from misc.chain import layout, memory, threads  # noqa: E402
from misc.chain.amp import set_amp  # noqa: E402
from misc.chain.engine import train_one_epoch  # noqa: E402
from misc.torchutils import make_loader, resolve_device  # noqa: E402
from run_sample import parse_args  # noqa: E402


def synced(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def timed(fn, device):
    synced(device)
    start = time.perf_counter()
    fn()
    synced(device)
    return time.perf_counter() - start


def subset_loader(loader, n_images, seed):
    """The step's loader (dataset, batch, workers) over its first n_images images."""
    subset = torch.utils.data.Subset(loader.dataset, range(min(n_images, len(loader.dataset))))
    return make_loader(subset, loader.batch_size, True, seed, loader.num_workers, drop_last=True,
                       collate_fn=loader.collate_fn)


def bare_parts(net, make_batch, lr=1e-4):
    return torch.optim.SGD([p for p in net.parameters() if p.requires_grad], lr=lr), make_batch()


def bare_step(net, optimizer, batch):
    """Forward + backward + SGD step on a fixed batch: no data loading, no loss to speak of."""
    net.train()
    out = net(batch)
    out = out[0] if isinstance(out, tuple) else out
    optimizer.zero_grad(set_to_none=True)
    out.float().mean().backward()
    optimizer.step()


def train_row(name, net, loader, loss_of, make_batch, images_per_batch, device, amp):
    """(step, bare, images): callables running one epoch of the step on `loader`'s batches and as
    many bare steps on a fixed batch."""
    optimizer = torch.optim.SGD([p for p in net.parameters() if p.requires_grad], lr=1e-4)
    for group in optimizer.param_groups:
        group["base_lr"] = group["lr"]
    set_amp(net, amp)
    steps = len(loader)
    bare_optimizer, batch = bare_parts(net, make_batch)

    def bare():
        for _ in range(steps):
            bare_step(net, bare_optimizer, batch)
    bare_step(net, bare_optimizer, batch)  # warm-up (allocations, oneDNN kernels)
    return lambda: train_one_epoch(net, loader, optimizer, loss_of, 0, steps, device, amp, name), bare, \
        steps * images_per_batch


def bench_train_cam(args, n_images, device):
    import torch.nn.functional as F

    from net.factory import load_cam_net
    from voc12.datasets import in_distribution_loaders

    classes = len(io_utils.read_lines(args.class_names_file))
    net, _ = load_cam_net(args.cam_weights_name, device)
    net.freeze_stages(args.cam_frozen_stages)
    loader = subset_loader(in_distribution_loaders(args, classes)[0], n_images, args.seed)

    def loss_of(model, batch):
        logits, _ = model(batch["img"].to(device))
        return F.binary_cross_entropy_with_logits(logits.float(), batch["label"].to(device)), {}

    crop = args.cam_crop_size
    return train_row("train_cam", net, loader, loss_of, lambda: torch.randn(args.cam_batch_size, 3, crop, crop,
                                                                             device=device),
                     args.cam_batch_size, device, args.amp)


def bench_train_wood(args, n_images, device):
    from net.factory import load_cam_net
    from step.s04_train_wood import build_loaders, endless, load_centres, train_step

    classes = len(io_utils.read_lines(args.class_names_file))
    net, _ = load_cam_net(args.cam_weights_name, device)
    net.freeze_stages(args.cam_frozen_stages)
    in_loader, ood_loader = build_loaders(args, classes)
    in_loader = subset_loader(in_loader, n_images, args.seed)
    centres, _ = load_centres(args, device)
    stream = endless(ood_loader)

    def loss_of(model, batch):
        return train_step(net, batch, next(stream), centres, args, device, model)

    crop, n = args.cam_crop_size, args.cam_batch_size + ood_loader.batch_size
    return train_row("train_wood", net, in_loader, loss_of, lambda: torch.randn(n, 3, crop, crop, device=device),
                     args.cam_batch_size, device, args.amp)


def bench_make_cam(args, n_images, device, out_dir):
    from misc.chain.subsets import seed_ids
    from net.factory import load_cam_net
    from step.s05_make_cam import make_cams
    from voc12.datasets import MultiScaleDataset
    from voc12.voc_lists import load_cls_labels

    ids = seed_ids(args)[:n_images]
    labels = load_cls_labels(args.cls_labels, ids)
    net, _ = load_cam_net(layout.checkpoint_of(args, "wood"), device)
    set_amp(net, args.amp).requires_grad_(False)
    image_dir = layout.image_dir(args.voc12_root)
    step = lambda: make_cams(net, ids, image_dir, labels, args.cam_scales, out_dir, device, True,  # noqa: E731
                             kernel=args.resize_kernel)
    pyramids = [[p.to(device) for p in MultiScaleDataset([i], image_dir, labels, args.cam_scales,
                                                         args.resize_kernel)[0]["img"]] for i in ids]

    @torch.no_grad()
    def bare():
        for pyramid in pyramids:
            for pair in pyramid:
                net.class_maps(pair)
    return step, bare, len(ids)


def bench_train_irn(args, n_images, device):
    from misc.chain.subsets import irn_ids
    from net.irn_net import affinity_loss
    from step.s08_train_irn import new_boundary_net
    from voc12.ir_label_dataset import IRLabelDataset

    ids = irn_ids(args)
    dataset = IRLabelDataset(ids, layout.image_dir(args.voc12_root), layout.ir_label_dir(args, "wood", ["baseline", "wood"]),
                             args.irn_radius, tuple(args.irn_resize_long), args.irn_crop_size, args.irn_augment,
                             tuple(args.irn_scale_range), args.resize_kernel, args.irn_label_sampling,
                             args.irn_pair_sources)
    loader = subset_loader(make_loader(dataset, args.irn_batch_size, True, args.seed, args.num_workers,
                                       drop_last=True), n_images, args.seed)
    net = new_boundary_net(args).to(device)

    def loss_of(model, batch):
        logits = model(batch["img"].to(device))
        return affinity_loss(logits.float(), batch["bg_pos"].to(device), batch["fg_pos"].to(device),
                             batch["neg"].to(device), args.irn_radius, args.irn_path)

    crop = args.irn_crop_size
    return train_row("train_irn", net, loader, loss_of, lambda: torch.randn(args.irn_batch_size, 3, crop, crop,
                                                                             device=device),
                     args.irn_batch_size, device, args.amp)


def bench_make_sem_seg(args, n_images, device, out_dir):
    from misc.chain.subsets import mask_ids
    from misc.images import voc_palette
    from net.irn_net import load_boundary_net
    from step.s09_make_sem_seg import pseudo_mask
    from voc12.datasets import MultiScaleDataset

    ids = mask_ids(args)[:n_images]
    models = ["baseline", "wood"]
    net = set_amp(load_boundary_net(layout.irn_checkpoint(args, "wood"), device), args.amp)
    images = MultiScaleDataset(ids, layout.image_dir(args.voc12_root), {i: np.zeros(1, np.float32) for i in ids},
                               scales=(1.0,))
    cams = layout.cam_dir(args, "wood", models)

    @torch.no_grad()
    def step():  # s09's per-image loop
        for index in range(len(images)):
            pack = images[index]
            cam = io_utils.load_cam_dict(os.path.join(cams, pack["name"] + ".npy"))
            boundary = net.boundary(pack["img"][0].to(device), args.irn_infer_pad)
            mask = pseudo_mask(boundary, torch.from_numpy(cam["cam"]).to(device), cam["keys"], pack["size"], args)
            io_utils.save_label_png(os.path.join(out_dir, pack["name"] + ".png"), mask, voc_palette())
    pairs = [images[i]["img"][0].to(device) for i in range(len(images))]

    @torch.no_grad()
    def bare():
        for pair in pairs:
            net.boundary(pair, args.irn_infer_pad)
    return step, bare, len(ids)


def bench_train_seg(args, n_images, device):
    from misc.chain.subsets import seg_ids
    from net.deeplab import upsampled_logits
    from step.s11_train_seg import masks_of, new_seg_net, segmentation_loss
    from voc12.seg_dataset import SegTrainDataset

    classes = len(io_utils.read_lines(args.class_names_file)) + 1
    mask_of, _ = masks_of(args, "wood", ["baseline", "wood"])
    dataset = SegTrainDataset(seg_ids(args), layout.image_dir(args.voc12_root), mask_of, args.seg_crop_size,
                              args.seg_train_scales)
    loader = subset_loader(make_loader(dataset, args.seg_batch_size, True, args.seed, args.num_workers,
                                       drop_last=True), n_images, args.seed)
    net = new_seg_net(args, classes).to(device)

    def loss_of(model, batch):
        return segmentation_loss(upsampled_logits(model, batch["img"].to(device)), batch["mask"].to(device)), {}

    crop = args.seg_crop_size
    return train_row("train_seg", net, loader, loss_of, lambda: torch.randn(args.seg_batch_size, 3, crop, crop,
                                                                             device=device),
                     args.seg_batch_size, device, args.amp)


ROWS = {  # step: (what the bare network does, bench function, needs an output folder)
    "train_cam": ("forward + backward", bench_train_cam, False),
    "train_wood": ("forward + backward", bench_train_wood, False),
    "make_cam": ("forward", bench_make_cam, True),
    "train_irn": ("forward + backward", bench_train_irn, False),
    "make_sem_seg": ("forward", bench_make_sem_seg, True),
    "train_seg": ("forward + backward", bench_train_seg, False),
}


def peak_memory(device):
    if device.type == "cuda":
        return f"{torch.cuda.max_memory_allocated() / 2**20:.0f} MB GPU"
    return f"{memory.peak()['peak_rss_mb']:.0f} MB RSS"


def main():
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run_name", default="synthetic", help="the run whose data and checkpoints are read")
    parser.add_argument("--images", type=int, default=96, help="images a step handles in its measurement")
    parser.add_argument("--steps", default=",".join(ROWS), help="comma list of " + ", ".join(ROWS))
    parser.add_argument("--repeats", type=int, default=3,
                        help="step and bare timed in turn this many times; the medians are printed")
    opts = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    args = parse_args(["--run_name", opts.run_name, *extra])
    torch_threads = threads.apply_rule()
    device = resolve_device(args.device)
    print(f"run {opts.run_name}, device {device}, {torch.get_num_threads()} torch threads "
          f"(rule: {torch_threads}), amp {args.amp}, {opts.images} images a step")
    lines = ["| step | bare network | images | step (img/s) | bare (img/s) | step / bare | peak memory |",
             "|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        for name in opts.steps.split(","):
            what, bench, needs_dir = ROWS[name]
            memory.reset_peak()
            if device.type == "cuda":
                torch.cuda.reset_peak_memory_stats()
            out = [os.path.join(tmp, name)] if needs_dir else []
            if out:
                os.makedirs(out[0])
            step, bare, n = bench(args, opts.images, device, *out)
            times = [(timed(step, device), timed(bare, device)) for _ in range(opts.repeats)]  # in turn: same load
            step_s, bare_s = np.median([t[0] for t in times]), np.median([t[1] for t in times])
            ratio = np.median([b / s for s, b in times])
            lines.append(f"| {name} | {what} | {n} | {n / step_s:.1f} | {n / bare_s:.1f} | {ratio:.2f} | "
                         f"{peak_memory(device)} |")
            print(lines[-1], flush=True)
    print("\n" + "\n".join(lines))


if __name__ == "__main__":
    main()

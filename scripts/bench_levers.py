"""The speed levers of the default chain's three networks, measured on their bare training step.

    python scripts/bench_levers.py                      # the synthetic preset's networks and batches
    python scripts/bench_levers.py --levers fp32,bf16 -- --preset smoke

For the CAM classifier (F_in and W-OoD), IRN's boundary network and Table 3's DeepLab-v2, at the
preset's crop and batch: forward + backward + SGD step on a fixed random batch (random weights:
speed does not depend on them), under each lever in turn, --repeats rounds, the levers taking
turns in every round so they share the machine's load. Levers: fp32 (the reference), bf16
(`--amp true`: autocast inside the network), channels_last (the network and its input in NHWC),
channels_last_bf16, compile (torch.compile of the network; its first steps, the compilation,
timed apart). Prints images per second (median of the rounds), the ratio to fp32 and the
compile time. Arguments after `--` go to run_sample.py's parser.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from misc.chain import threads  # noqa: E402
from misc.chain.amp import set_amp  # noqa: E402
from misc.report.tables import format_table  # noqa: E402
from run_sample import parse_args  # noqa: E402
from scripts.bench_steps import bare_step  # noqa: E402  (the same training step as bench_steps' bare network)

LEVERS = ("fp32", "bf16", "channels_last", "channels_last_bf16", "compile")


def networks(args):
    """name -> (a fresh network, its batch, its crop)."""
    from net import build_backbone
    from net.cam_net import CAMNet
    from net.deeplab import build_seg_net
    from net.irn_net import BoundaryNet

    classes = args.syn_num_classes
    seg = {"net": args.seg_net, "backbone": args.seg_backbone, "num_classes": classes + 1,
           "aspp_rates": list(args.seg_aspp_rates), "small_widths": list(args.small_widths)}
    return {
        "CAM classifier (steps 1, 4)": (lambda: CAMNet(build_backbone(args.backbone, args.small_widths), classes),
                                        args.cam_batch_size, args.cam_crop_size),
        "boundary net (step 8)": (lambda: BoundaryNet(build_backbone(args.backbone, args.small_widths),
                                                      branch=args.irn_edge_branch), args.irn_batch_size, args.irn_crop_size),
        "DeepLab-v2 (step 11)": (lambda: build_seg_net(seg), args.seg_batch_size, args.seg_crop_size),
    }


def step_fn(net, lever, batch):
    """One training step of `net` on `batch` under `lever`."""
    optimizer = torch.optim.SGD([p for p in net.parameters() if p.requires_grad], lr=1e-4)
    if lever.startswith("channels_last"):
        net = net.to(memory_format=torch.channels_last)
        batch = batch.contiguous(memory_format=torch.channels_last)
    set_amp(net, lever.endswith("bf16"))  # the networks autocast inside their forward (--amp true)
    model = torch.compile(net) if lever == "compile" else net

    return lambda: bare_step(model, optimizer, batch)


def main():
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--levers", default=",".join(LEVERS), help="comma list of " + ", ".join(LEVERS))
    p.add_argument("--steps", type=int, default=10, help="training steps a round times")
    p.add_argument("--repeats", type=int, default=3, help="rounds; each lever once a round, in turn")
    opts = p.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    args = parse_args(extra)
    threads.apply_rule()
    levers = [lever.strip() for lever in opts.levers.split(",")]
    unknown = [lever for lever in levers if lever not in LEVERS]
    if unknown:
        p.error(f"unknown levers {unknown}; choose from {', '.join(LEVERS)}")
    device = torch.device("cpu")
    print(f"{torch.get_num_threads()} torch threads, {opts.steps} steps a round, {opts.repeats} rounds; "
          f"CPU bf16: {torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported()}")
    rows = []
    for name, (make, batch_size, crop) in networks(args).items():
        torch.manual_seed(0)
        batch = torch.randn(batch_size, 3, crop, crop, device=device)
        runs, compile_s = {}, ""
        for lever in levers:
            runs[lever] = step_fn(make().to(device), lever, batch)
            start = time.perf_counter()
            runs[lever]()  # warm-up; for compile, the compilation
            runs[lever]()
            if lever == "compile":
                compile_s = f"{time.perf_counter() - start:.1f}"
        seconds = {lever: [] for lever in levers}
        for _ in range(opts.repeats):
            for lever in levers:
                start = time.perf_counter()
                for _ in range(opts.steps):
                    runs[lever]()
                seconds[lever].append(time.perf_counter() - start)
        rate = {lever: opts.steps * batch_size / float(np.median(s)) for lever, s in seconds.items()}
        base = rate.get("fp32")
        for lever in levers:
            rows.append([name, f"{batch_size} x {crop}", lever, f"{rate[lever]:.1f}",
                         f"{rate[lever] / base:.2f}" if base else "", compile_s if lever == "compile" else ""])
            print(" | ".join(rows[-1]), flush=True)
    print("\n" + format_table(["network", "batch", "lever", "img/s", "x fp32", "compile (s)"], rows))


if __name__ == "__main__":
    main()

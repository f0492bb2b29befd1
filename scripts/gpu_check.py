"""The prepared device check: the paper setting and the smoke chain on one device, every step's
time and peak memory in a table, PASS or FAIL at the end. No network.

    bash scripts/gpu_check.sh                                   # CUDA: voc fp32, voc bf16, smoke (~8 min target)
    bash scripts/gpu_check.sh --device cpu --small --parts voc_fp32   # the suite's CPU run of the same code

Parts: `voc_fp32` / `voc_bf16`: every step of `--preset voc` on the VOC-format mock
(scripts/dry_run_voc.py: VOC-sized images, the preset's crops 512 / 321 and batches 16 / 32 / 10,
random ImageNet weights, one epoch per training step, the review answered by a decisions file),
in fp32, with `--amp true` (bf16 autocast) and with `--amp fp16` (GradScaler; Table 3 as 5 x 2
accumulated, DSRG's balanced loss); `smoke`: the smoke preset. `--small` shrinks the
mock and the crops to the suite's sizes (CPU). Works in --work (Data/, sess/, result/ there) and
writes the table to <work>/gpu_check.md. A part passes when every step of its chain ran, every
seed evaluation is a percentage, and (on CUDA) the training steps report a CUDA peak.
"""
import argparse
import json
import os
import sys
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "scripts"))

from misc import io_utils  # noqa: E402
from misc.chain import layout  # noqa: E402
from run_sample import parse_args  # noqa: E402

PARTS = ("voc_fp32", "voc_bf16", "voc_fp16", "smoke")
TRAINING = ("step.s01_train_cam", "step.s04_train_wood", "step.s08_train_irn", "step.s11_train_seg")
VOC_STEPS = ("step.s00_prepare_data", "step.s01_train_cam", "step.s03_cluster", "step.s04_train_wood",
             "step.s05_make_cam", "step.s06_eval_cam", "step.s07_cam_to_ir_label", "step.s08_train_irn",
             "step.s09_make_sem_seg", "step.s10_eval_sem_seg", "step.s11_train_seg", "step.s12_eval_seg")


def run_part(part, device, small):
    """Run one part; returns its args (for its files)."""
    # Imported here, not at the top: they import torch (4 s), which a refused --parts need not wait for.
    from dry_run_voc import SMALL_FLAGS, SMALL_MOCK, dry_run

    from run_sample import main as run_sample_main

    flags = ["--device", device] + {"voc_bf16": ["--amp", "true"],
                                    # fp16 with its GradScaler, Table 3 as 5 x 2 with the author's balanced loss
                                    "voc_fp16": ["--amp", "fp16", "--seg_accumulate", "2", "--seg_loss", "balanced"]
                                    }.get(part, [])
    if part == "smoke":
        argv = ["--preset", "smoke", "--run_name", "gpu_check_smoke"] + flags
        run_sample_main(argv)
        return parse_args(argv)
    mock = SMALL_MOCK if small else {}
    args, _ = dry_run("Data/voc_mock", f"gpu_check_{part}", epochs=1, extra=flags + (SMALL_FLAGS if small else []),
                      **mock)
    return args


def check_part(args, part, device):
    """The reasons a finished part fails ([] when it passes)."""
    timings = json.load(open(layout.result_file(args, "timings.json")))
    memory = json.load(open(layout.result_file(args, "memory.json")))
    problems = [f"{s} did not run" for s in VOC_STEPS if s not in timings and part != "smoke"]
    for row in ("baseline", "wood"):
        miou = json.load(open(layout.seed_eval(args, row)))["fixed"]["miou"]
        if not 0.0 <= miou <= 1.0:
            problems.append(f"{row} seed mIoU {miou} is not a fraction")
    if device.startswith("cuda"):
        problems += [f"{s} reports no CUDA peak" for s in TRAINING if s in memory and not memory[s].get("cuda_peak_mb")]
    return problems


def table(results, device):
    memory_key = "cuda_peak_mb" if device.startswith("cuda") else "peak_rss_mb"
    steps = list(dict.fromkeys(s for r in results.values() for s in r.get("timings", {})))
    parts = list(results)
    lines = ["| step | " + " | ".join(f"{p} s | {p} {'CUDA peak' if memory_key == 'cuda_peak_mb' else 'peak RSS'} MB"
                                     for p in parts) + " |", "|---|" + "---|---|" * len(parts)]
    for step in steps:
        cells = []
        for p in parts:
            t, m = results[p].get("timings", {}).get(step, ""), results[p].get("memory", {}).get(step, {})
            cells += [str(t), str(m.get(memory_key, ""))]
        lines.append(f"| {step} | " + " | ".join(cells) + " |")
    verdicts = [f"- {p}: {'PASS' if not r['problems'] else 'FAIL: ' + '; '.join(r['problems'])} "
                f"({r['minutes']:.1f} min)" for p, r in results.items()]
    return "\n".join(lines) + "\n\n" + "\n".join(verdicts) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="cuda")
    p.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated, of {', '.join(PARTS)}")
    p.add_argument("--small", action="store_true", help="the suite's sizes (CPU)")
    p.add_argument("--work", default=os.path.join("result", "gpu_check"), help="working folder")
    opts = p.parse_args(argv)
    parts = [s for s in opts.parts.split(",") if s]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        p.error(f"--parts: unknown {unknown} (use {', '.join(PARTS)})")
    os.makedirs(opts.work, exist_ok=True)
    os.chdir(opts.work)
    results = {}
    for part in parts:
        start = time.time()
        try:
            args = run_part(part, opts.device, opts.small)
            problems = check_part(args, part, opts.device)
            results[part] = {"timings": json.load(open(layout.result_file(args, "timings.json"))),
                             "memory": json.load(open(layout.result_file(args, "memory.json"))), "problems": problems}
        except (Exception, SystemExit) as err:  # a part that dies is a FAIL with its reason; the others still run
            traceback.print_exc()
            results[part] = {"problems": [f"{err.__class__.__name__}: {str(err).splitlines()[0] if str(err) else ''}"]}
        results[part]["minutes"] = (time.time() - start) / 60
    text = (f"Device check on `{opts.device}`{' (small sizes)' if opts.small else ''}: "
            f"`bash scripts/gpu_check.sh {' '.join(argv if argv is not None else sys.argv[1:])}`\n\n"
            + table(results, opts.device))
    io_utils.save_text("gpu_check.md", text)
    passed = all(not r["problems"] for r in results.values())
    print(text + ("PASS" if passed else "FAIL"))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())

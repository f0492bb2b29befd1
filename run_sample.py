"""The one entry point: runs the ordered W-OoD step chain (its steps, presets and flags: misc/chain/flags.py).

    python run_sample.py --preset smoke                 # every step, tiny, about a minute
    python run_sample.py                                # the embedded synthetic default (CPU)
    python run_sample.py --preset voc --voc12_root Data/VOC2012 --sbd_root Data/SBD ...

An explicit flag beats the preset. Each step is a module in step/ with `run(args)`, reading only
files earlier steps wrote, so `--<step>_pass false` on the others reruns one step alone.
"""
import argparse
import importlib
import json
import logging
import os
import sys
import time

from misc.chain.cli import check_presets, str2bool  # noqa: F401 (str2bool re-exported)

# Threads: OpenMP threads that spin while they wait make two torch jobs on a small machine slow
# each other ~4-30x (scripts/bench_side_by_side.py: 27.5x with torch's default, 1.5x with passive
# waiting; alone, the default preset's F_in runs as fast either way). So waiting threads sleep
# unless the user set OMP_WAIT_POLICY (or WOOD_THREADS=as-given); this must be set before torch
# is imported (steps are imported below, in main).
if os.environ.get("WOOD_THREADS") != "as-given":
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from misc.chain.flags import (CHAIN, OVERWRITE_TRUE, PRESETS, SEG_RECIPES, STEP_NAMES, STEPS,  # noqa: F401
                              get_args_parser, selected_steps)

# Steps whose work every rank shares under torchrun: training (DDP), per-image inference (each
# rank its share of the images), evaluation (confusion matrices summed). The rest is rank 0's.
SHARED_STEPS = {"pretrain_backbone", "train_cam", "train_wood", "make_cam", "eval_cam", "cam_to_ir_label",
                "train_irn", "make_sem_seg", "eval_sem_seg", "train_seg", "eval_seg"}


def parse_args(argv=None):
    """Parse twice: once for the preset (and --seg_recipe), then with their values as defaults so flags win."""
    parser = get_args_parser(__doc__)
    check_presets(parser, PRESETS)
    check_presets(parser, SEG_RECIPES)
    first, _ = parser.parse_known_args(argv)
    parser.set_defaults(**{**PRESETS[first.preset], **SEG_RECIPES.get(first.seg_recipe, {})})
    args = resolve_defaults(parser.parse_args(argv))
    from misc.chain.flag_relations import flag_problems

    problems = flag_problems(args)
    if problems:
        parser.error("; ".join(problems))
    return args


def resolve_defaults(args):
    """Paths from the layout (misc/chain/layout.py); defaults that follow other flags."""
    from misc.chain import layout

    layout.resolve(args)
    args.label_source = args.label_source or ("mask" if args.dataset == "synthetic" else "xml")
    args.wood_num_epoches = args.wood_num_epoches or args.cam_num_epoches
    args.wood_learning_rate = args.wood_learning_rate or args.cam_learning_rate
    args.ood_batch_size = args.ood_batch_size or args.cam_batch_size
    return args


def step_args(args, name):
    """The flags a step sees: --overwrite as a plain boolean for that step."""
    view = argparse.Namespace(**vars(args))
    view.overwrite = name in args.overwrite
    return view


def save_config(args):
    from misc.chain.layout import result_file
    from misc.io_utils import save_json

    save_json(result_file(args, "config.json"),
              {k: list(v) if isinstance(v, tuple) else v for k, v in vars(args).items()})


def setup_logging(args):
    """INFO to stdout and result/<run>/log.txt; under torchrun only rank 0 (the others: warnings)."""
    from misc.chain import distributed
    from misc.chain.layout import result_file

    if not distributed.is_main():
        logging.basicConfig(level=logging.WARNING, format=f"%(asctime)s [rank {distributed.rank()}] %(message)s",
                            datefmt="%H:%M:%S", handlers=[logging.StreamHandler(sys.stdout)], force=True)
        return
    os.makedirs(args.result_dir, exist_ok=True)
    handlers = [logging.StreamHandler(sys.stdout), logging.FileHandler(result_file(args, "log.txt"))]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S",
                        handlers=handlers, force=True)


def record_step(args, name, module_name, value):
    """Merge one step's wall time (timings.json) or peak memory (memory.json) into result/<run>/
    (cumulative over invocations, so the report, the last step, lists every step that did work)."""
    from misc.chain.layout import result_file
    from misc.io_utils import save_json

    path = result_file(args, name)
    values = json.load(open(path)) if os.path.isfile(path) else {}
    values[module_name] = value
    save_json(path, values)


def run_step(args, name, module_name):
    """One step on this process: every rank for the steps that share their work under torchrun
    (misc/chain/distributed.py), rank 0 alone for the others; then every rank waits for all."""
    from misc.chain import distributed

    status = None
    if name in SHARED_STEPS or distributed.is_main():
        status = importlib.import_module(module_name).run(step_args(args, name))
    distributed.barrier()
    return distributed.on_main(lambda: status)


def main(argv=None):
    args = parse_args(argv)
    from misc.chain import distributed, threads
    from misc.torchutils import resolve_device

    threads.apply_rule()
    device = resolve_device(args.device)
    distributed.init(device)
    try:
        run_chain(args, device)
    except BaseException:
        distributed.close(finished=False)
        raise
    distributed.close()


def run_chain(args, device):
    """The selected steps in order on this process, then the run's seed table."""
    from misc.chain import distributed

    setup_logging(args)
    log = logging.getLogger("run_sample")
    from misc import io_utils
    from misc.chain.amp import slow_bf16_warning

    if slow_bf16_warning(args.amp, device):
        log.warning(slow_bf16_warning(args.amp, device))
    from misc.chain import layout

    if distributed.is_main():
        save_config(args)
        for root in (args.sess_dir, args.result_dir, layout.mining_dir(args)):  # the run's own folders only
            removed = io_utils.remove_leftovers(root, recursive=True)
            if removed:
                log.info("removed %d temp files a killed run left in %s", removed, root)
    distributed.barrier()
    from misc.chain import memory
    from misc.chain.rerun import SKIPPED, UNTIMED

    timings = {}
    for name, module_name in selected_steps(args):
        log.info("=== %s ===", module_name)
        memory.reset_peak(device)
        start = time.time()
        status = run_step(args, name, module_name)
        seconds = round(time.time() - start, 1)
        if status == SKIPPED:  # keep the time of the run that did the work
            log.info("--- %s: nothing to do (%.1f s)", module_name, seconds)
            continue
        if status == UNTIMED:
            log.info("--- %s done", module_name)
            continue
        timings[module_name], peak = seconds, memory.peak(device)
        if distributed.is_main():
            record_step(args, "timings.json", module_name, seconds)
            record_step(args, "memory.json", module_name, peak)
        cuda = f", CUDA peak {peak['cuda_peak_mb']:.0f} MB" if "cuda_peak_mb" in peak else ""
        log.info("--- %s done in %.1f s (peak RSS %.0f MB%s)", module_name, seconds, peak["peak_rss_mb"], cuda)
    log.info("wall time per step that did work (s): %s", json.dumps(timings))
    table = layout.result_file(args, "seed_table.txt")
    if os.path.isfile(table) and distributed.is_main():
        from misc.chain.staleness import stale_notes

        note = stale_notes(args, ("seed_table.txt",)).get("seed_table.txt")
        log.info("seed quality of this run (%s; report: %s):\n%s%s", table, layout.result_file(args, "report.md"),
                 open(table).read().rstrip(), f"\n{note}" if note else "")


def command_line(argv=None):
    """main() as a command-line tool: a mistake the user can fix (misc/chain/errors.py) ends in one
    line naming the file or flag and the fix, exit status 2; anything else keeps its traceback."""
    from misc.chain.errors import UserError

    try:
        main(argv)
    except UserError as err:
        print(f"run_sample.py: error: {err.message()}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(command_line())

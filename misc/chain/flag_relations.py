"""Relations between flags, checked at parse time (each flag's own range is its argparse type in
misc/chain/flags.py; what is left are rules that tie two flags together, or a flag to the run)."""
import os

# The training steps' global batches: under torchrun each rank takes batch / ranks of every batch.
GLOBAL_BATCHES = ("pretrain_batch_size", "cam_batch_size", "ood_batch_size", "irn_batch_size", "seg_batch_size")


def flag_problems(args):
    """A list of messages, one per broken relation (empty when all hold)."""
    problems = []
    if args.conf_fg_thres <= args.conf_bg_thres:
        problems.append(f"--conf_fg_thres {args.conf_fg_thres} must be above --conf_bg_thres {args.conf_bg_thres} "
                        f"(confident foreground needs a higher CAM score than confident background)")
    ranks = int(os.environ.get("WORLD_SIZE", "1"))  # torchrun's; read here, before any process group
    # Table 3's batch: split into --seg_accumulate micro-batches, each shared over the ranks, unevenly
    # when it must (10 on 4 ranks: 3, 3, 2, 2, each rank's loss weighted by its share).
    if args.seg_batch_size % args.seg_accumulate:
        problems.append(f"--seg_batch_size {args.seg_batch_size} must divide into --seg_accumulate "
                        f"{args.seg_accumulate} micro-batches: give a multiple of {args.seg_accumulate} or another "
                        f"--seg_accumulate")
    elif args.seg_batch_size // args.seg_accumulate < ranks:
        problems.append(f"--seg_batch_size {args.seg_batch_size} in {args.seg_accumulate} micro-batches leaves "
                        f"fewer images than the {ranks} ranks: every rank needs one; "
                        + ("lower --seg_accumulate" if args.seg_accumulate > 1 else
                           "raise --seg_batch_size or start fewer processes"))
    for flag in GLOBAL_BATCHES:
        batch = getattr(args, flag)
        if ranks > 1 and batch % ranks and flag != "seg_batch_size":
            problems.append(f"--{flag} {batch} is a global batch and must divide by the {ranks} ranks of this "
                            f"torchrun; give a multiple of {ranks} (e.g. {max(ranks, batch - batch % ranks)}) or "
                            f"another --nproc_per_node")
    return problems

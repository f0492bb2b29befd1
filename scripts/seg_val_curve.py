"""Table 3's validation curve: the segmentation network's val mIoU after every epoch of its schedule.

    python scripts/seg_val_curve.py                         # the default run's W-OoD row
    python scripts/seg_val_curve.py --rows baseline,wood -- --seg_num_epoches 12

Reads an existing run (its pseudo-masks: run steps 0-10 first) and trains each row's network
with step 11's own recipe (`train_row`: same data, seed, schedule and loss) into a temporary
folder, evaluating single-scale on the val images (step 12's `evaluate_row`, no CRF) after each
epoch. The run's own checkpoints and results are not touched. Prints one line per epoch and a
table: where the curve is flat is where the schedule can stop. Arguments after `--` go to the
run's flags (run_sample.py's parser).
"""
import argparse
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from misc import io_utils  # noqa: E402
from misc.chain import threads  # noqa: E402
from misc.chain.rows import selected_rows  # noqa: E402
from misc.chain.subsets import seg_ids  # noqa: E402
from misc.report.tables import format_table  # noqa: E402
from misc.torchutils import resolve_device  # noqa: E402
from run_sample import parse_args  # noqa: E402
from step.s11_train_seg import made_from, train_row  # noqa: E402
from step.s12_eval_seg import evaluate_row  # noqa: E402


def main():
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--run_name", default="synthetic", help="the run whose pseudo-masks are read")
    p.add_argument("--rows", default="wood", help="comma list of rows (full_supervision: the ground truth)")
    opts = p.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    args = parse_args(["--run_name", opts.run_name, "--seg_infer_scales", "1.0", "--seg_crf", "false", *extra])
    threads.apply_rule()
    device = resolve_device(args.device)
    num_classes = 1 + len(io_utils.read_lines(args.class_names_file, "class names"))
    ids, val = seg_ids(args), io_utils.read_ids(args.val_list, "val list")
    rows, lines = selected_rows(args), []
    with tempfile.TemporaryDirectory() as tmp:
        for row in opts.rows.split(","):
            def evaluate(net, epoch):
                net.eval()
                scores = evaluate_row(net, args, val, tmp, device, num_classes)["single"]
                lines.append([row, epoch + 1, f"{100 * scores['miou']:.1f}"])
                print(f"{row} epoch {epoch + 1}: val mIoU {100 * scores['miou']:.1f} (single scale)", flush=True)
                net.train()
                return {"val_miou_single": scores["miou"]}
            train_row(args, row, rows, ids, made_from(args, row, rows, ids), device, num_classes, on_epoch_end=evaluate,
                      path=os.path.join(tmp, f"seg_{row}.pth"), log_path=os.path.join(tmp, f"{row}.jsonl"))
    print("\n" + format_table(["row", "epoch", "val mIoU (single, %)"], lines))


if __name__ == "__main__":
    main()

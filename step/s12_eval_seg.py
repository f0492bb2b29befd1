"""Step 12: the segmentation networks on the validation images; Table 3 (paper Sec. 4.1).

Per row (step 11's networks) and --val_list image, three predictions, each scored with the
streaming metrics of steps 6 and 10 (mIoU, precision, recall, per class):
- `single`: softmax of the logits at the image's own size;
- `msf`: softmax averaged over --seg_infer_scales, each with its flip (this project's choice,
  common in WSSS papers; deeplab-pytorch's test takes the max of the logits at 1.0, 0.5, 0.75
  without flips);
- `crf`: the dense CRF on the msf probabilities (misc/seeds/crf.py crf_refine_probs, deeplab-pytorch's
  VOC values), with --seg_crf.
Writes result/<run>/<row>/seg_pred/<id>.png (the best protocol run: crf, else msf),
result/<run>/<row>/seg_eval.json, result/<run>/table3.txt; with a --seg_test_list, the test
predictions in the evaluation server's layout, result/<run>/<row>/results/VOC2012/Segmentation/
comp6_test_cls/<id>.png (palette PNGs, for upload). The ground truth is read only here.
"""
import json
import logging
import os
from collections import deque

import numpy as np

from misc import io_utils
from misc.chain import distributed, layout, rerun
from misc.chain.amp import amp_record, set_amp
from misc.chain.ground_truth import skip_without_masks
from misc.chain.progress import progress
from misc.chain.rows import seg_rows
from misc.images import load_rgb, voc_palette
from misc.metrics import StreamingConfusion
from misc.report.tables import format_table, pct, summary
from misc.seeds.crf_jobs import crf_labels
from misc.seeds.crf_pool import crf_map_ordered
from misc.torchutils import resolve_device
from net.deeplab import load_seg_net
from net.seg_inference import PROTOCOLS, predict, predictions
from voc12.datasets import load_gt_mask

log = logging.getLogger(__name__)
EVAL_FLAGS = ("seg_infer_scales", "seg_crf")


def evaluate_row(net, args, ids, out_dir, device, num_classes):
    """Scores per protocol. The network runs here; with --seg_crf, each image's CRF runs in the CRF
    pool (--crf_workers, misc/seeds/crf_pool.py) while the network goes on to the next images."""
    confusions = {p: StreamingConfusion(num_classes) for p in PROTOCOLS if p != "crf" or args.seg_crf}
    best = "crf" if args.seg_crf else "msf"
    palette = voc_palette()

    def finish(image_id, gt, labels):
        for protocol, confusion in confusions.items():
            confusion.update(labels[protocol], gt)
        io_utils.save_label_png(os.path.join(out_dir, image_id + ".png"), labels[best], palette)

    def network_outputs():
        for image_id in distributed.shard(ids):
            rgb, gt = load_rgb(layout.image_dir(args.voc12_root), image_id), load_gt_mask(args.voc12_root, image_id)
            probs = predict(net, rgb, args.seg_infer_scales, device)
            labels = {k: v.argmax(0).astype(np.uint8) for k, v in probs.items()}
            yield image_id, gt, labels, (rgb, probs["msf"])

    desc = f"segment val {os.path.basename(os.path.dirname(out_dir))}"
    if not args.seg_crf:
        for image_id, gt, labels, _ in progress(network_outputs(), total=len(distributed.shard(ids)), desc=desc,
                                                leave=False):
            finish(image_id, gt, labels)
    else:
        outputs = deque()  # (id, gt, labels) in the order crf_map_ordered returns their CRF labels

        def jobs():
            for image_id, gt, labels, job in network_outputs():
                outputs.append((image_id, gt, labels))
                yield job
        for crf in crf_map_ordered(crf_labels, jobs(), args.crf_workers, len(distributed.shard(ids)), desc):
            image_id, gt, labels = outputs.popleft()
            finish(image_id, gt, {**labels, "crf": crf})
    return {p: c.scores() for p, c in confusions.items()}


def export_test(net, args, row, device):
    """Test predictions in the VOC server's layout (comp6: trained on VOC data, no other masks)."""
    ids = io_utils.read_ids(args.seg_test_list, "segmentation test list")
    out = os.path.join(layout.row_dir(args, row), "results", "VOC2012", "Segmentation", "comp6_test_cls")
    image_dir = layout.image_dir(args.seg_test_root or args.voc12_root)
    for image_id in progress(distributed.shard(ids), desc=f"segment test {row}", leave=False):
        labels = predictions(net, load_rgb(image_dir, image_id), args, device)
        io_utils.save_label_png(os.path.join(out, image_id + ".png"), labels["crf" if args.seg_crf else "msf"],
                                voc_palette())
    log.info("%s: %d test predictions in %s (zip results/ and upload)", row, len(ids), out)


def table3(args, rows):
    header, lines = ["row"], []
    protocols = [p for p in PROTOCOLS if p != "crf" or args.seg_crf]
    for p in protocols:
        header += [f"{p} mIoU", f"{p} prec.", f"{p} recall"]
    for row in rows:
        scores = json.load(open(layout.seg_eval(args, row)))
        line = [row]
        for p in protocols:
            s = summary(scores[p])
            line += [pct(scores[p]["miou"]), pct(s["precision"]), pct(s["recall"])]
        lines.append(line)
    return format_table(header, lines)


def run(args):
    device = resolve_device(args.device)
    ids = io_utils.read_ids(args.val_list, "val list")
    if skip_without_masks(args, ids, "segmentation evaluation (step 12)"):
        return rerun.SKIPPED
    names = ["background"] + io_utils.read_lines(args.class_names_file, "class names")
    rows, evaluated = seg_rows(args), 0
    for row in rows:
        checkpoint = layout.seg_checkpoint(args, row)
        path = layout.seg_eval(args, row)
        record = {**rerun.fingerprints({"net": checkpoint, "data": args.list_dir}), "ids_sha1": rerun.ids_fingerprint(ids),
                  **{k: getattr(args, k) for k in EVAL_FLAGS}, **amp_record(args)}
        if rerun.skip_file(path, record, args.overwrite, f"{row} segmentation evaluation"):
            continue
        net = set_amp(load_seg_net(checkpoint, device), args.amp)
        scores = evaluate_row(net, args, ids, layout.seg_pred_dir(args, row), device, len(names))
        if distributed.is_main():
            io_utils.save_json(path, {"row": row, "num_images": len(ids), "class_names": names, **scores})
            rerun.record(path, record)
        if args.seg_test_list and os.path.isfile(args.seg_test_list):
            export_test(net, args, row, device)
        evaluated += 1
    distributed.barrier()
    if not distributed.is_main():
        return None
    table = table3(args, rows)
    io_utils.save_text(layout.table3_file(args), table + "\n")
    log.info("segmentation network on %d val images (Table 3, %%):\n%s", len(ids), table)
    return None if evaluated else rerun.SKIPPED

#!/usr/bin/env bash
# The whole W-OoD pipeline, end to end. Default: the embedded synthetic data set on CPU.
#   bash bash_run_sample.sh                 # synthetic default preset
#   bash bash_run_sample.sh --preset smoke  # every step on a tiny set, about a minute
#   bash bash_run_sample.sh --preset voc --voc12_root Data/VOC2012 --sbd_root Data/SBD \
#        --backbone_weights resnet50-0676ba61.pth --ood_root WOoD_dataset/openimages
# Extra arguments go to every run_sample.py call (an explicit flag beats the preset).
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python}

# One call runs the whole chain, steps 0-14 (README, "The chain"):
#   0-1    data, the pretraining stand-in (small backbone only) and the baseline F_in;
#   2-4    mine hard OoDs with F_in, cluster, train W-OoD (paper Sec. 3);
#   5-6    CAM seeds of both classifiers and their evaluation (Table 1);
#   7-10   IR labels, IRN, random-walk pseudo-masks and their evaluation (Table 2);
#   11-12  the segmentation network on the pseudo-masks and its evaluation (Table 3);
#   13-14  pictures and the run report (result/<run>/report.md).
"$PYTHON" run_sample.py "$@"

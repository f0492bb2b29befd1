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

# Steps 0-1: data, the pretraining stand-in (small backbone only) and the baseline F_in.
# Steps 2-4: mine hard OoDs with F_in, cluster, train W-OoD.
# Steps 5-6: CAM seeds of both classifiers and their evaluation (Table 1 columns).
"$PYTHON" run_sample.py "$@"

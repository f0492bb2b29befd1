#!/usr/bin/env bash
# The prepared device check (scripts/gpu_check.py): voc fp32, voc bf16 and smoke on one device, a
# table of every step's time and peak memory, PASS/FAIL; exit status 0 on PASS.
#   bash scripts/gpu_check.sh                                   # on a CUDA machine
#   bash scripts/gpu_check.sh --device cpu --small --parts voc_fp32
# A machine without pydensecrf2 for its Python: build a wheel where pip can reach PyPI with the same
# Python and platform (pip wheel pydensecrf2 -w wheels/), carry wheels/ over and
#   pip install --no-index --find-links wheels pydensecrf2
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}   # the environment's python; PYTHON=/path/to/venv/bin/python for another
"$PYTHON" -c "import pydensecrf.densecrf" 2>/dev/null || {
  echo "pydensecrf2 is missing (the CRF steps need it): see the comment at the top of $0"; exit 2; }
exec "$PYTHON" scripts/gpu_check.py "$@"

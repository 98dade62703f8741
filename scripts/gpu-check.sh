#!/usr/bin/env bash
# Assignment 3 on a CUDA machine, in one command (about 3-6 minutes):
#   1. executes the solution notebook on CUDA and prints its device timings (Q3, Q4, Q7, Q8);
#   2. runs tests/test_logistic_gpu.py (its CUDA tests must run, not skip);
#   3. runs tests/test_catalogue.py for Assignment 3 with every hidden-test input on CUDA: the
#      reference, every mistake, valid alternative and non-answer on 20 seeds, and the
#      notebook's visible checks with each of them in place;
#   4. prints the benchmark figures (GPU bandwidth, then Newton vs scikit-learn on the CPU).
# Where torch sees no CUDA device it says so and exits 0 without running anything (SKIPPED).
#
#   scripts/gpu-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
    echo "gpu-check: creating .venv (python -m venv .venv && pip install -e .[dev])"
    python3 -m venv .venv
    .venv/bin/pip install -e '.[dev]'
fi
PY=.venv/bin/python
export MPLBACKEND=Agg

if ! $PY -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'; then
    echo "gpu-check: SKIPPED: no CUDA device visible to torch ($($PY -c 'import torch; print(torch.__version__)')," \
         "CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES-unset}); run this on a GPU machine"
    exit 0
fi
$PY -c 'import torch; print("gpu-check: torch", torch.__version__, "on", torch.cuda.get_device_name(0))'

out=$(mktemp -d)
echo "== 1/4 solution notebook on CUDA"
start=$(date +%s)
timeout 300 .venv/bin/jupyter nbconvert --to notebook --execute \
    solutions/03-logistic-gpu/logistic.ipynb --output-dir "$out" --output logistic-cuda.ipynb \
    --ExecutePreprocessor.timeout=240 2>/dev/null
echo "executed in $(( $(date +%s) - start )) s"
$PY - "$out/logistic-cuda.ipynb" <<'PYEOF'
import sys, nbformat
nb = nbformat.read(sys.argv[1], as_version=4)
text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
               for o in c.get("outputs", []) if o.get("output_type") == "stream")
assert "device: cuda" in text, "the notebook did not run on CUDA"
for line in text.splitlines():
    if line.startswith(("device:", "N =", "500 steps", "E* =", "excess", "all 30", "two features",
                        "cross-entropy", "$\\ell_2$")) or \
            line.strip().startswith(("device ", "cpu ", "cuda ")):
        print("  " + line)
PYEOF

echo "== 2/4 tests/test_logistic_gpu.py"
$PY -m pytest -q -p no:cacheprovider -rs tests/test_logistic_gpu.py | tee "$out/pytest.log"
if grep -q "needs a CUDA device" "$out/pytest.log"; then
    echo "gpu-check: FAILED: the CUDA tests were skipped" >&2; exit 1
fi

echo "== 3/4 hidden tests and visible checks on CUDA: the Assignment 3 catalogue on 20 seeds"
$PY -m pytest -q -p no:cacheprovider tests/test_catalogue.py -k "logistic" -s \
    | grep -v "^\s*$"

echo "== 4/4 benchmarks"
$PY benchmarks/gpu_bandwidth.py
$PY benchmarks/logistic_vs_sklearn.py
echo "gpu-check: OK"

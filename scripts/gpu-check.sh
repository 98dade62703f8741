#!/usr/bin/env bash
# Assignment 3 on a CUDA machine, in one command (about 2-4 minutes):
#   1. executes the solution notebook on CUDA and prints its device timings (Q6);
#   2. runs tests/test_logistic_gpu.py (its CUDA tests must run, not skip);
#   3. grades the reference and the mistake catalogue in process, inputs on CUDA;
#   4. prints the benchmark figures (GPU bandwidth, then Newton vs scikit-learn on the CPU).
# Fails at once, with a clear message, where torch sees no CUDA device.
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
    echo "gpu-check: FAILED: no CUDA device visible to torch ($($PY -c 'import torch; print(torch.__version__)')," \
         "CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES-unset}); run this on a GPU machine" >&2
    exit 1
fi
$PY -c 'import torch; print("gpu-check: torch", torch.__version__, "on", torch.cuda.get_device_name(0))'

out=$(mktemp -d)
echo "== 1/4 solution notebook on CUDA"
start=$(date +%s)
timeout 240 .venv/bin/jupyter nbconvert --to notebook --execute \
    solutions/03-logistic-gpu/logistic.ipynb --output-dir "$out" --output logistic-cuda.ipynb \
    --ExecutePreprocessor.timeout=200 2>/dev/null
echo "executed in $(( $(date +%s) - start )) s"
$PY - "$out/logistic-cuda.ipynb" <<'PYEOF'
import sys, nbformat
nb = nbformat.read(sys.argv[1], as_version=4)
text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
               for o in c.get("outputs", []) if o.get("output_type") == "stream")
assert "device: cuda" in text, "the notebook did not run on CUDA"
for line in text.splitlines():
    if line.startswith(("device:", "E* =", "excess", "all 30", "two features")) or \
            line.strip().startswith(("device ", "cpu ", "cuda ")):
        print("  " + line)
PYEOF

echo "== 2/4 tests/test_logistic_gpu.py"
$PY -m pytest -q -p no:cacheprovider -rs tests/test_logistic_gpu.py | tee "$out/pytest.log"
if grep -q "needs a CUDA device" "$out/pytest.log"; then
    echo "gpu-check: FAILED: the CUDA tests were skipped" >&2; exit 1
fi

echo "== 3/4 hidden tests on CUDA: reference full marks, every mistake caught"
$PY - <<'PYEOF'
from pathlib import Path
import nbformat, torch
from autograder.grading.verdict import grade_namespace, graded_questions
from autograder.mistakes import all_mistakes
from autograder.grading.reference import reference_namespace
src = Path("solutions/03-logistic-gpu/logistic.ipynb")
qs = sorted(set(graded_questions(nbformat.read(src, 4)).values()))
assert torch.cuda.is_available()
bad = []
for seed in (0, 1):
    for q, r in grade_namespace(reference_namespace(src), qs, src, seed).items():
        print(f"  reference seed {seed} {q}: {r.passed}/{r.total}")
        if r.failures():
            bad.append((q, seed, r.failures()))
for m in all_mistakes():
    if m.question in qs:
        ns = reference_namespace(src)
        ns[m.function] = m.implementation
        r = grade_namespace(ns, [m.question], src, seed=1)[m.question]
        print(f"  mistake {m.question}:{m.name}: {r.passed}/{r.total}")
        if r.passed == r.total:
            bad.append((m.question, m.name, "not caught on CUDA"))
if bad:
    raise SystemExit(f"gpu-check: FAILED: {bad}")
PYEOF

echo "== 4/4 benchmarks"
$PY benchmarks/gpu_bandwidth.py
$PY benchmarks/logistic_vs_sklearn.py
echo "gpu-check: OK"

#!/usr/bin/env bash
# GPU check of issue 6: training throughput of SalGAN and DeepGaze II on one CUDA GPU.
#
# What it needs (nothing is downloaded; nothing is written outside the repository except $OUT):
#   * python with torch + CUDA (and torchvision) already installed on the machine;
#   * .device_data/osie/data/ made by benchmarks/prepare_device_data.sh (real OSIE images);
#   * the package itself is used from this checkout through PYTHONPATH (no install);
#   * pure-python dependencies missing on the machine are installed, offline, from wheels in
#     the ignored folder .whl/ into .device_data/site/ (ignored, inside the repo). Fill
#     .whl/ beforehand on a machine with PyPI for the GPU machine's python, e.g.
#       pip download --only-binary=:all: -d .whl pandas tqdm   (only what is missing there)
#
# Run (from the repository root):  OUT=/some/dir benchmarks/gpu_check.sh
# Writes $OUT/bench_gpu.txt (throughput table), $OUT/fit_gpu.txt (a 1-epoch bf16 fit of
# SalGAN's BCE stage on OSIE through the real engine) and $OUT/env.txt. Takes < 6 minutes.
set -uo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO"
OUT="${OUT:-$REPO/.device_data/out}"
mkdir -p "$OUT"
PY="${PYTHON:-python3}"
export PYTHONPATH="$REPO:$REPO/.device_data/site${PYTHONPATH:+:$PYTHONPATH}"
export SALIENCY_COURSE_OFFLINE=1

{
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
    "$PY" -c "import sys, torch; print(sys.version); print('torch', torch.__version__, 'cuda', torch.version.cuda, 'available', torch.cuda.is_available())"
} > "$OUT/env.txt" 2>&1
cat "$OUT/env.txt"

missing=()
for module in numpy scipy pandas tqdm PIL torchvision; do  # what the benchmark path imports
    "$PY" -c "import $module" 2>/dev/null || missing+=("$module")
done
if (( ${#missing[@]} )); then
    echo "missing on this machine: ${missing[*]}; installing from .whl/ (offline)"
    declare -A dist=([PIL]=pillow)
    names=()
    for m in "${missing[@]}"; do names+=("${dist[$m]:-$m}"); done
    "$PY" -m pip install --no-index --find-links "$REPO/.whl" --target "$REPO/.device_data/site" \
        "${names[@]}" >> "$OUT/env.txt" 2>&1 || { echo "could not install ${names[*]} from .whl/"; exit 3; }
fi

if [[ ! -d .device_data/osie/data/stimuli ]]; then
    echo "error: .device_data/osie/data/stimuli is missing: run benchmarks/prepare_device_data.sh" >&2
    exit 2
fi
status=0
timeout 240 "$PY" benchmarks/bench_training.py --device cuda --models salgan salgan_gan deepgaze2 \
    --batch-size 32 --steps 10 --warmup 3 --workers 8 --data-images 300 \
    --data-root .device_data --out "$OUT/bench_gpu.txt" || status=$?

timeout 90 "$PY" - > "$OUT/fit_gpu.txt" 2>&1 <<'PYTHON' || status=$?
from pathlib import Path
import sys
sys.path.insert(0, "benchmarks")
from bench_training import osie_images
from saliency_course.data.torch_data import SaliencyTorchDataset
from saliency_course.models import build_model
from saliency_course.training import fit

data = osie_images(".device_data", 300)
train = SaliencyTorchDataset(data, indices=list(range(256)), size=(192, 256))
val = SaliencyTorchDataset(data, indices=list(range(256, 300)), size=(192, 256))
history = fit(build_model("salgan", pretrained=False), "salgan_bce", train, val, epochs=1,
              device="cuda", run_name="gpu_check", root=Path(".device_data/runs").resolve(),
              batch_size=32, progress=False, val_metrics=("cc", "nss"))
print(history.to_string(index=False))
PYTHON
cat "$OUT/fit_gpu.txt"
rm -rf .device_data/runs
exit $status

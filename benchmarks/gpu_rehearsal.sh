#!/usr/bin/env bash
# The full-mode rehearsal on one CUDA GPU (issue 13, point 5): build the mirror THERE at full
# SALICON size (10,000 / 5,000 / 5,000 images tiled from real OSIE images), then run the GPU
# notebooks 06-10 against it twice:
#   official: every parameter at its default (WEIGHTS="official"; 09 has none),
#             REHEARSAL=True -> each notebook's time on the "official" path, peak GPU memory;
#   train:    WEIGHTS="train", one epoch of a fixed number of real training steps per training
#             notebook (STEPS, default 50; MAX_TRAIN_IMAGES = STEPS x the paper's batch size)
#             -> training images/s (from each run's history.csv), peak GPU memory.
# Nothing is downloaded on the GPU machine: it has no internet. What travels (<= 64 MiB):
# this checkout, .device_data/rehearsal/data (a subset of ../shared/data) and .whl/ (wheels of
# the pure-python and small binary packages missing there), both made here by --prepare.
#
#   here:    benchmarks/gpu_rehearsal.sh --prepare         # data subset + wheels (PyPI)
#   device:  benchmarks/gpu_rehearsal.sh --stage build     # ~3 min: mirror in build/mirror_gpu
#            benchmarks/gpu_rehearsal.sh --stage official  # 06-10, official path
#            benchmarks/gpu_rehearsal.sh --stage train     # 06-09, STEPS training steps each
#            (--stage all does the three; each stage fits one 10-minute device command)
#   here:    benchmarks/gpu_rehearsal.sh --dry-run         # the same path on the CPU, tiny caps
#
# Device call (carry the two prepared folders):
#   run(command="OUT=$OUT benchmarks/gpu_rehearsal.sh --stage build", carry=[".device_data", ".whl"])
# Writes into $OUT: env.txt, mirror.json, <stage>.json (build/rehearsal.json of that stage)
# and <stage>.txt (its table). Exit status: 0 when every notebook of the stage passed.
set -uo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO"
PY="${PYTHON:-python3}"
STEPS="${STEPS:-50}"
SALICON_IMAGES="${SALICON_IMAGES:-10000}"
N_OSIE="${N_OSIE:-150}"  # OSIE stimuli that travel (eye and mouse files of all 700 do)
N_MIT="${N_MIT:-60}"     # FixaTons MIT1003 images that travel (MIT1003 of the mirror)
DATA="$REPO/.device_data/rehearsal/data"
MIRROR="$REPO/build/mirror_gpu"
DEVICE=cuda
TIMEOUT=300  # per notebook; a stage of five stays inside one 10-minute device command
OFFICIAL_CAPS=()
ONLY_OFFICIAL=(06 07 08 08b 09 10)
ONLY_TRAIN=(06 07 08 08b 09)
SOURCES=(osie salicon mit1003 torchvision salnet vgg_m salgan centerbias deepgaze1 deepgaze2e mlnet opensalicon)
WHEELS=(  # missing on the GPU machine (KINDS.md): local versions; POT 0.9.5 (0.9.7: 33 MB)
    papermill==2.7.0 nbformat==5.11.1 nbclient==0.11.0 jupyter_client==8.10.0
    jupyter_core==5.9.1 ipykernel==7.4.0 ipython==9.18.1 ipython_pygments_lexers==1.1.1
    traitlets==5.16.1 pyzmq==27.3.0 tornado==6.6.1 debugpy==1.8.22 matplotlib-inline==0.2.2
    jedi==0.20.1 parso==0.8.7 prompt_toolkit==3.0.53 wcwidth==0.9.4 pexpect==4.9.0
    ptyprocess==0.7.0 stack-data==0.6.3 asttokens==3.0.2 executing==2.3.0 pure-eval==0.2.4
    fastjsonschema==2.22.3 jsonschema==4.26.0 jsonschema-specifications==2025.9.1
    referencing==0.37.0 rpds-py==2026.9.1 entrypoints==0.4.2 tenacity==9.2.1
    platformdirs==4.14.9 POT==0.9.5 anywidget==0.11.0 psygnal==0.16.1
    ipywidgets==8.1.9 widgetsnbextension==4.0.16 jupyterlab_widgets==3.0.17 comm==0.2.3
)
MODE=device
STAGE=all
while (( $# )); do
    case "$1" in
        --prepare) MODE=prepare ;;
        --dry-run) MODE=dry ;;
        --stage) STAGE="$2"; shift ;;
        *) echo "usage: $0 [--prepare | --dry-run | --stage build|official|train|all]" >&2; exit 2 ;;
    esac
    shift
done
case "$STAGE" in build|official|train|all) ;; *) echo "unknown stage $STAGE" >&2; exit 2 ;; esac

prepare_data() {  # $1: destination data folder; copies a subset of ../shared/data
    local src="$REPO/../shared/data" dest="$1"
    [[ -f "$src/osie/data/eye/fixations.mat" ]] || { echo "error: no $src/osie" >&2; return 2; }
    rm -rf "$dest"
    mkdir -p "$dest/osie/data/stimuli" "$dest/fixatons/MIT1003"
    cp -r "$src/osie/data/eye" "$src/osie/data/mouse_lab" "$dest/osie/data/"
    ls "$src/osie/data/stimuli" | sort | head -n "$N_OSIE" \
        | while read -r f; do cp "$src/osie/data/stimuli/$f" "$dest/osie/data/stimuli/"; done
    local mit="$src/fixatons/MIT1003"
    mkdir -p "$dest/fixatons/MIT1003"/{STIMULI,SCANPATHS,FIXATION_MAPS,SALIENCY_MAPS}
    ls "$mit/STIMULI" | sort | head -n "$N_MIT" | while read -r f; do
        stem="${f%.*}"
        cp "$mit/STIMULI/$f" "$dest/fixatons/MIT1003/STIMULI/"
        cp -r "$mit/SCANPATHS/$stem" "$dest/fixatons/MIT1003/SCANPATHS/"
        cp "$mit/FIXATION_MAPS/$stem".* "$dest/fixatons/MIT1003/FIXATION_MAPS/"
        cp "$mit/SALIENCY_MAPS/$stem".* "$dest/fixatons/MIT1003/SALIENCY_MAPS/"
    done
    echo "data subset: $(du -sh "$dest" | cut -f1) in $dest"
}

if [[ "$MODE" == prepare ]]; then
    prepare_data "$DATA" || exit
    rm -rf .whl && mkdir -p .whl
    "$PY" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
        --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -d .whl "${WHEELS[@]}" || exit
    "$PY" -m pip wheel --quiet --no-deps -w .whl efficientnet_pytorch==0.7.1 || exit  # sdist only
    echo "wheels: $(du -sh .whl | cut -f1); travelling in all: $(du -shc .device_data .whl | tail -1)"
    exit 0
fi

OUT="${OUT:-$REPO/build/gpu_rehearsal_out}"
if [[ "$MODE" == dry ]]; then  # the device path on this CPU: tiny SALICON, 1 step, notebook 06
    DATA="$REPO/build/gpu_rehearsal_dry/data"
    MIRROR="$REPO/build/gpu_rehearsal_dry/mirror"
    OUT="$REPO/build/gpu_rehearsal_dry/out"
    SALICON_IMAGES=8 STEPS=1 DEVICE=cpu TIMEOUT=900
    # until the notebooks cap themselves (REHEARSAL) and default to WEIGHTS="official",
    # their default path trains for epochs: cap it here so that the dry run ends
    OFFICIAL_CAPS=(--param EPOCHS=1 --param MAX_TRAIN_IMAGES=2 --param N_VAL=2)
    [[ -z "${PYTHON:-}" && -x "$REPO/.venv/bin/python" ]] && PY="$REPO/.venv/bin/python"
    ONLY_OFFICIAL=(06) ONLY_TRAIN=(06)
    prepare_data "$DATA" || exit
fi
mkdir -p "$OUT"
export PYTHONPATH="$REPO${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1

if [[ "$MODE" == device ]]; then
    {
        nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
        "$PY" -c "import sys, torch; print(sys.version); print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.is_available())"
        nproc
    } > "$OUT/env.txt" 2>&1
    if ! "$PY" -c "import papermill, ipykernel, ot, anywidget, efficientnet_pytorch" 2>/dev/null; then
        ls .whl/*.whl > /dev/null 2>&1 || { echo "error: .whl/ is empty: run --prepare here" >&2; exit 2; }
        "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
            --target /tmp/site .whl/*.whl >> "$OUT/env.txt" 2>&1 || { echo "wheel install failed" >&2; exit 3; }
        export PYTHONPATH="$PYTHONPATH:/tmp/site"
    fi
    [[ -d "$DATA/osie/data/eye" ]] || { echo "error: $DATA missing: run --prepare here" >&2; exit 2; }
fi
JOBS="$(nproc)"

build() {
    "$PY" tools/build_mirror.py "$MIRROR" --data "$DATA" --only "${SOURCES[@]}" \
        --salicon-images "$SALICON_IMAGES" --jobs "$JOBS" > "$OUT/mirror.json"
}

rehearse() {  # $1: stage name; the rest: arguments for tools/rehearse.py
    local stage="$1"; shift
    [[ -f "$MIRROR/manifest.json" ]] || build || return
    "$PY" tools/rehearse.py --no-build --mirror "$MIRROR" --device "$DEVICE" --workers 1 \
        --timeout "$TIMEOUT" --out "$REPO/build/gpu_rehearsal/$stage" \
        --report "$OUT/$stage.json" "$@" 2>&1 | tee "$OUT/$stage.txt"
}

status=0
if [[ "$STAGE" == build || "$STAGE" == all ]]; then
    build || { status=$?; echo "mirror build failed" >&2; exit "$status"; }
    tail -n 12 "$OUT/mirror.json"
fi
if [[ "$STAGE" == official || "$STAGE" == all ]]; then
    rehearse official --only "${ONLY_OFFICIAL[@]}" --param N_VAL=100 --param N_EVAL=100 \
        "${OFFICIAL_CAPS[@]}" || status=$?
fi
if [[ "$STAGE" == train || "$STAGE" == all ]]; then
    # one epoch of STEPS updates at each notebook's (paper's) batch size: 2, 32, 4, 8
    rehearse train --only "${ONLY_TRAIN[@]}" --param REHEARSAL=false --param WEIGHTS=train \
        --param EPOCHS=1 --param BCE_EPOCHS=1 --param GAN_EPOCHS=1 --param N_VAL=32 \
        --param "06:MAX_TRAIN_IMAGES=$((STEPS * 2))" --param "07:MAX_TRAIN_IMAGES=$((STEPS * 32))" \
        --param "08:MAX_TRAIN_IMAGES=$((STEPS * 4))" --param "09:MAX_TRAIN_IMAGES=$((STEPS * 8))" \
        || status=$?
fi
exit "$status"

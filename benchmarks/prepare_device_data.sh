#!/usr/bin/env bash
# Copy the first N real OSIE images and OSIE's fixations.mat into the ignored folder
# .device_data/ (same layout: .device_data/osie/data/{stimuli,eye}/), so that they travel
# with a run on the GPU machine. Run from anywhere; nothing is written outside the repo.
#
#   benchmarks/prepare_device_data.sh [N=300] [SOURCE=../shared/data]
#
# 300 images are about 21 MB.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
N="${1:-300}"
SOURCE="${2:-$REPO/../shared/data}"
SRC="$SOURCE/osie/data"
DEST="$REPO/.device_data/osie/data"
if [[ ! -f "$SRC/eye/fixations.mat" ]]; then
    echo "error: SOURCE must hold osie/data/eye/fixations.mat, not found under $SOURCE" >&2
    exit 2
fi
if ! [[ "$N" =~ ^[0-9]+$ ]] || (( N < 1 || N > 700 )); then
    echo "error: N must be an integer in 1..700, got $N" >&2
    exit 2
fi
mkdir -p "$DEST/stimuli" "$DEST/eye"
cp "$SRC/eye/fixations.mat" "$DEST/eye/"
for (( id = 1001; id < 1001 + N; id++ )); do
    cp "$SRC/stimuli/$id.jpg" "$DEST/stimuli/"
done
echo "copied $N OSIE images and fixations.mat to $DEST ($(du -sh "$REPO/.device_data" | cut -f1))"

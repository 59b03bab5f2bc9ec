#!/usr/bin/env bash
# Download every image dataset of the course into ROOT (default: the package's data folder,
# $SALIENCY_COURSE_DATA or ~/.cache/saliency_course). Each dataset goes through
# `saliency-course download`, which resumes interrupted transfers, checks MD5s and extracts
# atomically, so running this again only fetches what is missing.
#
#   data_scripts/download_all.sh [ROOT] [NAME ...]
#
set -euo pipefail

ROOT="${1:-}"
shift || true
NAMES=("$@")
if [ ${#NAMES[@]} -eq 0 ]; then
    NAMES=(osie fixatons figrim mit1003 mit300 toronto cat2000 salicon isun)
fi

ARGS=()
if [ -n "$ROOT" ]; then
    ARGS+=(--root "$ROOT")
fi

status=0
for name in "${NAMES[@]}"; do
    echo "== $name"
    saliency-course download "$name" "${ARGS[@]}" || status=1
done
# FixaTons holds several subsets; the MIT1003 one is the default, SIENA12 is used too.
if [[ " ${NAMES[*]} " == *" fixatons "* ]]; then
    saliency-course download fixatons "${ARGS[@]}" --option subset=SIENA12 || status=1
fi
exit $status

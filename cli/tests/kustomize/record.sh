#!/bin/sh
# Records expected.yaml of every case with Kustomize (kubectl's built-in
# kustomize; the goldens were made with kubectl v1.32, kustomize v5.5.0).
# Run from this directory after adding or changing a case.
set -eu
for case in */; do
  kubectl kustomize "$case" > "${case}expected.yaml" 2>/dev/null
done

#!/usr/bin/env bash
# Copies kwok's default node and pod stages that our cluster config needs from the kwok
# module in the Go module cache (a --config with any Stage drops all defaults).
#   usage: test/cluster/kwok/copy-stages.sh [0.8.0]
set -euo pipefail
V="${1:-0.8.0}"
cd "$(dirname "$0")/stages"
DIR="$(go mod download -json "sigs.k8s.io/kwok@v$V" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
K="$DIR/kustomize/stage"
for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
         pod/fast/pod-ready.yaml pod/fast/pod-delete.yaml; do
  {
    echo "# Copied verbatim from sigs.k8s.io/kwok@v$V kustomize/stage/$f (Apache-2.0)."
    echo "# A kwokctl --config that contains any Stage replaces all of kwok's default stages,"
    echo "# so the defaults we rely on are copied here. Refresh with test/cluster/kwok/copy-stages.sh."
    cat "$K/$f"
  } > "$(basename "$f")"
done
echo "copied kwok v$V stages into $(pwd)"

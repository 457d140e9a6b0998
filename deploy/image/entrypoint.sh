#!/bin/sh
# The container image's command (Dockerfile): `web`, `operator` or `migrate`, given by the Helm
# chart as the container's argument. Paths are relative to this script, so the image's files can
# be run from any directory (tests/image-contents.test.ts does).
set -eu
cd "$(dirname "$0")"
cmd="${1:-}"
[ $# -gt 0 ] && shift
export GANTRY_PROCESS="$cmd"
case "$cmd" in
  web)
    # Next's standalone server binds to $HOSTNAME, which Kubernetes sets to the pod's name: every
    # interface instead, so probes, the Service and port-forward all reach it.
    export HOSTNAME=0.0.0.0
    exec node server.js "$@" ;;
  operator) exec node --enable-source-maps gantry/operator.mjs "$@" ;;
  migrate) exec node --enable-source-maps gantry/migrate.mjs "$@" ;;
  *)
    echo "gantry image: unknown command '$cmd'; use web, operator or migrate" >&2
    exit 64 ;;
esac

/** The run's checkout, shared by the clone init container (Kubernetes) and the local executor. */

/**
 * The clone script is a constant; the URL, directory and revision arrive as positional
 * arguments, so no value is ever parsed as shell. The run's tasks share the workspace: the first
 * to take the lock clones, the others (parallel tasks of the first stage, later stages, retries)
 * find the finished checkout; a partial clone left by a killed attempt has no marker and is redone.
 * A revision the clone does not hold (a commit only under refs/pull/*) is fetched by name.
 */
export const CLONE_SCRIPT = [
  "set -eu",
  'url=$1 dir=$2 rev=$3',
  // Without flock (an image whose busybox lacks it) only parallel first-stage tasks may race.
  "if command -v flock >/dev/null; then exec 9>>.gantry-clone.lock; flock 9; fi",
  'if [ -f "$dir/.git/gantry-checkout" ]; then echo "gantry: $dir already holds this run\'s checkout"; exit 0; fi',
  'rm -rf -- "$dir"',
  'git clone --quiet --no-checkout -- "$url" "$dir"',
  'if ! git -C "$dir" -c advice.detachedHead=false checkout --quiet "$rev" -- 2>/dev/null; then',
  // A commit no branch or tag of the clone holds (a pull request from a fork, under refs/pull/):
  // fetched by name; an unknown revision fails here with git's "couldn't find remote ref".
  '  git -C "$dir" fetch --quiet origin "$rev"',
  '  git -C "$dir" -c advice.detachedHead=false checkout --quiet FETCH_HEAD --',
  "fi",
  "git -C \"$dir\" log -1 --format='checked out %H (%s)'",
  'touch "$dir/.git/gantry-checkout"',
].join("\n");

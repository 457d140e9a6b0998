/** The run's checkout, shared by the clone init container (Kubernetes) and the local executor. */

/**
 * The clone script is a constant; the URL, directory and revision arrive as positional
 * arguments, so no value is ever parsed as shell. The run's tasks share the workspace: the first
 * to take the lock clones, the others (parallel tasks of the first stage, later stages, retries)
 * find the finished checkout; a partial clone left by a killed attempt has no marker and is redone.
 * A revision the clone does not hold (a commit only under refs/pull/*) is fetched by name.
 */
/**
 * The variables a private repository's credentials reach the clone in (docs/repository.md): set
 * from the params Secret by `secretKeyRef` in the clone init container, and only in the clone
 * step's environment locally. Never in argv, never written where the task can read them.
 */
export const GIT_CREDENTIAL_ENV = {
  username: "GANTRY_GIT_USERNAME",
  password: "GANTRY_GIT_PASSWORD",
  sshKey: "GANTRY_GIT_SSH_KEY",
  knownHosts: "GANTRY_GIT_KNOWN_HOSTS",
} as const;

/**
 * A forge whose certificate comes from a private CA: git's own variables for it, set in the
 * environment of the web app and the operator (docs/repository.md), reach every fetch of a
 * pipeline file and every local task, its checkout and its own git (the sandbox shows those paths
 * read-only). An image's clone trusts what its image trusts.
 */
export const GIT_TRUST_ENV = ["GIT_SSL_CAINFO", "GIT_SSL_CAPATH"] as const;

/** The private-CA settings of this process's environment, by name. */
export function gitTrustEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(GIT_TRUST_ENV.flatMap((k) => (env[k] ? [[k, env[k]]] : [])));
}

/**
 * An https token: git asks this credential helper, whose text names the variables and never holds
 * their values. The empty helper before it drops the user's own (a `store` helper would write the
 * token to ~/.git-credentials); set through GIT_CONFIG_* so every git command of the script has it.
 */
const HTTPS_CREDENTIALS = [
  'if [ -n "${GANTRY_GIT_PASSWORD-}" ]; then',
  "  export GIT_CONFIG_COUNT=2 GIT_CONFIG_KEY_0=credential.helper GIT_CONFIG_VALUE_0= GIT_CONFIG_KEY_1=credential.helper",
  `  export GIT_CONFIG_VALUE_1='!f() { test "$1" = get || exit 0; if [ -n "\${GANTRY_GIT_USERNAME-}" ]; then echo "username=$GANTRY_GIT_USERNAME"; fi; echo "password=$GANTRY_GIT_PASSWORD"; }; f'`,
  "fi",
];

/**
 * An ssh key: written 0600 into a private temporary directory that is removed when the script
 * ends (signals included). Without known_hosts the server's key is accepted unchecked.
 */
const SSH_CREDENTIALS = [
  'if [ -n "${GANTRY_GIT_SSH_KEY-}" ]; then',
  "  keys=$(umask 077 && mktemp -d)",
  `  trap 'rm -rf "$keys"' EXIT`,
  "  trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM",
  `  (umask 077 && printf '%s\\n' "$GANTRY_GIT_SSH_KEY" > "$keys/id")`,
  "  check=accept-new",
  '  if [ -n "${GANTRY_GIT_KNOWN_HOSTS-}" ]; then printf \'%s\\n\' "$GANTRY_GIT_KNOWN_HOSTS" > "$keys/known_hosts"; check=yes; fi',
  `  export GIT_SSH_COMMAND="ssh -i '$keys/id' -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=$check -o UserKnownHostsFile='$keys/known_hosts'"`,
  "  unset GANTRY_GIT_SSH_KEY GANTRY_GIT_KNOWN_HOSTS",
  "fi",
];

export const CLONE_SCRIPT = [
  "set -eu",
  "url=$1 dir=$2 rev=$3",
  // No one can answer a prompt: a missing credential fails at once, with git's reason.
  "export GIT_TERMINAL_PROMPT=0",
  ...HTTPS_CREDENTIALS,
  ...SSH_CREDENTIALS,
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

/**
 * Fetches one revision, shallow, into the git repository of the current directory (the web app
 * reading a pipeline kept in its repository, server/pipelines/repository-file.ts), with the same
 * credentials as the clone. URL and revision are positional arguments; FETCH_HEAD is the result.
 */
export const FETCH_SCRIPT = [
  "set -eu",
  "url=$1 rev=$2",
  "export GIT_TERMINAL_PROMPT=0",
  ...HTTPS_CREDENTIALS,
  ...SSH_CREDENTIALS,
  'git fetch --quiet --depth 1 --no-tags -- "$url" "$rev"',
].join("\n");

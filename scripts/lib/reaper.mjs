// The watchdog of `npm start|test|bench`: stops the servers the orchestrator started (MariaDB, the
// web app, the operator, …) when the orchestrator dies without stopping them itself, a SIGKILL
// among other things. Plain JavaScript, started with `node` alone, so it costs no loader.
//
// The orchestrator holds the write end of our stdin and writes one JSON line per server it starts
// ({"op":"watch",pid,name,group,signal,graceMs,start}) or stops ({"op":"forget",pid}). Nobody else
// holds that pipe, so its end means the orchestrator is gone: the servers still alive are then
// stopped like an orderly shutdown would, the last started first (the operator drains while the
// database is still there), each with its signal, then SIGKILL after its grace.
import { readFileSync } from "node:fs";

/** @type {Map<number, {name: string, group: boolean, signal: string, graceMs: number, start: string | null}>} */
const watched = new Map();
let pending = "";

process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  pending += chunk;
  let nl;
  while ((nl = pending.indexOf("\n")) >= 0) {
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    let m;
    try {
      m = JSON.parse(line);
    } catch {
      continue;
    }
    if (m.op === "watch") watched.set(m.pid, m);
    else if (m.op === "forget") watched.delete(m.pid);
  }
});
process.stdin.on("end", () => void reap());
process.stdin.on("error", () => void reap());
// Our own session (the orchestrator starts us detached): a Ctrl-C or a closed terminal is for it, not us.
for (const sig of ["SIGINT", "SIGHUP", "SIGTERM"]) process.on(sig, () => undefined);

/** Field 22 of /proc/<pid>/stat (start time in clock ticks) and the state, or null without /proc. */
function stat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { state: f[0], start: f[19] };
  } catch {
    return null;
  }
}

/** The very process we were told about is still running (not exited, not a zombie, not a reused pid). */
function running(pid, start) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const s = stat(pid);
  if (!s) return start === null;
  return s.state !== "Z" && (start === null || s.start === start);
}

function signal(w, pid, sig) {
  try {
    process.kill(w.group ? -pid : pid, sig);
  } catch {
    // Gone between the check and the signal.
  }
}

let reaping = false;
async function reap() {
  if (reaping) return;
  reaping = true;
  for (const [pid, w] of [...watched].reverse()) {
    if (!running(pid, w.start)) continue;
    signal(w, pid, w.signal);
    const deadline = Date.now() + w.graceMs;
    while (running(pid, w.start) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (running(pid, w.start)) signal(w, pid, "SIGKILL");
  }
  process.exit(0);
}

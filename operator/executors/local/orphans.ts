import { readdirSync, readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";

/** The group id from a /proc/<pid>/stat line, or null for a zombie. */
function groupOf(stat: string): number | null {
  // "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return rest[0] === "Z" ? null : Number(rest[2]);
}

/** The live processes of a process group, from /proc (synchronous: a stop is rare and short). */
export function processGroupMembers(pgid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (groupOf(readFileSync(`/proc/${e}/stat`, "utf8")) === pgid) out.push(Number(e));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/**
 * Finds what a dead operator left running on this machine: the process group it started for a
 * task (the group id is the pid in the executor ref). A pid alone could have been reused, so the
 * group is only killed when one of its processes carries the run's GANTRY_RUN_ID and task name in
 * its environment. Linux only (/proc); elsewhere nothing is found.
 */
export async function findTaskProcessGroup(pgid: number, runId: string, taskName: string): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return [];
  }
  const members: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (groupOf(await readFile(`/proc/${e}/stat`, "utf8")) === pgid) members.push(Number(e));
    } catch {
      // The process ended while we looked.
    }
  }
  for (const pid of members) {
    try {
      const env = (await readFile(`/proc/${pid}/environ`, "utf8")).split("\0");
      if (env.includes(`GANTRY_RUN_ID=${runId}`) && env.includes(`GANTRY_TASK=${taskName}`)) return members;
    } catch {
      // Gone, or not ours to read.
    }
  }
  return [];
}

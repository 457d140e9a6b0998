/**
 * The scheduler's periodic work beside dispatch (heartbeat, recovery, stops, schedules,
 * notifications, gates, workspace sweep) as a table of jobs, run in order by each tick when due.
 */

export interface HousekeepingJob {
  name: string;
  /** Milliseconds between runs; 0: at every tick. */
  every: number;
  /** Runs only while this holds (e.g. not while draining). */
  when?: () => boolean;
  run: (now: number) => unknown;
}

export class Housekeeping {
  private readonly last = new Map<string, number>();

  constructor(readonly jobs: readonly HousekeepingJob[]) {}

  /** Counts a job as run at `at`: its next run is a full period later. */
  ranAt(name: string, at: number) {
    this.last.set(name, at);
  }

  isDue(j: HousekeepingJob, now: number): boolean {
    return (j.when?.() ?? true) && (j.every <= 0 || now - (this.last.get(j.name) ?? -Infinity) >= j.every);
  }

  /**
   * Runs the due jobs one after the other, in table order (each looked at when its turn comes).
   * A job counts as run once it succeeded: one that throws (the database is away) ends the tick
   * and is due again at the next.
   */
  async tick(now: number) {
    for (const j of this.jobs) {
      if (!this.isDue(j, now)) continue;
      await j.run(now);
      this.last.set(j.name, now);
    }
  }
}

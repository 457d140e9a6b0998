import type { V1Lease } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { isAlreadyExists, isConflict, isNotFound, paths, type KubeApi } from "./kube-api";

/**
 * Leader election over a coordination.k8s.io Lease, as client-go's leaderelection does it: the
 * holder renews every `retryMs`; another candidate takes the lease over only when it has seen
 * the same record unchanged for a whole lease duration (its own clock, so skew between hosts
 * does not matter). Every write carries the resourceVersion read, so two candidates can never
 * both win: the loser gets 409 Conflict. Only the controller's reconcile needs the lease.
 */

export interface LeaderElectionOptions {
  api: Pick<KubeApi, "get" | "create" | "put">;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  /** A leader that could not renew for this long steps down (before others may take over). */
  renewDeadlineMs?: number;
  retryMs?: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  log?: Logger;
}

const microTime = (d: Date) => d.toISOString().replace("Z", "000Z");

export class LeaderElector {
  private leading = false;
  private stopped = true;
  private timer: NodeJS.Timeout | null = null;
  private observed: { record: string; at: number } | null = null;
  private lastRenew = 0;
  private readonly durationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;

  constructor(private readonly o: LeaderElectionOptions) {
    this.durationMs = o.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = o.renewDeadlineMs ?? 10_000;
    this.retryMs = o.retryMs ?? 2_000;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    void this.tick();
  }

  /** Stops campaigning; a leader releases the lease so that another replica need not wait it out. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.leading) {
      this.setLeading(false);
      try {
        const lease = await this.o.api.get<V1Lease>(paths.lease(this.o.namespace, this.o.name));
        if (lease.spec?.holderIdentity === this.o.identity) {
          lease.spec = {
            ...lease.spec,
            holderIdentity: undefined,
            leaseDurationSeconds: 1,
            renewTime: microTime(new Date()) as unknown as Date,
          };
          await this.o.api.put(paths.lease(this.o.namespace, this.o.name), lease);
        }
      } catch {
        // The lease runs out by itself.
      }
    }
  }

  private async tick() {
    if (this.stopped) return;
    try {
      await this.tryAcquireOrRenew();
    } catch (e) {
      this.o.log?.debug({ err: (e as Error).message }, "leader election: lease request failed");
    }
    if (this.leading && Date.now() - this.lastRenew > this.renewDeadlineMs) {
      this.o.log?.warn({ lease: this.o.name }, "could not renew the leader lease in time; stepping down");
      this.setLeading(false);
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), this.retryMs);
    this.timer.unref?.();
  }

  private async tryAcquireOrRenew() {
    const now = new Date();
    const spec = () => ({
      holderIdentity: this.o.identity,
      leaseDurationSeconds: Math.ceil(this.durationMs / 1000),
      renewTime: microTime(now),
    });
    let lease: V1Lease;
    try {
      lease = await this.o.api.get<V1Lease>(paths.lease(this.o.namespace, this.o.name));
    } catch (e) {
      if (!isNotFound(e)) throw e;
      try {
        await this.o.api.create(paths.leases(this.o.namespace), {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name: this.o.name, namespace: this.o.namespace },
          spec: { ...spec(), acquireTime: microTime(now), leaseTransitions: 0 },
        });
        this.renewed();
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      return;
    }
    const s = lease.spec ?? {};
    const record = JSON.stringify([s.holderIdentity, s.renewTime, s.leaseDurationSeconds]);
    if (!this.observed || this.observed.record !== record) this.observed = { record, at: Date.now() };
    const mine = s.holderIdentity === this.o.identity;
    const expired = !s.holderIdentity || Date.now() > this.observed.at + (s.leaseDurationSeconds ?? 15) * 1000;
    if (!mine && !expired) {
      if (this.leading) this.setLeading(false);
      return;
    }
    const next = {
      ...lease,
      spec: {
        ...s,
        ...spec(),
        ...(mine ? {} : { acquireTime: microTime(now), leaseTransitions: (s.leaseTransitions ?? 0) + 1 }),
      },
    };
    try {
      // The resourceVersion read above rides along: a concurrent writer makes this a 409.
      await this.o.api.put(paths.lease(this.o.namespace, this.o.name), next);
      this.renewed();
    } catch (e) {
      if (!isConflict(e)) throw e;
      if (this.leading) this.setLeading(false);
    }
  }

  private renewed() {
    this.lastRenew = Date.now();
    this.observed = null;
    if (!this.leading) this.setLeading(true);
  }

  private setLeading(v: boolean) {
    if (this.leading === v) return;
    this.leading = v;
    this.o.log?.info(
      { lease: `${this.o.namespace}/${this.o.name}`, identity: this.o.identity },
      v ? "became the leader" : "no longer the leader",
    );
    if (v) this.o.onStartedLeading();
    else this.o.onStoppedLeading();
  }
}

/** Where schedules get the time from: the real clock in the operator, a fake one in tests. */
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

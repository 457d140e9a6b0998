import { call, get, post, uniqueName, type CallOptions } from "./api-helpers";

/** PATCH and DELETE beside api-helpers' GET/POST/PUT, for the schedule tests. */
export const patch = (path: string, body?: unknown, opts?: CallOptions) => call("PATCH", path, { ...opts, body });
export const del = (path: string, opts?: CallOptions) => call("DELETE", path, opts);
export { get, post, uniqueName };

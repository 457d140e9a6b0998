import { datetime, varchar } from "drizzle-orm/mysql-core";

/** Opaque string ids: clients must not guess or order by them. */
export const id = (name = "id") => varchar(name, { length: 36 });
/** UTC with milliseconds everywhere (DESIGN.md: "timestamps are UTC with milliseconds"). */
export const ts = (name: string) => datetime(name, { mode: "date", fsp: 3 });

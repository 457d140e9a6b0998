import { drizzle, type MySql2Database } from "drizzle-orm/mysql2";
import mysql from "mysql2/promise";
import { config } from "../config";
import * as schema from "./schema";

export type Db = MySql2Database<typeof schema>;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
/** Data-access functions take either the pool or a transaction. */
export type DbOrTx = Db | Tx;

const g = globalThis as unknown as { __gantryDb?: { db: Db; pool: mysql.Pool; url: string } };

export function createDb(url: string): { db: Db; pool: mysql.Pool } {
  const pool = mysql.createPool({
    uri: url,
    timezone: "Z",
    dateStrings: false,
    connectionLimit: 10,
    enableKeepAlive: true,
    supportBigNumbers: true,
    // Fail fast when the server is gone, so /api/readyz and requests answer 503 quickly.
    connectTimeout: 3000,
  });
  pool.on("connection", (conn) => {
    conn.query("SET time_zone = '+00:00'");
  });
  return { db: drizzle(pool, { schema, mode: "default" }), pool };
}

/** One pool per process (kept on globalThis so Next's hot reload doesn't leak pools). */
export function getDb(): Db {
  const url = config().DATABASE_URL;
  if (!g.__gantryDb || g.__gantryDb.url !== url) g.__gantryDb = { ...createDb(url), url };
  return g.__gantryDb.db;
}

export async function closeDb() {
  const cur = g.__gantryDb;
  g.__gantryDb = undefined;
  await cur?.pool.end();
}

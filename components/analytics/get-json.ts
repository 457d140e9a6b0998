/** GET a Gantry API path as JSON for TanStack Query: a failed answer throws with the API's own message. */
export async function getJson<T>(url: string): Promise<T> {
  const r = await fetch(url, { headers: { accept: "application/json" } });
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new Error(body?.error?.message ?? r.statusText);
  return body as T;
}

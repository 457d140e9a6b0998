/** A template's params JSON Schema → one row per param for the catalog's params table. Pure. */
export interface ParamRow {
  name: string;
  type: string;
  required: boolean;
  default: string | null;
  description: string;
  secret: boolean;
}

type Schema = Record<string, unknown>;

function typeOf(s: Schema): string {
  if (Array.isArray(s.enum)) return `one of ${s.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  const t = Array.isArray(s.type) ? s.type.join(" | ") : typeof s.type === "string" ? s.type : s.$ref ? "object" : "any";
  if (t === "array" && s.items && typeof s.items === "object") return `array of ${typeOf(s.items as Schema)}`;
  if (t === "string" && typeof s.format === "string") return `string (${s.format})`;
  return t;
}

export function paramRows(schema: Schema): ParamRow[] {
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  return Object.entries(props).map(([name, p]) => ({
    name,
    type: typeOf(p),
    required: required.has(name),
    default:
      p.default === undefined ? null : typeof p.default === "string" ? (p.default === "" ? '""' : p.default) : JSON.stringify(p.default),
    description: [p.title, p.description].filter((x) => typeof x === "string" && x).join(" — "),
    secret: p.secret === true || p.writeOnly === true || p.format === "password",
  }));
}

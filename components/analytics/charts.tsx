"use client";

import { useState, type ReactNode } from "react";
import { cn } from "@/components/ui/cn";
import { niceMax } from "@/lib/analytics/scale";

/**
 * Small hand-written SVG charts (no chart library: three chart kinds do not need 100 kB). They
 * scale with their card (viewBox), take colours from the theme's CSS variables, so light and
 * dark both work, and show exact values on hover.
 */

export interface Series {
  key: string;
  label: string;
  /** A CSS colour, normally a theme variable: `var(--st-succeeded)`. */
  color: string;
  kind: "bar" | "line";
  /** Lines on the right axis use 0–1 (rates). */
  axis?: "left" | "right";
}

type Row = { day: string } & Record<string, number | string | null>;

const W = 640;
const H = 200;
const PAD = { left: 48, right: 40, top: 10, bottom: 24 };

const shortDay = (day: string) => {
  const d = new Date(`${day}T00:00:00Z`);
  return d.toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
};

export function TimeChart({
  data,
  series,
  format,
  formatRight = (v) => `${Math.round(v * 100)}%`,
  label,
  extra,
}: {
  data: Row[];
  series: Series[];
  format: (v: number) => string;
  formatRight?: (v: number) => string;
  label: string;
  /** More tooltip lines for a day. */
  extra?: (row: Row) => ReactNode;
}) {
  const [hover, setHover] = useState<number | null>(null);
  const n = data.length;
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const step = innerW / Math.max(n, 1);
  const x = (i: number) => PAD.left + step * (i + 0.5);
  const bars = series.filter((s) => s.kind === "bar");
  const left = series.filter((s) => s.axis !== "right");
  const right = series.filter((s) => s.axis === "right");
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  const leftMax = niceMax(
    Math.max(
      0,
      ...data.map((r) => bars.reduce((a, s) => a + (num(r[s.key]) ?? 0), 0)),
      ...data.flatMap((r) => left.filter((s) => s.kind === "line").map((s) => num(r[s.key]) ?? 0)),
    ),
  );
  const y = (v: number) => PAD.top + innerH - (v / leftMax) * innerH;
  const yR = (v: number) => PAD.top + innerH - v * innerH;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const labelEvery = Math.max(1, Math.ceil(n / 8));
  const barW = Math.max(1, Math.min(28, step * 0.7));

  return (
    <div className="relative">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={label}
        className="block h-auto w-full overflow-visible text-[10px] select-none"
        onMouseLeave={() => setHover(null)}
        onMouseMove={(e) => {
          const box = e.currentTarget.getBoundingClientRect();
          const vx = ((e.clientX - box.left) / box.width) * W;
          const i = Math.floor((vx - PAD.left) / step);
          setHover(i >= 0 && i < n ? i : null);
        }}
      >
        {ticks.map((t) => (
          <g key={t}>
            <line
              x1={PAD.left}
              x2={W - PAD.right}
              y1={PAD.top + innerH * (1 - t)}
              y2={PAD.top + innerH * (1 - t)}
              stroke="var(--border)"
              strokeDasharray={t === 0 ? undefined : "2 3"}
            />
            <text x={PAD.left - 6} y={PAD.top + innerH * (1 - t)} dy="0.32em" textAnchor="end" fill="var(--muted)">
              {format(leftMax * t)}
            </text>
            {right.length > 0 && (
              <text x={W - PAD.right + 6} y={PAD.top + innerH * (1 - t)} dy="0.32em" fill="var(--muted)">
                {formatRight(t)}
              </text>
            )}
          </g>
        ))}
        {data.map((r, i) =>
          i % labelEvery === 0 ? (
            <text key={r.day} x={x(i)} y={H - 6} textAnchor="middle" fill="var(--muted)">
              {shortDay(r.day)}
            </text>
          ) : null,
        )}
        {hover !== null && <rect x={PAD.left + step * hover} y={PAD.top} width={step} height={innerH} fill="var(--surface-2)" />}
        {data.map((r, i) => {
          let base = 0;
          return (
            <g key={r.day}>
              {bars.map((s) => {
                const v = num(r[s.key]) ?? 0;
                if (v <= 0) return null;
                const top = y(base + v);
                const h = y(base) - top;
                base += v;
                return (
                  <rect
                    key={s.key}
                    x={x(i) - barW / 2}
                    y={top}
                    width={barW}
                    height={Math.max(h, 0.5)}
                    rx={1.5}
                    fill={s.color}
                    opacity={0.85}
                  />
                );
              })}
            </g>
          );
        })}
        {series
          .filter((s) => s.kind === "line")
          .map((s) => {
            const sy = s.axis === "right" ? yR : y;
            const pts = data.map((r, i) => {
              const v = num(r[s.key]);
              return v === null ? null : ([x(i), sy(v)] as const);
            });
            // Gaps (days without runs) break the line instead of drawing through zero.
            let d = "";
            pts.forEach((p, i) => {
              if (!p) return;
              d += `${pts[i - 1] ? "L" : "M"}${p[0].toFixed(1)},${p[1].toFixed(1)}`;
            });
            return (
              <g key={s.key}>
                <path d={d} fill="none" stroke={s.color} strokeWidth={2} strokeLinejoin="round" strokeLinecap="round" />
                {pts.map(
                  (p, i) =>
                    p &&
                    (!pts[i - 1] || !pts[i + 1] || hover === i) && (
                      <circle key={i} cx={p[0]} cy={p[1]} r={hover === i ? 3.5 : 2.5} fill={s.color} />
                    ),
                )}
              </g>
            );
          })}
      </svg>
      {hover !== null && data[hover] && (
        <div
          role="tooltip"
          className="pointer-events-none absolute top-0 z-10 min-w-36 rounded-md border bg-surface px-2.5 py-1.5 text-xs shadow-md"
          style={{
            left: `${(x(hover) / W) * 100}%`,
            transform: `translateX(${hover > n / 2 ? "calc(-100% - 12px)" : "12px"})`,
          }}
        >
          <p className="mb-1 font-medium">
            {new Date(`${data[hover].day}T00:00:00Z`).toLocaleDateString(undefined, {
              weekday: "short",
              year: "numeric",
              month: "short",
              day: "numeric",
              timeZone: "UTC",
            })}
          </p>
          {series.map((s) => {
            const v = num(data[hover][s.key]);
            return (
              <p key={s.key} className="flex items-center justify-between gap-3">
                <span className="flex items-center gap-1.5 text-muted">
                  <Swatch color={s.color} line={s.kind === "line"} />
                  {s.label}
                </span>
                <span className="tabular-nums">{v === null ? "–" : s.axis === "right" ? formatRight(v) : format(v)}</span>
              </p>
            );
          })}
          {extra?.(data[hover])}
        </div>
      )}
      <Legend series={series} />
    </div>
  );
}

function Swatch({ color, line }: { color: string; line?: boolean }) {
  return (
    <span
      aria-hidden
      className={cn("inline-block shrink-0", line ? "h-0.5 w-3 rounded" : "size-2.5 rounded-sm")}
      style={{ background: color }}
    />
  );
}

export function Legend({ series }: { series: Pick<Series, "key" | "label" | "color" | "kind">[] }) {
  return (
    <ul className="mt-1 flex flex-wrap gap-x-4 gap-y-1 pl-12 text-xs text-muted">
      {series.map((s) => (
        <li key={s.key} className="flex items-center gap-1.5">
          <Swatch color={s.color} line={s.kind === "line"} />
          {s.label}
        </li>
      ))}
    </ul>
  );
}

/** Horizontal bars with a label per row: slowest tasks (p50 bar, p95 whisker), flaky tasks (rate). */
export function BarList({
  rows,
  max,
  label,
}: {
  rows: { key: string; label: ReactNode; sub?: ReactNode; value: number; whisker?: number; color: string; text: string; title: string }[];
  max: number;
  label: string;
}) {
  const top = max > 0 ? max : 1;
  return (
    <ul aria-label={label} className="flex flex-col gap-2">
      {rows.map((r) => (
        <li key={r.key} title={r.title} className="grid grid-cols-[minmax(0,12rem)_minmax(0,1fr)_auto] items-center gap-3 text-xs">
          <span className="min-w-0">
            <span className="block truncate font-medium">{r.label}</span>
            {r.sub && <span className="block truncate text-muted">{r.sub}</span>}
          </span>
          <span className="relative h-3 rounded-sm bg-surface-2">
            <span
              className="absolute inset-y-0 left-0 rounded-sm"
              style={{ width: `${Math.max(1, (r.value / top) * 100)}%`, background: r.color }}
            />
            {r.whisker !== undefined && (
              <span
                aria-hidden
                className="absolute -inset-y-0.5 w-0.5 rounded bg-foreground/50"
                style={{ left: `calc(${Math.min(100, (r.whisker / top) * 100)}% - 1px)` }}
              />
            )}
          </span>
          <span className="text-right tabular-nums text-muted">{r.text}</span>
        </li>
      ))}
    </ul>
  );
}

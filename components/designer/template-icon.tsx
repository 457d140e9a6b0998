import {
  Bell,
  Box,
  CloudUpload,
  Coffee,
  Container,
  Database,
  Gauge,
  GitBranch,
  Hammer,
  Hexagon,
  Rocket,
  Send,
  ShieldCheck,
  ShipWheel,
  Tag,
  Terminal,
  Ticket,
  UserCheck,
  type LucideIcon,
} from "lucide-react";

/**
 * Templates name a lucide icon; only the ones the catalog uses are bundled (importing all of
 * lucide by name would ship every icon to the browser). Unknown names fall back to a box.
 */
const ICONS: Record<string, LucideIcon> = {
  bell: Bell,
  box: Box,
  "cloud-upload": CloudUpload,
  coffee: Coffee,
  container: Container,
  database: Database,
  gauge: Gauge,
  "git-branch": GitBranch,
  hammer: Hammer,
  hexagon: Hexagon,
  rocket: Rocket,
  send: Send,
  "shield-check": ShieldCheck,
  "ship-wheel": ShipWheel,
  tag: Tag,
  terminal: Terminal,
  ticket: Ticket,
  "user-check": UserCheck,
};

export function TemplateIcon({ icon, className }: { icon?: string; className?: string }) {
  const Icon = (icon && ICONS[icon]) || Box;
  return <Icon aria-hidden className={className} />;
}

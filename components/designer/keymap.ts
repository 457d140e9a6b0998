import type { KeyboardEvent } from "react";
import type { Selection } from "@/lib/designer/to-graph";
import type { PipelineDoc } from "@/lib/designer/types";
import { selectionFromKey, type Move, type SelectedNode } from "./selection";

/**
 * The designer's keyboard shortcuts as a table: the first binding that matches a key press runs.
 * Node bindings act on the focused node (Tab moves focus without clicking), else on the selected
 * one, and are skipped when there is neither.
 */

/** A key press as the bindings read it. */
export interface KeyPress {
  /** `KeyboardEvent.key`, lower-cased: "z", "delete", "arrowleft". */
  key: string;
  /** Ctrl or ⌘. */
  mod: boolean;
  shift: boolean;
  alt: boolean;
  /** The arrow key's direction, null for other keys. */
  arrow: Move | null;
  /** The key went to the canvas (not the palette or the inspector). */
  onCanvas: boolean;
}

/** What the shortcuts do; the designer implements them. */
export interface DesignerKeyActions {
  undo: () => void;
  redo: () => void;
  /** Opens the save dialog when there is something valid to save. */
  save: () => void;
  remove: (node: SelectedNode) => void;
  duplicate: (node: SelectedNode) => void;
  move: (node: SelectedNode, m: Move) => void;
  /** Selects and focuses the neighbour in that direction, if there is one. */
  walk: (node: SelectedNode, m: Move) => void;
  deselect: () => void;
}

interface BindingBase {
  /** As the help shows it. */
  keys: string;
  matches: (k: KeyPress) => boolean;
  /** Leaves the browser's own action alone (otherwise it is prevented). */
  keepDefault?: true;
}

export type KeyBinding =
  | (BindingBase & { node?: false; run: (a: DesignerKeyActions) => void })
  | (BindingBase & { node: true; run: (a: DesignerKeyActions, node: SelectedNode, k: KeyPress) => void });

export const DESIGNER_KEYMAP: readonly KeyBinding[] = [
  { keys: "Ctrl+Z", matches: (k) => k.mod && k.key === "z" && !k.shift, run: (a) => a.undo() },
  { keys: "Ctrl+Shift+Z, Ctrl+Y", matches: (k) => k.mod && ((k.key === "z" && k.shift) || k.key === "y"), run: (a) => a.redo() },
  { keys: "Ctrl+S", matches: (k) => k.mod && k.key === "s", run: (a) => a.save() },
  { keys: "Delete, Backspace", node: true, matches: (k) => k.key === "delete" || k.key === "backspace", run: (a, n) => a.remove(n) },
  { keys: "Ctrl+D", node: true, matches: (k) => k.mod && k.key === "d", run: (a, n) => a.duplicate(n) },
  {
    keys: "Alt+arrows",
    node: true,
    matches: (k) => k.alt && k.arrow !== null,
    run: (a, n, k) => {
      if (k.arrow) a.move(n, k.arrow);
    },
  },
  { keys: "Escape", node: true, keepDefault: true, matches: (k) => k.key === "escape", run: (a) => a.deselect() },
  {
    keys: "Arrows",
    node: true,
    matches: (k) => k.arrow !== null && !k.mod && !k.shift && k.onCanvas,
    run: (a, n, k) => {
      if (k.arrow) a.walk(n, k.arrow);
    },
  },
];

/** The binding a key press triggers: the first that matches and, for a node binding, has a node. */
export function bindingFor(k: KeyPress, hasNode: boolean): KeyBinding | undefined {
  return DESIGNER_KEYMAP.find((b) => (!b.node || hasNode) && b.matches(k));
}

const ARROWS: Record<string, Move> = { arrowup: "up", arrowdown: "down", arrowleft: "left", arrowright: "right" };

export function keyPress(e: KeyboardEvent): KeyPress {
  const key = e.key.toLowerCase();
  return {
    key,
    mod: e.ctrlKey || e.metaKey,
    shift: e.shiftKey,
    alt: e.altKey,
    arrow: ARROWS[key] ?? null,
    onCanvas: !!(e.target as HTMLElement).closest?.(".gantry-canvas"),
  };
}

const isTyping = (t: EventTarget | null) =>
  t instanceof HTMLElement && (t.isContentEditable || t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT");

/** The designer's keydown handler: keys typed into a field, or while a dialog is open, are not shortcuts. */
export function handleDesignerKey(
  e: KeyboardEvent,
  { doc, selected, dialogOpen, actions }: { doc: PipelineDoc; selected: Selection; dialogOpen: boolean; actions: DesignerKeyActions },
) {
  if (isTyping(e.target) || dialogOpen) return;
  const focusedKey = (e.target as HTMLElement).dataset?.nodeKey;
  const node = focusedKey !== undefined ? (selectionFromKey(focusedKey, doc) ?? selected) : selected;
  const press = keyPress(e);
  const binding = bindingFor(press, node !== null);
  if (!binding) return;
  if (!binding.keepDefault) e.preventDefault();
  if (!binding.node) binding.run(actions);
  else if (node) binding.run(actions, node, press);
}

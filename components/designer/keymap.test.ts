import type { KeyboardEvent } from "react";
import { describe, expect, it } from "vitest";
import { bindingFor, keyPress, type KeyPress } from "./keymap";

/** A key press as the browser reports it, read the way the designer reads it. */
const press = (key: string, { mod = false, shift = false, alt = false, onCanvas = false } = {}) =>
  keyPress({
    key,
    ctrlKey: mod,
    metaKey: false,
    shiftKey: shift,
    altKey: alt,
    target: { closest: (selector: string) => (onCanvas && selector === ".gantry-canvas" ? {} : null) },
  } as unknown as KeyboardEvent);

/** The binding's help keys, or null when the press does nothing. */
const which = (k: KeyPress, hasNode = true) => bindingFor(k, hasNode)?.keys ?? null;

describe("designer keymap", () => {
  it.each([
    ["Ctrl+Z undoes", press("z", { mod: true }), "Ctrl+Z"],
    ["Ctrl+Shift+Z redoes", press("Z", { mod: true, shift: true }), "Ctrl+Shift+Z, Ctrl+Y"],
    ["Ctrl+Y redoes", press("y", { mod: true }), "Ctrl+Shift+Z, Ctrl+Y"],
    ["Ctrl+S asks to save", press("s", { mod: true }), "Ctrl+S"],
    ["Delete deletes the node", press("Delete"), "Delete, Backspace"],
    ["Backspace deletes it too", press("Backspace"), "Delete, Backspace"],
    ["Ctrl+D duplicates", press("d", { mod: true }), "Ctrl+D"],
    ["Alt+arrow moves the node", press("ArrowLeft", { alt: true, onCanvas: true }), "Alt+arrows"],
    ["Escape clears the selection", press("Escape"), "Escape"],
    ["an arrow on the canvas walks", press("ArrowDown", { onCanvas: true }), "Arrows"],
  ])("%s", (_, k, keys) => {
    expect(which(k)).toBe(keys);
  });

  it("undoes, redoes and saves without a node; node keys do nothing without one", () => {
    expect(which(press("z", { mod: true }), false)).toBe("Ctrl+Z");
    expect(which(press("s", { mod: true }), false)).toBe("Ctrl+S");
    for (const k of [press("Delete"), press("d", { mod: true }), press("Escape"), press("ArrowUp", { onCanvas: true })])
      expect(which(k, false)).toBeNull();
  });

  it("leaves arrows alone outside the canvas and with Ctrl or Shift", () => {
    expect(which(press("ArrowUp"))).toBeNull();
    expect(which(press("ArrowUp", { onCanvas: true, shift: true }))).toBeNull();
    expect(which(press("ArrowUp", { onCanvas: true, mod: true }))).toBeNull();
  });

  it("lets only Escape keep the browser's default", () => {
    expect(bindingFor(press("Escape"), true)?.keepDefault).toBe(true);
    expect(bindingFor(press("Delete"), true)?.keepDefault).toBeUndefined();
  });

  it("ignores letters without Ctrl or ⌘", () => {
    for (const key of ["z", "y", "s", "d"]) expect(which(press(key))).toBeNull();
  });
});

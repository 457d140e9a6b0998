/** Theme choice: "system" follows prefers-color-scheme; light/dark pin it with a class on <html>. */
export type Theme = "system" | "light" | "dark";
export const THEME_KEY = "gantry-theme";

export function applyTheme(t: Theme) {
  const c = document.documentElement.classList;
  c.remove("light", "dark");
  if (t !== "system") c.add(t);
}

/** Runs before paint so a pinned theme never flashes the other one. */
export const THEME_SCRIPT = `try{var t=localStorage.getItem(${JSON.stringify(THEME_KEY)});if(t==="light"||t==="dark")document.documentElement.classList.add(t)}catch(e){}`;

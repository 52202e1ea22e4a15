// The colour theme: light, dark, or the system's (the default). The choice is kept in this browser's localStorage;
// THEME_SCRIPT applies it before the first paint (no flash of the other theme), and the toggle changes it live.
// Tailwind's dark: variant follows the "dark" class on <html> (app/globals.css), which the script and the toggle set.

export const THEMES = ["system", "light", "dark"] as const;
export type Theme = (typeof THEMES)[number];
export const THEME_KEY = "gantry-theme";

/** Runs in <head> before the page paints: the stored choice (or the system's) as the class and color-scheme. */
export const THEME_SCRIPT = `(function(){try{var t=localStorage.getItem(${JSON.stringify(THEME_KEY)});if(t!=="light"&&t!=="dark")t="system";var d=t==="dark"||(t==="system"&&matchMedia("(prefers-color-scheme: dark)").matches);var e=document.documentElement;e.classList.toggle("dark",d);e.style.colorScheme=d?"dark":"light";e.dataset.theme=t;}catch(_){}})()`;

/** Applies a theme to the document now (the toggle's change, or the system's while "system" is chosen). */
export function applyTheme(theme: Theme): void {
  const dark = theme === "dark" || (theme === "system" && window.matchMedia("(prefers-color-scheme: dark)").matches);
  const root = document.documentElement;
  root.classList.toggle("dark", dark);
  root.style.colorScheme = dark ? "dark" : "light";
  root.dataset.theme = theme;
}

export function storedTheme(): Theme {
  try {
    const t = localStorage.getItem(THEME_KEY);
    return t === "light" || t === "dark" ? t : "system";
  } catch {
    return "system";
  }
}

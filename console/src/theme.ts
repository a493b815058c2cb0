// Light and dark: the system's choice unless the user picked one in the console.
export type Theme = "light" | "dark";

const STORAGE_KEY = "tapline.theme";

export function currentTheme(): Theme {
  const chosen = localStorage.getItem(STORAGE_KEY);
  if (chosen === "light" || chosen === "dark") return chosen;
  return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function applyTheme(theme: Theme = currentTheme()): void {
  document.documentElement.dataset.theme = theme;
}

/** Fired on window when the user picks a theme, so that charts redraw in it. */
export const THEME_CHANGED = "tapline-theme";

export function chooseTheme(theme: Theme): void {
  localStorage.setItem(STORAGE_KEY, theme);
  applyTheme(theme);
  window.dispatchEvent(new Event(THEME_CHANGED));
}

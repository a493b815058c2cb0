// The signed-in key. It lives in sessionStorage (gone when the browser session ends) unless the
// user asked to be remembered on this device; it never goes into a URL or a log.
import type { ApiKey } from "@tapline/client";

const STORAGE_KEY = "tapline.key";

export type Scope = "ingest" | "read" | "replay" | "admin";

export function storedKey(): string | null {
  return sessionStorage.getItem(STORAGE_KEY) ?? localStorage.getItem(STORAGE_KEY);
}

export function storeKey(key: string, remember: boolean): void {
  forgetKey();
  (remember ? localStorage : sessionStorage).setItem(STORAGE_KEY, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
  localStorage.removeItem(STORAGE_KEY);
}

/** What the signed-in key may do, as the console decides which pages to offer. */
export class Access {
  constructor(readonly key: ApiKey) {}

  get admin(): boolean {
    return this.key.scopes.includes("admin");
  }

  may(scope: Scope): boolean {
    return this.admin || this.key.scopes.includes(scope);
  }

  /** The one service the key is bound to, or "" when it sees all. */
  get boundService(): string {
    return this.admin ? "" : this.key.service;
  }
}

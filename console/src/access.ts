import { createContext, useContext } from "react";
import type { Access } from "./session";

export const AccessContext = createContext<Access | null>(null);

/** The signed-in key's access; pages under the layout always have one. */
export function useAccess(): Access {
  const access = useContext(AccessContext);
  if (!access) throw new Error("useAccess outside a signed-in page");
  return access;
}

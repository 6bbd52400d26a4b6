import type { ReactNode } from "react";
import { useSession } from "../auth/session";
import { NotFound } from "../pages/NotFound";
import type { Role } from "./routeTypes";

// A page the role may not open looks exactly like a page that does not exist (the API answers
// 404 for another tenant's objects in the same way), so nothing leaks through the UI either.
export function RequireRole({ roles, children }: { roles: readonly Role[]; children: ReactNode }) {
  const { claims } = useSession();
  if (!claims || !(roles as readonly string[]).includes(claims.role)) return <NotFound />;
  return <>{children}</>;
}

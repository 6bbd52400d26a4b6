import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { Loading } from "../components/Loading";
import { useSession } from "./session";

export function RequireAuth({ children }: { children: ReactNode }) {
  const { claims, restoring } = useSession();
  const location = useLocation();
  if (restoring) return <Loading />;
  if (!claims) return <Navigate to={`/signin?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  return <>{children}</>;
}

// Every console page of every feature module, in navigation order.
import { adminRoutes } from "../admin/routes";
import { operatorRoutes } from "../operator/routes";
import { reportsRoutes } from "../reports/routes";
import type { ConsoleRoute } from "./routeTypes";

export const consoleRoutes: readonly ConsoleRoute[] = [...adminRoutes, ...reportsRoutes, ...operatorRoutes];

export function navFor(role: string | undefined): ConsoleRoute[] {
  return consoleRoutes.filter((r) => r.navKey && (r.roles as readonly string[]).includes(role ?? ""));
}

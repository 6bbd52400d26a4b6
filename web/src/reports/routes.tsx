// The reports feature's console pages (see console/routeTypes.ts). The pages (and, through
// them, the chart library) are loaded on first use: a learner's first load carries none of it.
import { Navigate } from "react-router";
import { useSession } from "../auth/session";
import { lazyPage } from "../components/lazyPage";
import type { ConsoleRoute, Role } from "../console/routeTypes";


/** The navigation's links lead to the signed-in user's own tenant. */
function OwnTenant({ to }: { to: string }) {
  const { claims } = useSession();
  return <Navigate replace to={`/tenants/${claims?.tenantId}/${to}`} />;
}

const TENANT_READERS: readonly Role[] = ["tenant_admin", "report_viewer"];
const READERS: readonly Role[] = ["operator_admin", "tenant_admin", "report_viewer"];

export const reportsRoutes: ConsoleRoute[] = [
  { path: "/reports", roles: TENANT_READERS, element: <OwnTenant to="report" />, navKey: "reports.nav.dashboard" },
  { path: "/year-end", roles: TENANT_READERS, element: <OwnTenant to="year-end" />, navKey: "reports.nav.yearEnd" },
  { path: "/tenants/:tenantId/report", roles: READERS, element: lazyPage(() => import("./Dashboard").then((m) => m.Dashboard)) },
  { path: "/tenants/:tenantId/year-end", roles: READERS, element: lazyPage(() => import("./YearEnd").then((m) => m.YearEnd)) },
  { path: "/tenants/:tenantId/courses/:courseId/progress", roles: ["operator_admin", "tenant_admin"], element: lazyPage(() => import("./StaffProgress").then((m) => m.StaffProgress)) },
];

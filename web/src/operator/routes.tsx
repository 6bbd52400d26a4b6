// The operator feature's console pages (see console/routeTypes.ts), loaded on first use.
import { lazyPage } from "../components/lazyPage";
import type { ConsoleRoute } from "../console/routeTypes";


export const operatorRoutes: ConsoleRoute[] = [
  { path: "/operator/tenants", roles: ["operator_admin"], element: lazyPage(() => import("./Tenants").then((m) => m.Tenants)), navKey: "operator.nav.tenants" },
  { path: "/operator/courses", roles: ["operator_admin"], element: lazyPage(() => import("./NationalCourses").then((m) => m.NationalCourses)), navKey: "operator.nav.courses" },
  { path: "/operator/integrations", roles: ["operator_admin"], element: lazyPage(() => import("./Integrations").then((m) => m.Integrations)), navKey: "operator.nav.integrations" },
  { path: "/operator/national", roles: ["operator_admin"], element: lazyPage(() => import("./National").then((m) => m.National)), navKey: "operator.nav.national" },
];

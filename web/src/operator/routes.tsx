// The operator feature's console pages (see console/routeTypes.ts).
import type { ConsoleRoute } from "../console/routeTypes";

export const operatorRoutes: ConsoleRoute[] = [];

// A console page as a feature module declares it: its path, the roles that may open it and,
// when it belongs in the top navigation, the i18n key of its link. App.tsx mounts every
// feature's list; Layout shows the links the signed-in role may follow.
import type { ReactElement } from "react";

export type Role = "operator_admin" | "tenant_admin" | "instructor" | "report_viewer" | "learner";

export type ConsoleRoute = {
  path: string;
  roles: readonly Role[];
  element: ReactElement;
  /** i18n key of the navigation link; pages reached only by links inside the console omit it. */
  navKey?: string;
};

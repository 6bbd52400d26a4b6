import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { BrowserRouter, Route, Routes, useLocation } from "react-router";
import { RequireAuth } from "./auth/RequireAuth";
import { SessionProvider } from "./auth/session";
import { Layout } from "./components/Layout";
import { RequireRole } from "./console/RequireRole";
import { consoleRoutes } from "./console/routes";
import { Activate } from "./pages/Activate";
import { Catalog } from "./pages/Catalog";
import { Certificates } from "./pages/Certificates";
import { CoursePage } from "./pages/CoursePage";
import { MyCourses } from "./pages/MyCourses";
import { NotFound } from "./pages/NotFound";
import { SignIn } from "./pages/SignIn";
import { Verify } from "./pages/Verify";

// Console pages (admin, reports, operator) come from the feature modules in console/routes.ts,
// each behind RequireAuth and RequireRole.
function AppRoutes() {
  const location = useLocation();
  const { t } = useTranslation();
  useEffect(() => { document.title = t("app.name"); }, [t]);
  useEffect(() => { document.getElementById("main")?.focus({ preventScroll: true }); }, [location.pathname]);
  return (
    <Layout>
      <Routes>
        <Route path="/signin" element={<SignIn />} />
        <Route path="/activate" element={<Activate />} />
        <Route path="/verify/:code" element={<Verify />} />
        <Route path="/" element={<RequireAuth><MyCourses /></RequireAuth>} />
        <Route path="/catalog" element={<RequireAuth><Catalog /></RequireAuth>} />
        <Route path="/courses/:courseId" element={<RequireAuth><CoursePage /></RequireAuth>} />
        <Route path="/certificates" element={<RequireAuth><Certificates /></RequireAuth>} />
        {consoleRoutes.map((r) => (
          <Route key={r.path} path={r.path} element={<RequireAuth><RequireRole roles={r.roles}>{r.element}</RequireRole></RequireAuth>} />
        ))}
        <Route path="*" element={<NotFound />} />
      </Routes>
    </Layout>
  );
}

export function App() {
  return (
    <BrowserRouter>
      <SessionProvider>
        <AppRoutes />
      </SessionProvider>
    </BrowserRouter>
  );
}

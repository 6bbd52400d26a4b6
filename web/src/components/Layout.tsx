import { useEffect, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link, NavLink, useNavigate } from "react-router";
import { useSession } from "../auth/session";
import { navFor } from "../console/routes";
import { LanguageSwitch } from "./LanguageSwitch";

export function Layout({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const { claims, fullName, signOut, queue } = useSession();
  const navigate = useNavigate();
  const [sync, setSync] = useState({ pending: 0, failing: false });
  useEffect(() => queue?.subscribe(setSync), [queue]);

  return (
    <>
      <a className="skip" href="#main">{t("app.skip")}</a>
      <header className="top">
        <Link to="/" className="brand">{t("app.name")}</Link>
        {claims && (
          <nav aria-label={t("nav.main")}>
            <NavLink to="/" end>{t("nav.myCourses")}</NavLink>
            <NavLink to="/catalog">{t("nav.catalog")}</NavLink>
            <NavLink to="/certificates">{t("nav.certificates")}</NavLink>
            {navFor(claims.role).map((r) => <NavLink key={r.path} to={r.path}>{t(r.navKey!)}</NavLink>)}
          </nav>
        )}
        <div className="account">
          <LanguageSwitch />
          {claims && <span className="who">{fullName}</span>}
          {claims && (
            <button type="button" className="link" onClick={async () => { await signOut(); navigate("/signin"); }}>
              {t("nav.signOut")}
            </button>
          )}
        </div>
      </header>
      <div className="sync" role="status" aria-live="polite">
        {sync.failing ? t("course.offline") : sync.pending > 0 ? t("course.pending", { count: sync.pending }) : ""}
      </div>
      <main id="main" tabIndex={-1}>{children}</main>
    </>
  );
}

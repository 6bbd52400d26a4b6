import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, Navigate, useNavigate, useSearchParams } from "react-router";
import { ApiError, fieldErrors } from "../api/client";
import { useSession } from "../auth/session";
import { ErrorAlert } from "../components/ErrorAlert";
import { Field } from "../components/Field";

export function SignIn() {
  const { t } = useTranslation();
  const { claims, signIn } = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [username, setUsername] = useState(params.get("username") ?? "");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const next = params.get("next")?.startsWith("/") ? params.get("next")! : "/";
  if (claims) return <Navigate to={next} replace />;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(username.trim(), password);
      navigate(next, { replace: true });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  const wrong = error instanceof ApiError && error.code === "authentication_failed";
  const fields = fieldErrors(error);
  return (
    <section className="card narrow">
      <h1>{t("signIn.title")}</h1>
      {params.get("activated") && <p className="alert alert-ok" role="status">{t("activate.done")}</p>}
      <ErrorAlert error={error} override={wrong ? t("signIn.failed") : undefined} />
      <form onSubmit={submit} noValidate>
        <Field label={t("signIn.username")} name="username" autoComplete="username" required value={username}
               onChange={(e) => setUsername(e.target.value)} error={fields.username} />
        <Field label={t("signIn.password")} name="password" type="password" autoComplete="current-password" required
               value={password} onChange={(e) => setPassword(e.target.value)} error={fields.password} />
        <button type="submit" className="primary" disabled={busy}>{t("signIn.submit")}</button>
      </form>
      <p><Link to="/activate">{t("signIn.firstTime")}</Link></p>
    </section>
  );
}

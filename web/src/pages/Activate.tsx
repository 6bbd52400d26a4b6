import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useSearchParams } from "react-router";
import { api, fieldErrors } from "../api/client";
import { passwordRules } from "../auth/passwordRules";
import { useSession } from "../auth/session";
import { ErrorAlert } from "../components/ErrorAlert";
import { Field } from "../components/Field";

/** First sign-in of an imported learner: activation code + a new password (rules shown live).
 *  `?username=&code=` prefill the form (links in the activation letter). */
export function Activate() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const { signIn } = useSession();
  const [username, setUsername] = useState(params.get("username") ?? "");
  const [code, setCode] = useState(params.get("code") ?? "");
  const [password, setPassword] = useState("");
  const [confirmation, setConfirmation] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const rules = passwordRules(password, username, confirmation);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await api.activate(code.trim(), password);
      if (username.trim()) {
        await signIn(username.trim(), password);
        navigate("/", { replace: true });
      } else {
        navigate("/signin?activated=1", { replace: true });
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  const fields = fieldErrors(error);
  return (
    <section className="card narrow">
      <h1>{t("activate.title")}</h1>
      <p>{t("activate.intro")}</p>
      <ErrorAlert error={error} />
      <form onSubmit={submit} noValidate>
        <Field label={t("activate.username")} name="username" autoComplete="username" value={username}
               onChange={(e) => setUsername(e.target.value)} error={fields.username} />
        <Field label={t("activate.code")} name="code" autoComplete="one-time-code" required value={code}
               onChange={(e) => setCode(e.target.value)} error={fields.code} />
        <Field label={t("activate.password")} name="password" type="password" autoComplete="new-password" required
               value={password} onChange={(e) => setPassword(e.target.value)} error={fields.password} />
        <Field label={t("activate.confirm")} name="confirmation" type="password" autoComplete="new-password" required
               value={confirmation} onChange={(e) => setConfirmation(e.target.value)} />
        <div className="rules" aria-live="polite">
          <h2 id="rules-title">{t("activate.rules")}</h2>
          <ul aria-labelledby="rules-title">
            {rules.map((r) => (
              <li key={r.key} className={r.met ? "met" : "unmet"}>
                <span aria-hidden="true">{r.met ? "✓" : "•"}</span> {t(`activate.${r.key}`)}
                <span className="sr-only"> ({t(r.met ? "activate.ruleMet" : "activate.ruleUnmet")})</span>
              </li>
            ))}
            <li className="server"><span aria-hidden="true">•</span> {t("activate.ruleCommon")}</li>
          </ul>
        </div>
        <button type="submit" className="primary" disabled={busy || !rules.every((r) => r.met) || !code.trim()}>
          {t("activate.submit")}
        </button>
      </form>
    </section>
  );
}

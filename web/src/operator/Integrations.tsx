import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";
import { api, fieldErrors } from "../api/client";
import type { RegisteredSubscriber, Subscriber } from "../api/types";
import { ErrorAlert } from "../components/ErrorAlert";
import { Field } from "../components/Field";
import { Loading } from "../components/Loading";
import { useAsync } from "../components/useAsync";
import { formatDateTime } from "../i18n/format";
import { agencyProblems, blankAgency, credentialLines, subscriberBody, type AgencyForm } from "./agencyForm";
import { OneTimeCredentials } from "./OneTimeCredentials";

const STATES = ["dead", "pending", "delivered"] as const;
type State = (typeof STATES)[number];

/** Integrating agencies: their subscriptions, each webhook's delivery log (the dead letters
 * first) and a replay of a time window; registering an agency and rotating a webhook's secret,
 * whose credentials the API shows once (docs/integrations.md). */
export function Integrations() {
  const { t, i18n } = useTranslation();
  const [params, setParams] = useSearchParams();
  const { data, error, loading, reload } = useAsync(() => api.subscribers(), []);
  const [shown, setShown] = useState<{ title: string; lines: [string, string][] } | null>(null);
  const selected = params.get("subscriber") ?? data?.items[0]?.subscriber_id ?? null;
  const state = (STATES as readonly string[]).includes(params.get("state") ?? "") ? (params.get("state") as State) : "dead";
  if (loading && !data) return <Loading />;
  const subscriber = data?.items.find((s) => s.subscriber_id === selected);
  const set = (key: string, value: string) => { const next = new URLSearchParams(params); next.set(key, value); setParams(next); };

  return (
    <section>
      <h1>{t("operator.integrations.title")}</h1>
      <ErrorAlert error={error} />
      {shown && <OneTimeCredentials title={shown.title} lines={shown.lines} onClose={() => setShown(null)} />}
      {data?.items.length === 0 && <p>{t("operator.integrations.none")}</p>}
      <div className="table-scroll" role="region" tabIndex={0} aria-label={t("operator.integrations.table")}>
        <table className="data" data-testid="subscribers">
          <thead><tr>
            <th scope="col">{t("operator.integrations.name")}</th><th scope="col">{t("operator.integrations.kind")}</th>
            <th scope="col">{t("operator.tenants.status")}</th><th scope="col">{t("operator.integrations.target")}</th>
          </tr></thead>
          <tbody>
            {data?.items.map((s) => (
              <tr key={s.subscriber_id} aria-current={s.subscriber_id === selected ? "true" : undefined}>
                <th scope="row"><button type="button" className="link" onClick={() => set("subscriber", s.subscriber_id)}>{s.name}</button></th>
                <td>{t(`operator.agencies.kindShort.${s.kind}`, { defaultValue: s.kind })}</td><td>{t(`operator.agencies.statuses.${s.status}`, { defaultValue: s.status })}</td><td className="contact">{s.url ?? s.queue}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {subscriber && (
        <section className="card" aria-labelledby="deliveries-heading">
          <h2 id="deliveries-heading">{t("operator.integrations.deliveries", { name: subscriber.name })}</h2>
          <div className="filters">
            <label>{t("operator.integrations.state")}
              <select value={state} onChange={(e) => set("state", e.target.value)}>
                {STATES.map((s) => <option key={s} value={s}>{t(`operator.integrations.states.${s}`)}</option>)}
              </select>
            </label>
          </div>
          <Deliveries subscriberId={subscriber.subscriber_id} state={state} lang={i18n.language} />
          <Replay subscriberId={subscriber.subscriber_id} />
          {subscriber.kind === "webhook" && subscriber.status === "active" && (
            <RotateSecret subscriber={subscriber} onRotated={(secret) => setShown({
              title: t("operator.agencies.rotatedTitle", { name: subscriber.name }), lines: [["secret", secret]] })} />
          )}
        </section>
      )}
      <Register onRegistered={(registered) => {
        setShown({ title: t("operator.agencies.registeredTitle", { name: registered.name }), lines: credentialLines(registered.credentials) });
        set("subscriber", registered.subscriber_id);
        reload();
      }} />
    </section>
  );
}

/** Registers an agency: a webhook (its HTTPS endpoint) or an AMQP queue of its own, for the
 *  events of the chosen tenants (and of the platform itself: national courses). */
function Register({ onRegistered }: { onRegistered: (s: RegisteredSubscriber) => void }) {
  const { t } = useTranslation();
  const tenants = useAsync(() => api.tenants(), []);
  const [form, setForm] = useState<AgencyForm>(blankAgency());
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = { ...Object.fromEntries(Object.entries(problems).map(([k, v]) => [k, t(v)])), ...fieldErrors(error) };
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const found = agencyProblems(form);
    setProblems(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      onRegistered(await api.registerSubscriber(subscriberBody(form)));
      setForm(blankAgency());
    } catch (err) { setError(err); } finally { setBusy(false); }
  }
  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="register-title" data-testid="register-agency">
      <h2 id="register-title">{t("operator.agencies.register")}</h2>
      <ErrorAlert error={error} />
      <Field label={t("operator.agencies.name")} required maxLength={200} value={form.name} error={errors.name}
        onChange={(e) => setForm({ ...form, name: e.target.value })} />
      <fieldset>
        <legend>{t("operator.agencies.kind")}</legend>
        {(["webhook", "amqp"] as const).map((kind) => (
          <label className="option" key={kind}><input type="radio" name="agency-kind" checked={form.kind === kind}
            onChange={() => setForm({ ...form, kind })} />{t(`operator.agencies.kinds.${kind}`)}</label>
        ))}
      </fieldset>
      {form.kind === "webhook" && (
        <Field label={t("operator.agencies.url")} type="url" required maxLength={2000} value={form.url} error={errors.url}
          hint={t("operator.agencies.urlHint")} onChange={(e) => setForm({ ...form, url: e.target.value })} />
      )}
      <fieldset aria-describedby={errors.tenants ? "agency-tenants-error" : undefined}>
        <legend>{t("operator.agencies.tenants")}</legend>
        <label className="option"><input type="checkbox" checked={form.platform}
          onChange={(e) => setForm({ ...form, platform: e.target.checked })} />{t("operator.agencies.platform")}</label>
        {(tenants.data ?? []).map((x) => (
          <label className="option" key={x.tenant_id}>
            <input type="checkbox" checked={form.tenants.includes(x.tenant_id)} onChange={(e) => setForm({
              ...form, tenants: e.target.checked ? [...form.tenants, x.tenant_id] : form.tenants.filter((id) => id !== x.tenant_id) })} />
            {x.code} · {x.name}
          </label>
        ))}
        {errors.tenants && <div id="agency-tenants-error" className="field-error">{errors.tenants}</div>}
      </fieldset>
      <p className="hint">{t("operator.agencies.eventsHint")}</p>
      <button type="submit" className="primary" disabled={busy}>{t("operator.agencies.registerButton")}</button>
    </form>
  );
}

const GRACE_SECONDS = [0, 3600, 86400, 604800];

/** A new signing secret for a webhook; during the grace period deliveries carry both signatures. */
function RotateSecret({ subscriber, onRotated }: { subscriber: Subscriber; onRotated: (secret: string) => void }) {
  const { t } = useTranslation();
  const [grace, setGrace] = useState("86400");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!window.confirm(t("operator.agencies.confirmRotate", { name: subscriber.name }))) return;
    setError(null);
    setBusy(true);
    try {
      onRotated((await api.rotateSecret(subscriber.subscriber_id, Number(grace))).secret);
    } catch (err) { setError(err); } finally { setBusy(false); }
  }
  return (
    <form onSubmit={submit} className="rotate-secret" data-testid="rotate-secret">
      <h3>{t("operator.agencies.rotate")}</h3>
      <ErrorAlert error={error} />
      <label htmlFor="rotate-grace">{t("operator.agencies.grace")}</label>
      <select id="rotate-grace" value={grace} onChange={(e) => setGrace(e.target.value)}>
        {GRACE_SECONDS.map((g) => <option key={g} value={String(g)}>{t(`operator.agencies.graces.${g}`)}</option>)}
      </select>
      <div className="actions"><button type="submit" disabled={busy}>{t("operator.agencies.rotateButton")}</button></div>
    </form>
  );
}

function Deliveries({ subscriberId, state, lang }: { subscriberId: string; state: State; lang: string }) {
  const { t } = useTranslation();
  const { data, error } = useAsync(() => api.deliveries(subscriberId, state), [subscriberId, state]);
  return (
    <>
      <ErrorAlert error={error} />
      <p role="status">{t("operator.integrations.count", { count: data?.items.length ?? 0 })}</p>
      <div className="table-scroll" role="region" tabIndex={0} aria-label={t("operator.integrations.deliveryTable")}>
        <table className="data" data-testid="deliveries">
          <thead><tr>
            <th scope="col">{t("operator.integrations.event")}</th><th scope="col">{t("operator.integrations.created")}</th>
            <th scope="col">{t("operator.integrations.attempts")}</th><th scope="col">{t("operator.integrations.lastError")}</th>
          </tr></thead>
          <tbody>
            {data?.items.map((d) => (
              <tr key={d.delivery_id}>
                <th scope="row"><code>{d.event_type}</code></th><td>{formatDateTime(d.created_at, lang)}</td>
                <td>{d.attempts}</td><td className="contact">{d.last_status_code ?? ""} {d.last_error ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** Re-delivers every logged event of a window (default: the last 24 hours). */
function Replay({ subscriberId }: { subscriberId: string }) {
  const { t } = useTranslation();
  const [hours, setHours] = useState("24");
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!window.confirm(t("operator.integrations.confirmReplay", { hours }))) return;
    setError(null); setResult(null);
    try {
      const since = new Date(Date.now() - Number(hours) * 3600_000).toISOString();
      const { replay_id } = await api.replay(subscriberId, since, null);
      let status = await api.replayState(subscriberId, replay_id);
      for (let i = 0; i < 20 && status.state !== "done"; i++) {
        await new Promise((r) => setTimeout(r, 500));
        status = await api.replayState(subscriberId, replay_id);
      }
      setResult(t(status.state === "done" ? "operator.integrations.replayed" : "operator.integrations.replaying", { count: status.queued }));
    } catch (err) { setError(err); }
  }
  return (
    <form onSubmit={submit} className="replay">
      <h3>{t("operator.integrations.replay")}</h3>
      <ErrorAlert error={error} />
      {result && <div className="alert alert-ok" role="status">{result}</div>}
      <label htmlFor="replay-hours">{t("operator.integrations.hours")}</label>
      <select id="replay-hours" value={hours} onChange={(e) => setHours(e.target.value)}>
        {["1", "24", "168", "720"].map((h) => <option key={h} value={h}>{t(`operator.integrations.window.${h}`)}</option>)}
      </select>
      <div className="actions"><button type="submit" className="primary">{t("operator.integrations.replayButton")}</button></div>
    </form>
  );
}

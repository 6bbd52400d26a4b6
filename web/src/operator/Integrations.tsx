import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";
import { api } from "../api/client";
import { ErrorAlert } from "../components/ErrorAlert";
import { Loading } from "../components/Loading";
import { useAsync } from "../components/useAsync";
import { formatDateTime } from "../i18n/format";

const STATES = ["dead", "pending", "delivered"] as const;
type State = (typeof STATES)[number];

/** Integrating agencies: their subscriptions, each webhook's delivery log (the dead letters
 * first) and a replay of a time window. Registration and secret rotation stay in the API
 * (their credentials are shown once: docs/integrations.md). */
export function Integrations() {
  const { t, i18n } = useTranslation();
  const [params, setParams] = useSearchParams();
  const { data, error, loading } = useAsync(() => api.subscribers(), []);
  const selected = params.get("subscriber") ?? data?.items[0]?.subscriber_id ?? null;
  const state = (STATES as readonly string[]).includes(params.get("state") ?? "") ? (params.get("state") as State) : "dead";
  if (loading && !data) return <Loading />;
  const subscriber = data?.items.find((s) => s.subscriber_id === selected);
  const set = (key: string, value: string) => { const next = new URLSearchParams(params); next.set(key, value); setParams(next); };

  return (
    <section>
      <h1>{t("operator.integrations.title")}</h1>
      <ErrorAlert error={error} />
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
                <td>{s.kind}</td><td>{s.status}</td><td className="contact">{s.url ?? s.queue}</td>
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
        </section>
      )}
    </section>
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

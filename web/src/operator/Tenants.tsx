import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, fieldErrors } from "../api/client";
import type { Tenant, TenantInput } from "../api/types";
import { ErrorAlert } from "../components/ErrorAlert";
import { Field } from "../components/Field";
import { Loading } from "../components/Loading";
import { useAsync } from "../components/useAsync";
import { formatNumber } from "../i18n/format";
import { needsOverride, QUOTA_MIN, seatsText } from "./tenantForm";

const KINDS = ["ministry", "province", "government_agency", "state_enterprise", "press_agency"];
const PAGE = 200;

const EMPTY: TenantInput = { code: "", name: "", kind: "province", learner_quota: QUOTA_MIN, quota_override: false,
  focal_contact: { full_name: "", mobile: "", email: "" } };

/** The operator's tenants: seats used against the quota, status, create, edit, suspend. */
export function Tenants() {
  const { t, i18n } = useTranslation();
  const [offset, setOffset] = useState(0);
  const { data, error, loading, reload } = useAsync(() => api.tenants(offset, PAGE), [offset]);
  const [editing, setEditing] = useState<Tenant | "new" | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [message, setMessage] = useState<string | null>(null);
  const n = (v: number) => formatNumber(v, i18n.language);

  async function toggleSuspension(tenant: Tenant) {
    const suspend = tenant.status !== "suspended";
    if (!window.confirm(t(suspend ? "operator.tenants.confirmSuspend" : "operator.tenants.confirmReactivate", { name: tenant.name }))) return;
    setActionError(null);
    try {
      await api.setTenantSuspended(tenant.tenant_id, suspend);
      setMessage(t(suspend ? "operator.tenants.suspended" : "operator.tenants.reactivated", { name: tenant.name }));
      reload();
    } catch (e) { setActionError(e); }
  }

  if (loading && !data) return <Loading />;
  return (
    <section>
      <h1>{t("operator.tenants.title")}</h1>
      {message && <div className="alert alert-ok" role="status">{message}</div>}
      <ErrorAlert error={error ?? actionError} />
      {editing ? (
        <TenantForm tenant={editing === "new" ? null : editing} onCancel={() => setEditing(null)}
          onSaved={(saved) => { setEditing(null); setMessage(t("operator.tenants.saved", { name: saved.name })); reload(); }} />
      ) : <p><button type="button" className="primary" onClick={() => setEditing("new")}>{t("operator.tenants.create")}</button></p>}
      <div className="table-scroll" role="region" tabIndex={0} aria-label={t("operator.tenants.table")}>
        <table className="data" data-testid="tenants">
          <thead><tr>
            <th scope="col">{t("operator.columns.code")}</th><th scope="col">{t("operator.columns.name")}</th>
            <th scope="col">{t("operator.columns.seats_used")}</th><th scope="col">{t("operator.tenants.status")}</th>
            <th scope="col"><span className="sr-only">{t("operator.tenants.actions")}</span></th>
          </tr></thead>
          <tbody>
            {data?.map((tenant) => {
              const seats = seatsText(tenant.seats_used, tenant.learner_quota);
              return (
                <tr key={tenant.tenant_id} data-code={tenant.code}>
                  <th scope="row"><Link to={`/tenants/${tenant.tenant_id}/report`}>{tenant.code}</Link></th>
                  <td>{tenant.name}</td>
                  <td>
                    <span>{n(tenant.seats_used)} / {n(tenant.learner_quota)}</span>{" "}
                    <meter min={0} max={100} value={seats.percent} aria-label={t("operator.tenants.seatsShare", { percent: seats.percent })} />
                  </td>
                  <td>{t(`operator.tenants.statuses.${tenant.status}`, { defaultValue: tenant.status })}</td>
                  <td className="actions">
                    <button type="button" onClick={() => setEditing(tenant)} aria-label={t("operator.tenants.editOf", { code: tenant.code })}>{t("operator.tenants.edit")}</button>
                    <button type="button" onClick={() => toggleSuspension(tenant)}
                      aria-label={t(tenant.status === "suspended" ? "operator.tenants.reactivateOf" : "operator.tenants.suspendOf", { code: tenant.code })}>
                      {t(tenant.status === "suspended" ? "operator.tenants.reactivate" : "operator.tenants.suspend")}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div className="pager">
        <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(offset - PAGE, 0))}>{t("reports.progress.previous")}</button>
        <button type="button" disabled={(data?.length ?? 0) < PAGE} onClick={() => setOffset(offset + PAGE)}>{t("reports.progress.next")}</button>
      </div>
    </section>
  );
}

function TenantForm({ tenant, onCancel, onSaved }: { tenant: Tenant | null; onCancel: () => void; onSaved: (t: Tenant) => void }) {
  const { t } = useTranslation();
  const [form, setForm] = useState<TenantInput>(tenant ? {
    name: tenant.name, kind: tenant.kind, learner_quota: tenant.learner_quota, quota_override: false,
    focal_contact: { ...tenant.focal_contact } } : EMPTY);
  const [confirmed, setConfirmed] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = fieldErrors(error);
  const contactErrors = (error && typeof error === "object" && "errors" in error
    ? ((error as { errors: Record<string, unknown> }).errors.focal_contact ?? {}) : {}) as Record<string, string[]>;
  // An edit that keeps the quota sends none (a quota granted above 40,000 is not asked again).
  const quotaChanged = !tenant || form.learner_quota !== tenant.learner_quota;
  const override = quotaChanged && needsOverride(form.learner_quota);
  const contact = (key: keyof TenantInput["focal_contact"], value: string) =>
    setForm({ ...form, focal_contact: { ...form.focal_contact, [key]: value.normalize("NFC") } });

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true); setError(null);
    const body = { ...form, quota_override: override && confirmed };
    try {
      if (!tenant) onSaved(await api.createTenant(body));
      else {
        const { name, kind, focal_contact, learner_quota, quota_override } = body;
        onSaved(await api.updateTenant(tenant.tenant_id, quotaChanged ? { name, kind, focal_contact, learner_quota, quota_override }
          : { name, kind, focal_contact }));
      }
    } catch (err) { setError(err); } finally { setBusy(false); }
  }

  return (
    <form className="card" onSubmit={submit} aria-labelledby="tenant-form-title">
      <h2 id="tenant-form-title">{tenant ? t("operator.tenants.editTitle", { code: tenant.code }) : t("operator.tenants.create")}</h2>
      <ErrorAlert error={error} />
      {!tenant && <Field label={t("operator.columns.code")} required value={form.code} error={errors.code}
        onChange={(e) => setForm({ ...form, code: e.target.value })} />}
      <Field label={t("operator.columns.name")} required value={form.name} error={errors.name}
        onChange={(e) => setForm({ ...form, name: e.target.value.normalize("NFC") })} />
      <div className="field">
        <label htmlFor="tenant-kind">{t("operator.tenants.kind")}</label>
        <select id="tenant-kind" value={form.kind} onChange={(e) => setForm({ ...form, kind: e.target.value })}>
          {KINDS.map((k) => <option key={k} value={k}>{t(`operator.tenants.kinds.${k}`)}</option>)}
        </select>
      </div>
      <Field label={t("operator.columns.learner_quota")} type="number" min={QUOTA_MIN} required value={form.learner_quota}
        error={errors.learner_quota} hint={t("operator.tenants.quotaHint")}
        onChange={(e) => { setForm({ ...form, learner_quota: Number(e.target.value) }); setConfirmed(false); }} />
      {override && (
        <div className="alert alert-info">
          <label className="option">
            <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} />
            {t("operator.tenants.confirmOverride", { quota: form.learner_quota })}
          </label>
        </div>
      )}
      <fieldset>
        <legend>{t("operator.tenants.focal")}</legend>
        <Field label={t("operator.tenants.focalName")} required value={form.focal_contact.full_name}
          error={contactErrors.full_name?.[0]} onChange={(e) => contact("full_name", e.target.value)} />
        <Field label={t("operator.tenants.focalMobile")} required value={form.focal_contact.mobile} inputMode="tel"
          error={contactErrors.mobile?.[0]} onChange={(e) => contact("mobile", e.target.value)} />
        <Field label={t("operator.tenants.focalEmail")} required type="email" value={form.focal_contact.email}
          error={contactErrors.email?.[0]} onChange={(e) => contact("email", e.target.value)} />
      </fieldset>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy || (override && !confirmed)}>{t("operator.tenants.save")}</button>
        <button type="button" onClick={onCancel}>{t("operator.tenants.cancel")}</button>
      </div>
    </form>
  );
}

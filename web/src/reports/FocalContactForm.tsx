import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, ApiError } from "../api/client";
import type { FocalContact } from "../api/types";
import { ErrorAlert } from "../components/ErrorAlert";
import { Field } from "../components/Field";

/** The tenant admin keeps its year-end focal contact current (the API lets a tenant admin
 * change only this field of its tenant); field errors of the nested object go under their fields. */
export function FocalContactForm({ tenantId, contact, onSaved }: {
  tenantId: string; contact: FocalContact; onSaved: (contact: FocalContact) => void;
}) {
  const { t } = useTranslation();
  const [form, setForm] = useState<FocalContact>({ ...contact });
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const nested = (error instanceof ApiError
    ? ((error.errors as Record<string, unknown>).focal_contact ?? {}) : {}) as Record<string, string[]>;
  const set = (key: keyof FocalContact, value: string) => { setSaved(false); setForm({ ...form, [key]: value.normalize("NFC") }); };

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true); setError(null); setSaved(false);
    try {
      const tenant = await api.updateTenant(tenantId, { focal_contact: form });
      onSaved(tenant.focal_contact);
      setSaved(true);
    } catch (err) { setError(err); } finally { setBusy(false); }
  }

  return (
    <form onSubmit={submit} noValidate aria-label={t("reports.yearEnd.focal")}>
      {error !== null && Object.keys(nested).length === 0 && <ErrorAlert error={error} />}
      <Field label={t("reports.yearEnd.focalName")} required value={form.full_name}
        error={nested.full_name?.[0]} onChange={(e) => set("full_name", e.target.value)} />
      <Field label={t("reports.yearEnd.focalMobile")} required inputMode="tel" value={form.mobile}
        error={nested.mobile?.[0]} onChange={(e) => set("mobile", e.target.value)} />
      <Field label={t("reports.yearEnd.focalEmail")} required type="email" value={form.email}
        error={nested.email?.[0]} onChange={(e) => set("email", e.target.value)} />
      <div>
        <button type="submit" className="primary" disabled={busy}>{t("reports.yearEnd.saveFocal")}</button>
        <span role="status" className="hint">{saved ? t("reports.yearEnd.focalSaved") : ""}</span>
      </div>
    </form>
  );
}

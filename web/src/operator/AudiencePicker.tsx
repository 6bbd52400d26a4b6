import { useTranslation } from "react-i18next";
import type { Tenant } from "../api/types";

/** A national course's audience: every tenant (null) or the chosen tenants' ids. Used by the
 *  operator's create form and by the course editor (the audience can change after creation). */
export function AudiencePicker({ tenants, audience, onChange, error, disabled, name = "audience" }: {
  tenants: Tenant[]; audience: string[] | null; onChange: (audience: string[] | null) => void;
  error?: string; disabled?: boolean; name?: string;
}) {
  const { t } = useTranslation();
  const chosen = audience ?? [];
  return (
    <fieldset aria-describedby={error ? `${name}-error` : undefined} data-testid="audience">
      <legend>{t("operator.courses.audience")}</legend>
      <label className="option"><input type="radio" name={name} checked={audience === null} disabled={disabled}
        onChange={() => onChange(null)} />{t("operator.courses.everyTenant")}</label>
      <label className="option"><input type="radio" name={name} checked={audience !== null} disabled={disabled}
        onChange={() => onChange(chosen)} />{t("operator.courses.someTenants")}</label>
      {audience !== null && tenants.map((x) => (
        <label className="option" key={x.tenant_id}>
          <input type="checkbox" checked={chosen.includes(x.tenant_id)} disabled={disabled} onChange={(e) => onChange(
            e.target.checked ? [...chosen, x.tenant_id] : chosen.filter((id) => id !== x.tenant_id))} />
          {x.code} · {x.name}
        </label>
      ))}
      {error && <div id={`${name}-error`} className="field-error">{error}</div>}
    </fieldset>
  );
}

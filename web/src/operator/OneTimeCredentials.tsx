import { useState } from "react";
import { useTranslation } from "react-i18next";

/** Credentials the API shows once (an agency's registration, a rotated webhook secret): a
 *  warning, each value with a copy button, and a button to close once they are kept safe.
 *  Like the activation codes of an import, they cannot be shown again. */
export function OneTimeCredentials({ title, lines, onClose }: { title: string; lines: [string, string][]; onClose: () => void }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState<string | null>(null);
  const label = (key: string) => t(`operator.agencies.credential.${key}`, { defaultValue: key });
  const copy = async (key: string, value: string) => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(t("operator.agencies.copied", { name: label(key) }));
    } catch { // no clipboard (an insecure page, a refused permission): the value can be selected
      setCopied(t("operator.agencies.copyFailed"));
    }
  };
  return (
    <section className="alert alert-warning credentials" role="alert" aria-labelledby="credentials-title" data-testid="credentials">
      <h3 id="credentials-title">{title}</h3>
      <p><strong>{t("operator.agencies.once")}</strong></p>
      <dl>
        {lines.map(([key, value]) => (
          <div key={key}>
            <dt>{label(key)}</dt>
            <dd>
              <code data-credential={key}>{value}</code>{" "}
              <button type="button" onClick={() => copy(key, value)}
                aria-label={t("operator.agencies.copyOf", { name: label(key) })}>{t("operator.agencies.copy")}</button>
            </dd>
          </div>
        ))}
      </dl>
      <p role="status">{copied}</p>
      <button type="button" className="primary" onClick={onClose}>{t("operator.agencies.kept")}</button>
    </section>
  );
}

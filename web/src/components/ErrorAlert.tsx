import { useTranslation } from "react-i18next";
import { errorText } from "./errorText";

export function ErrorAlert({ error, override }: { error: unknown; override?: string }) {
  const { t } = useTranslation();
  if (!error) return null;
  return <div className="alert alert-error" role="alert">{override ?? errorText(error, t)}</div>;
}

import type { TFunction } from "i18next";
import { ApiError } from "../api/client";

// Codes whose meaning the learner must understand in their language; any other error shows
// the API's own `message` (the body's stable contract).
const TRANSLATED = ["tenant_suspended", "service_unavailable", "permission_denied", "not_found"];

export function errorText(error: unknown, t: TFunction): string {
  if (!(error instanceof ApiError)) return t("errors.title");
  if (error.code === "network_error") return t("errors.network");
  if (error.code === "rate_limited") return t("errors.rate_limited", { seconds: error.retryAfter ?? 60 });
  if (TRANSLATED.includes(error.code)) return t(`errors.${error.code}`);
  return error.message || t("errors.title");
}

// Dates and numbers in the learner's language, always in Vietnam's time zone (the platform's
// deadlines and certificates are dated in Asia/Ho_Chi_Minh, wherever the browser is).
export const TIME_ZONE = "Asia/Ho_Chi_Minh";
const LOCALES: Record<string, string> = { vi: "vi-VN", en: "en-GB" };

function locale(lang: string) {
  return LOCALES[lang] ?? LOCALES.vi;
}

export function formatDate(value: string | Date | null | undefined, lang: string): string {
  if (!value) return "";
  // A bare date (YYYY-MM-DD) is a calendar day: format it as such, not as UTC midnight.
  const date = typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? new Date(`${value}T12:00:00+07:00`) : new Date(value);
  return new Intl.DateTimeFormat(locale(lang), { dateStyle: "long", timeZone: TIME_ZONE }).format(date);
}

export function formatDateTime(value: string | Date | null | undefined, lang: string): string {
  if (!value) return "";
  return new Intl.DateTimeFormat(locale(lang), { dateStyle: "short", timeStyle: "short", timeZone: TIME_ZONE })
    .format(new Date(value));
}

export function formatPercent(value: number, lang: string): string {
  return new Intl.NumberFormat(locale(lang), { style: "percent", maximumFractionDigits: 0 }).format(value / 100);
}

export function formatNumber(value: number, lang: string): string {
  return new Intl.NumberFormat(locale(lang), { maximumFractionDigits: 1 }).format(value);
}

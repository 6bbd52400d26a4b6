// The agency registration form's body and the one-time credentials, as lines to show and copy.
// The API checks everything again (docs/integrations.md); these checks only say it sooner.
import type { SubscriberInput } from "../api/types";

export type AgencyForm = { name: string; kind: "webhook" | "amqp"; url: string; platform: boolean; tenants: string[] };

export const blankAgency = (): AgencyForm => ({ name: "", kind: "webhook", url: "", platform: false, tenants: [] });

/** The registration body: text in NFC, a URL only for a webhook, "platform" for the events of
 *  the platform itself (national courses). Every public event type (the API's default). */
export function subscriberBody(form: AgencyForm): SubscriberInput {
  const tenants = [...(form.platform ? ["platform"] : []), ...form.tenants];
  return {
    name: form.name.normalize("NFC").trim(), kind: form.kind, tenants,
    ...(form.kind === "webhook" ? { url: form.url.trim() } : {}),
  };
}

/** Problems found before asking the API, as i18n keys by field. */
export function agencyProblems(form: AgencyForm): Record<string, string> {
  const out: Record<string, string> = {};
  if (!form.name.trim()) out.name = "operator.agencies.errors.name";
  if (form.kind === "webhook" && !/^https?:\/\/\S+$/i.test(form.url.trim())) out.url = "operator.agencies.errors.url";
  if (!form.platform && form.tenants.length === 0) out.tenants = "operator.agencies.errors.tenants";
  return out;
}

/** Credentials shown once, in a stable order with their labels' keys (unknown ones last). */
const ORDER = ["secret", "username", "password", "vhost", "exchange", "queue", "read_pattern"];

export function credentialLines(credentials: Record<string, unknown>): [string, string][] {
  return Object.entries(credentials)
    .filter((e): e is [string, string | number] => typeof e[1] === "string" || typeof e[1] === "number")
    .map(([k, v]): [string, string] => [k, String(v)])
    .sort(([a], [b]) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99));
}

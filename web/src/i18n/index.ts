// i18next with the catalogs in vi.json (default) and en.json; the learner's choice is
// remembered in localStorage and set as <html lang>. Each console feature keeps its messages
// in features/<feature>.<lang>.json, mounted under the key <feature> (t("admin.users.title")),
// so features grow their catalogs without touching each other's files.
import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import en from "./en.json";
import vi from "./vi.json";

const featureFiles = import.meta.glob<Record<string, unknown>>("./features/*.json", { eager: true, import: "default" });

/** The whole catalog of one language: the base file plus every feature's file under its name. */
export function catalog(lang: Language, base: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [path, messages] of Object.entries(featureFiles)) {
    const match = /\/([a-z]+)\.([a-z]+)\.json$/.exec(path);
    if (match && match[2] === lang) merged[match[1]] = messages;
  }
  return merged;
}

export const LANGUAGES = ["vi", "en"] as const;
export type Language = (typeof LANGUAGES)[number];
const KEY = "mooc.lang";

export function storedLanguage(storage: Pick<Storage, "getItem"> = localStorage): Language {
  const value = storage.getItem(KEY);
  return (LANGUAGES as readonly string[]).includes(value ?? "") ? (value as Language) : "vi";
}

export function setLanguage(lang: Language) {
  localStorage.setItem(KEY, lang);
  document.documentElement.lang = lang;
  void i18n.changeLanguage(lang);
}

export function initI18n(lang: Language = storedLanguage()) {
  document.documentElement.lang = lang;
  void i18n.use(initReactI18next).init({
    resources: { vi: { translation: catalog("vi", vi) }, en: { translation: catalog("en", en) } },
    lng: lang,
    fallbackLng: "vi",
    interpolation: { escapeValue: false }, // React escapes
  });
  return i18n;
}

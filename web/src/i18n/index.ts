// i18next with the catalogs in vi.json (default) and en.json; the learner's choice is
// remembered in localStorage and set as <html lang>.
import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import en from "./en.json";
import vi from "./vi.json";

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
    resources: { vi: { translation: vi }, en: { translation: en } },
    lng: lang,
    fallbackLng: "vi",
    interpolation: { escapeValue: false }, // React escapes
  });
  return i18n;
}

import { useTranslation } from "react-i18next";
import { LANGUAGES, setLanguage, type Language } from "../i18n";

const NAMES: Record<Language, string> = { vi: "Tiếng Việt", en: "English" };

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <label className="language">
      <span>{t("app.language")}</span>
      <select value={i18n.language} onChange={(e) => setLanguage(e.target.value as Language)}>
        {LANGUAGES.map((lang) => <option key={lang} value={lang} lang={lang}>{NAMES[lang]}</option>)}
      </select>
    </label>
  );
}

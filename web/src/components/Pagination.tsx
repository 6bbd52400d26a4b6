import { useTranslation } from "react-i18next";

/** Previous/next over an offset-paginated API list. Without a total (lists the API does not
 *  count), "next" is offered while a page comes back full, as the API's Link header does. */
export function Pagination({ offset, limit, count, total, onChange, label }: {
  offset: number; limit: number; count: number; total?: number | null; onChange: (offset: number) => void; label: string;
}) {
  const { t } = useTranslation();
  const hasNext = total != null ? offset + count < total : count >= limit;
  const page = Math.floor(offset / limit) + 1;
  const pages = total != null ? Math.max(1, Math.ceil(total / limit)) : null;
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - limit))}>{t("pager.previous")}</button>
      <span aria-live="polite">{pages ? t("pager.pageOf", { page, pages }) : t("pager.page", { page })}</span>
      <button type="button" disabled={!hasNext} onClick={() => onChange(offset + limit)}>{t("pager.next")}</button>
    </nav>
  );
}

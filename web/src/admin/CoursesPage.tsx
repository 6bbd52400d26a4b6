import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api } from "../api/client";
import type { CourseSummary } from "../api/types";
import { useSession } from "../auth/session";
import { DataTable } from "../components/DataTable";
import { ErrorAlert } from "../components/ErrorAlert";
import { Pagination } from "../components/Pagination";
import { useAsync } from "../components/useAsync";
import { mayAuthor } from "./roles";

const PAGE = 50;

/** Authors see their organisation's courses (any status); a report viewer, who may not list
 *  drafts (the API answers 404 to scope=owned), sees the published courses of its catalog. */
export function CoursesPage() {
  const { t } = useTranslation();
  const role = useSession().claims?.role;
  const [offset, setOffset] = useState(0);
  const author = mayAuthor(role);
  const courses = useAsync(() => (author ? api.ownedCourses(offset, PAGE) : api.catalog(offset, PAGE)), [offset, author]);
  return (
    <section className="admin">
      <h1>{t("admin.courses.title")}</h1>
      {author && <p><Link className="button" to="/admin/courses/new">{t("admin.courses.new")}</Link></p>}
      <ErrorAlert error={courses.error} />
      <DataTable<CourseSummary> caption={t("admin.courses.title")} rows={courses.data?.items ?? []} rowKey={(c) => c.course_id}
        empty={courses.loading ? t("app.loading") : t("admin.courses.none")} columns={[
          { key: "code", header: t("admin.course.code"), cell: (c) => c.code },
          { key: "title", header: t("admin.course.title"), cell: (c) => <Link to={`/admin/courses/${c.course_id}`}>{c.title}</Link> },
          { key: "status", header: t("admin.course.status"), cell: (c) => t(`admin.course.statuses.${c.status}`, { defaultValue: c.status }) },
          { key: "learners", header: t("admin.courses.learners"), cell: (c) => <Link to={`/admin/courses/${c.course_id}/learners`}
            aria-label={t("admin.courses.learnersOf", { title: c.title })}>{t("admin.courses.learners")}</Link> },
        ]} />
      <Pagination label={t("admin.courses.pages")} offset={offset} limit={PAGE} count={courses.data?.items.length ?? 0}
        total={courses.data?.total} onChange={setOffset} />
    </section>
  );
}

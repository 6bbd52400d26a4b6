import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, ApiError } from "../api/client";
import type { MyEnrollment, Progress } from "../api/types";
import { ErrorAlert } from "../components/ErrorAlert";
import { Loading } from "../components/Loading";
import { useAsync } from "../components/useAsync";
import { formatPercent } from "../i18n/format";
import { nextLesson } from "./nextLesson";

type Row = { enrollment: MyEnrollment; progress: Progress | null };

async function load(): Promise<Row[]> {
  const { items } = await api.myCourses();
  return Promise.all(items.map(async (enrollment) => {
    if (enrollment.status === "cancelled") return { enrollment, progress: null };
    // 404 until the progress service has seen the enrollment (an event away): 0 % meanwhile.
    const progress = await api.progress(enrollment.course_id)
      .catch((e) => { if (e instanceof ApiError && e.status === 404) return null; throw e; });
    return { enrollment, progress };
  }));
}

export function MyCourses() {
  const { t, i18n } = useTranslation();
  const { data, error, loading } = useAsync(load, []);
  if (loading && !data) return <Loading />;
  return (
    <section>
      <h1>{t("my.title")}</h1>
      <ErrorAlert error={error} />
      {data?.length === 0 && <p>{t("my.empty")} <Link to="/catalog">{t("my.browse")}</Link></p>}
      <ul className="cards">
        {data?.map(({ enrollment, progress }) => {
          const percent = progress?.percent_complete ?? 0;
          const next = nextLesson(progress);
          const status = progress?.status === "completed" ? "completed" : enrollment.status;
          return (
            <li key={enrollment.enrollment_id} className="card course-card">
              <h2><Link to={`/courses/${enrollment.course_id}`}>{enrollment.course.title}</Link></h2>
              <p className={`status status-${status}`}>{t(`my.status.${status}`)}</p>
              <div className="meter">
                <progress max={100} value={percent} aria-label={t("my.percent", { percent: formatPercent(percent, i18n.language) })} />
                <span>{t("my.percent", { percent: formatPercent(percent, i18n.language) })}</span>
              </div>
              {next && <p className="next">{t("my.next", { title: next.title })}</p>}
              {status !== "cancelled" && (
                <Link className="button" to={`/courses/${enrollment.course_id}${next ? `?lesson=${next.lesson_id}` : ""}`}>
                  {status === "completed" ? t("my.review") : t("my.continue")}
                </Link>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

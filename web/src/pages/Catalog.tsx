import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router";
import { api } from "../api/client";
import { ErrorAlert } from "../components/ErrorAlert";
import { Loading } from "../components/Loading";
import { useAsync } from "../components/useAsync";
import { formatNumber } from "../i18n/format";
import { filterCourses, topicsOf } from "./catalogFilter";

async function load() {
  // The API's page limit is 200; a tenant's catalog is far smaller than that in practice,
  // and search and topic filter then run in the browser without a request per keystroke.
  const [catalog, mine] = await Promise.all([api.catalog(), api.myCourses()]);
  const enrolled = new Set(mine.items.filter((e) => e.status !== "cancelled").map((e) => e.course_id));
  return { courses: catalog.items, enrolled };
}

export function Catalog() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const { data, error, loading } = useAsync(load, []);
  const [query, setQuery] = useState("");
  const [topic, setTopic] = useState("");
  const [enrollError, setEnrollError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  if (loading && !data) return <Loading />;
  const shown = data ? filterCourses(data.courses, query, topic) : [];

  async function enroll(courseId: string) {
    setBusy(courseId);
    setEnrollError(null);
    try {
      await api.enroll(courseId);
      navigate(`/courses/${courseId}`);
    } catch (e) {
      setEnrollError(e);
    } finally {
      setBusy(null);
    }
  }

  return (
    <section>
      <h1>{t("catalog.title")}</h1>
      <ErrorAlert error={error ?? enrollError} />
      <div className="filters" role="search">
        <label>{t("catalog.search")}
          <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
        </label>
        <label>{t("catalog.topic")}
          <select value={topic} onChange={(e) => setTopic(e.target.value)}>
            <option value="">{t("catalog.allTopics")}</option>
            {data && topicsOf(data.courses).map((name) => <option key={name}>{name}</option>)}
          </select>
        </label>
      </div>
      <p role="status">{t("catalog.count", { count: shown.length })}</p>
      {shown.length === 0 && <p>{t("catalog.empty")}</p>}
      <ul className="cards">
        {shown.map((course) => (
          <li key={course.course_id} className="card course-card">
            <h2>{course.title}</h2>
            <p className="meta">
              <span>{course.code}</span>
              {course.topic && <span>{course.topic}</span>}
              {course.estimated_hours != null && <span>{t("catalog.hours", { hours: formatNumber(course.estimated_hours, i18n.language) })}</span>}
            </p>
            {course.national && <p className="badge">{t("catalog.national")}</p>}
            {data?.enrolled.has(course.course_id)
              ? <Link className="button" to={`/courses/${course.course_id}`}>{t("catalog.open")}</Link>
              : <button type="button" className="primary" disabled={busy === course.course_id}
                        aria-label={`${t("catalog.enroll")}: ${course.title}`}
                        onClick={() => enroll(course.course_id)}>{t("catalog.enroll")}</button>}
          </li>
        ))}
      </ul>
    </section>
  );
}

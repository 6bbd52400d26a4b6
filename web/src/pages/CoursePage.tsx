import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams, useSearchParams } from "react-router";
import { api, ApiError } from "../api/client";
import type { Lesson, Progress } from "../api/types";
import { useSession } from "../auth/session";
import { ErrorAlert } from "../components/ErrorAlert";
import { Loading } from "../components/Loading";
import { useAsync } from "../components/useAsync";
import { formatPercent } from "../i18n/format";
import { DocumentLesson } from "../player/DocumentLesson";
import { ExternalLesson } from "../player/ExternalLesson";
import { QuizLesson } from "../player/QuizLesson";
import { RichTextLesson } from "../player/RichTextLesson";
import type { LessonProps } from "../player/types";
import { VideoLesson } from "../player/VideoLesson";
import { downloadCertificate } from "./Certificates";
import { nextLesson } from "./nextLesson";
import { NotFound } from "./NotFound";

const VIEWS: Record<Lesson["kind"], (p: LessonProps) => React.JSX.Element> = {
  video: VideoLesson, document: DocumentLesson, rich_text: RichTextLesson, quiz: QuizLesson,
  external_package: ExternalLesson,
};
// Progress is applied by the progress service after the gateway's 202 (an AMQP hop, usually
// well under a second, longer on a loaded machine): re-read it on a widening schedule.
const REFRESH_AFTER_MS = [400, 1200, 2500, 5000, 9000, 15000, 25000, 40000, 60000];

function notFound(error: unknown) {
  return error instanceof ApiError && error.status === 404;
}

const PENDING = "pending" as const;
const PENDING_RETRY_MS = 1000;

/** The learner's progress; PENDING while the enrollment (made a moment ago in the courses
 *  service) has not yet reached the progress service by its event. */
async function loadProgress(courseId: string): Promise<Progress | typeof PENDING> {
  try {
    return await api.progress(courseId);
  } catch (error) {
    if (!notFound(error)) throw error;
    const mine = await api.myCourses();
    if (mine.items.some((e) => e.course_id === courseId && e.status !== "cancelled")) return PENDING;
    throw error;
  }
}

export function CoursePage() {
  const { t, i18n } = useTranslation();
  const { courseId = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const { queue } = useSession();
  const course = useAsync(() => api.course(courseId), [courseId]);
  const loaded = useAsync(() => loadProgress(courseId), [courseId]);
  const pending = loaded.data === PENDING;
  const progress = { ...loaded, data: pending ? null : (loaded.data as Progress | null) };
  const [rejected, setRejected] = useState<unknown>(null);
  const [enrollError, setEnrollError] = useState<unknown>(null);
  const timers = useRef<ReturnType<typeof setTimeout>[]>([]);
  const reloadProgress = progress.reload;

  const refresh = useCallback(() => {
    timers.current.forEach(clearTimeout);
    timers.current = REFRESH_AFTER_MS.map((ms) => setTimeout(reloadProgress, ms));
  }, [reloadProgress]);
  useEffect(() => () => timers.current.forEach(clearTimeout), []);
  useEffect(() => {
    if (!pending || loaded.loading) return;
    const timer = setTimeout(reloadProgress, PENDING_RETRY_MS);
    return () => clearTimeout(timer);
  }, [pending, loaded.loading, reloadProgress]);

  useEffect(() => {
    if (!queue) return;
    queue.onSent = refresh;
    queue.onRejected = ({ error }) => setRejected(error);
    return () => { queue.onSent = () => undefined; queue.onRejected = () => undefined; };
  }, [queue, refresh]);

  const lessons = course.data?.sections.flatMap((s) => s.lessons) ?? [];
  const current = lessons.find((l) => l.lesson_id === params.get("lesson"))
    ?? lessons.find((l) => l.lesson_id === nextLesson(progress.data)?.lesson_id) ?? lessons[0];
  const enrolled = !!progress.data;

  // Pin the lesson in the URL once chosen, so that progress changes do not move the learner.
  useEffect(() => {
    if (current && !params.get("lesson")) setParams({ lesson: current.lesson_id }, { replace: true });
  }, [current?.lesson_id, params, setParams]);

  useEffect(() => {
    if (queue && current && enrolled) {
      queue.add({ kind: "lesson_opened", course_id: courseId, lesson_id: current.lesson_id });
    }
  }, [queue, courseId, current?.lesson_id, enrolled]);

  if (course.loading && !course.data) return <Loading />;
  if (notFound(course.error)) return <NotFound />;
  if (!course.data) return <ErrorAlert error={course.error} />;
  if (pending || (progress.loading && !progress.data && !progress.error)) return <Loading />;

  if (!enrolled) {
    return (
      <section className="card narrow">
        <h1>{course.data.title}</h1>
        {notFound(progress.error) ? <p>{t("course.notEnrolled")}</p> : <ErrorAlert error={progress.error} />}
        <ErrorAlert error={enrollError} />
        <button type="button" className="primary" onClick={() => api.enroll(courseId).then(refresh, setEnrollError)}>
          {t("course.enroll")}
        </button>
      </section>
    );
  }

  const data = progress.data!;
  const byId = new Map(data.lessons.map((l) => [l.lesson_id, l]));
  const index = lessons.findIndex((l) => l.lesson_id === current?.lesson_id);
  const View = current ? VIEWS[current.kind] : null;
  const percent = formatPercent(data.percent_complete, i18n.language);
  return (
    <div className="player">
      <header className="player-head">
        <h1>{course.data.title}</h1>
        <div className="meter">
          <progress max={100} value={data.percent_complete} aria-label={t("course.progress", { percent })} />
          <span data-testid="course-percent">{t("course.progress", { percent })}</span>
        </div>
        {data.status === "completed" && (
          <div className="alert alert-ok" role="status">
            {t("course.completed")}{" "}
            {data.certificate && (
              <button type="button" className="primary"
                      onClick={() => downloadCertificate(courseId, data.certificate!.serial)}>
                {t("course.certificate")}
              </button>
            )}
          </div>
        )}
      </header>
      <nav className="contents" aria-label={t("course.contents")}>
        <h2>{t("course.contents")}</h2>
        {course.data.sections.map((section, n) => (
          <div key={section.section_id}>
            <h3>{section.title || t("course.section", { n: n + 1 })}</h3>
            <ol>
              {section.lessons.map((lesson) => {
                const done = byId.get(lesson.lesson_id)?.done;
                return (
                  <li key={lesson.lesson_id} className={done ? "done" : ""}>
                    <Link to={`?lesson=${lesson.lesson_id}`} aria-current={lesson.lesson_id === current?.lesson_id ? "page" : undefined}>
                      <span aria-hidden="true" className="mark">{done ? "✓" : "○"}</span>{" "}
                      {lesson.title} <span className="kind">({t(`course.kind.${lesson.kind}`)})</span>
                      <span className="sr-only"> — {t(done ? "course.done" : "course.notDone")}</span>
                    </Link>
                  </li>
                );
              })}
            </ol>
          </div>
        ))}
      </nav>
      {current && View && queue && (
        <article className="lesson" aria-labelledby="lesson-title">
          <h2 id="lesson-title">{current.title}</h2>
          <p className="meta">
            <span>{t(`course.kind.${current.kind}`)}</span>
            <span>{t(current.required ? "course.required" : "course.optional")}</span>
          </p>
          <ErrorAlert error={rejected} />
          <View key={current.lesson_id} courseId={courseId} lesson={current} progress={byId.get(current.lesson_id)}
                queue={queue} refresh={refresh} />
          <div className="pager">
            {index > 0 && <button type="button" onClick={() => setParams({ lesson: lessons[index - 1].lesson_id })}>{t("course.prev")}</button>}
            {index < lessons.length - 1 && <button type="button" onClick={() => setParams({ lesson: lessons[index + 1].lesson_id })}>{t("course.nextLesson")}</button>}
          </div>
        </article>
      )}
    </div>
  );
}

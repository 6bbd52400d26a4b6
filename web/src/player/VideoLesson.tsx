import { useRef } from "react";
import { useTranslation } from "react-i18next";
import { formatPercent } from "../i18n/format";
import type { LessonProps } from "./types";
import { nextReport, percentWatched, resumeAt } from "./videoReport";

/** HTML5 video: reports `video_progress` every 10 % and at the end, resumes where left. */
export function VideoLesson({ courseId, lesson, progress, queue, refresh }: LessonProps) {
  const { t, i18n } = useTranslation();
  const known = progress?.video_percent ?? 0;
  const lastSent = useRef(known);
  const video = useRef<HTMLVideoElement>(null);

  function report(ended = false) {
    const element = video.current!;
    const percent = nextReport(percentWatched(element.currentTime, element.duration), lastSent.current, ended);
    if (percent === null) return;
    lastSent.current = percent;
    queue.add({ kind: "video_progress", course_id: courseId, lesson_id: lesson.lesson_id, percent });
    if (percent >= 90) refresh();
  }

  return (
    <div className="video">
      <video ref={video} src={lesson.video_url} controls preload="metadata" playsInline
             aria-label={lesson.title}
             onLoadedMetadata={(e) => { e.currentTarget.currentTime = resumeAt(known, e.currentTarget.duration); }}
             onTimeUpdate={() => report()} onEnded={() => report(true)} />
      <p className="hint">
        {known > 0 && known < 95 ? t("course.videoResume", { percent: formatPercent(known, i18n.language) })
          : t("course.videoWatched", { percent: formatPercent(known, i18n.language) })}
      </p>
    </div>
  );
}

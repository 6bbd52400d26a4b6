import DOMPurify from "dompurify";
import { MarkDone } from "./MarkDone";
import type { LessonProps } from "./types";

/** The server sanitises lesson HTML on write (nh3); the browser sanitises again before
 *  inserting it, so a bug on either side alone cannot run a script. */
export function RichTextLesson(props: LessonProps) {
  return (
    <div>
      <div className="rich-text" dangerouslySetInnerHTML={{ __html: DOMPurify.sanitize(props.lesson.html ?? "") }} />
      <MarkDone {...props} />
    </div>
  );
}

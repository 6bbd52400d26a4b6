// The compact national-course form's body: one reading lesson whose plain text becomes
// paragraphs (escaped here; the courses service sanitises lesson HTML again on write).
import type { NationalCourseInput } from "../api/types";

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function paragraphs(text: string): string {
  return text.normalize("NFC").split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean)
    .map((p) => `<p>${p.replace(/[&<>"']/g, (c) => ESCAPES[c]).replace(/\n/g, "<br>")}</p>`).join("");
}

export type CourseForm = { code: string; title: string; description: string; topic: string; hours: string;
  everyTenant: boolean; audience: string[]; lessonTitle: string; lessonText: string };

export function nationalCourseBody(form: CourseForm): NationalCourseInput {
  return {
    code: form.code.trim(), title: form.title.normalize("NFC"), description: form.description.normalize("NFC"),
    topic: form.topic.trim() ? form.topic.normalize("NFC") : null,
    estimated_hours: form.hours ? Number(form.hours) : null,
    audience_tenant_ids: form.everyTenant ? null : form.audience,
    lessons: [{ title: form.lessonTitle.normalize("NFC"), kind: "rich_text", html: paragraphs(form.lessonText) }],
  };
}

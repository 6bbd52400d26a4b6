// The shapes of the API's answers the portal reads (docs/accounts.md, courses.md, progress.md).

export type Tokens = { access_token: string; refresh_token: string; expires_in: number; token_type: string };
export type Claims = { userId: string; tenantId: string | null; role: string; expiresAt: number };

export type CourseSummary = {
  course_id: string; owner_tenant_id: string | null; national: boolean; code: string; title: string;
  topic: string | null; status: string; estimated_hours: number | null;
};
export type Catalog = { items: CourseSummary[]; total: number; offset: number; limit: number };

export type Option = { option_id: string; text: string };
export type Question = { question_id: string; text: string; kind: "single" | "multiple"; points: number; options: Option[] };
export type Lesson = {
  lesson_id: string; title: string; kind: "video" | "document" | "rich_text" | "quiz" | "external_package";
  required: boolean; video_url?: string; duration_seconds?: number; document_id?: string; html?: string;
  package_url?: string; package_standard?: string;
  quiz?: { pass_mark: number; max_attempts: number | null; questions: Question[] };
};
export type Section = { section_id: string; title: string | null; lessons: Lesson[] };
export type Course = CourseSummary & { description: string; sections: Section[] };

export type MyEnrollment = {
  enrollment_id: string; course_id: string; status: "active" | "completed" | "cancelled";
  enrolled_at: string; course: CourseSummary;
};

export type Attempt = { attempt_id: string; number: number; score: number; passed: boolean };
export type LessonProgress = {
  lesson_id: string; title: string; kind: string; required: boolean; done: boolean; done_at: string | null;
  video_percent?: number;
  quiz?: { attempts_used: number; max_attempts: number | null; attempts_left: number | null;
           best_score: number | null; passed: boolean; pass_mark: number; attempts?: Attempt[] };
};
export type Certificate = { certificate_id: string; serial: string; verification_code: string; issued_at: string };
export type Progress = {
  course_id: string; course_title: string; status: string; percent_complete: number;
  completed_at: string | null; lessons: LessonProgress[]; certificate: Certificate | null;
};
export type PublicCertificate = { learner_name: string; course_title: string; issuer_name: string; issued_on: string };

export type ActivityKind = "lesson_opened" | "video_progress" | "lesson_completed" | "quiz_submitted";
export type Activity = {
  activity_id: string; kind: ActivityKind; course_id: string; lesson_id: string; occurred_at: string;
  percent?: number; answers?: Record<string, string[]>;
};

// -- admin console (issue 18 items 1-3: organisation, bulk import, courses) --------------------
export type Unit = {
  unit_id: string; tenant_id: string; code: string; name: string; parent_id: string | null; path: string[];
  level: string | null; status: "active" | "inactive" | string;
};
export type User = {
  user_id: string; tenant_id: string | null; username: string; full_name: string; email: string | null;
  phone: string | null; role: string; unit_id: string | null; category: string | null; job_title: string | null;
  status: string; created_at: string;
};
export type UserFilters = { q?: string; unit_id?: string; role?: string; status?: string };
export type ImportError = { row: number | null; column: string | null; column_letter?: string | null; message: string };
export type ImportJob = {
  job_id: string; tenant_id: string; state: "queued" | "validating" | "importing" | "done" | "failed";
  dry_run: boolean; rows_total: number | null; rows_done: number | null;
  result: { valid?: boolean; would_create?: number; created?: number; message?: string } | null;
  errors: ImportError[] | null; error_count: number | null;
};
export type QuizOptionIn = { option_id?: string; text: string; correct: boolean };
export type QuizQuestionIn = { question_id?: string; text: string; kind: "single" | "multiple"; points: number; options: QuizOptionIn[] };
export type LessonKind = "video" | "document" | "rich_text" | "quiz" | "external_package";
export type LessonIn = {
  lesson_id?: string; title: string; kind: LessonKind; required: boolean; video_url?: string | null;
  duration_seconds?: number | null; document_id?: string | null; html?: string; package_url?: string | null;
  package_standard?: string; quiz?: { pass_mark: number; max_attempts: number | null; questions: QuizQuestionIn[] } | null;
};
export type SectionIn = { section_id?: string; title: string; lessons: LessonIn[] };
export type CourseIn = {
  code?: string; title: string; description: string; topic: string | null; estimated_hours: number | null;
  target_categories: string[]; min_average_quiz_score: number | null; sections: SectionIn[];
};
export type EditableCourse = CourseSummary & {
  description: string; revision: number; target_categories: string[]; sections: SectionIn[];
  completion_rule: { min_average_quiz_score?: number | null };
};
export type CourseDocument = { document_id: string; filename: string; content_type: string | null; size: number; state: string };
export type Intake = { intake_id: string; course_id: string; name: string; enroll_from: string; enroll_until: string; starts_on: string; ends_on: string };
export type AssignmentJob = {
  job_id: string; course_id: string; state: "queued" | "running" | "succeeded" | "failed"; total: number | null;
  done: number; result: { enrolled?: number; already_enrolled?: number; skipped?: { unknown?: number; not_enrollable?: number }; message?: string } | null;
};
export type Enrollment = {
  enrollment_id: string; course_id: string; learner_id: string; tenant_id: string; unit_id: string | null;
  category: string | null; intake_id: string | null; source: string; status: string; enrolled_at: string;
  cancelled_at: string | null;
};
export type AssignmentTarget = { unit_id: string } | { category: string } | { csv: Blob };

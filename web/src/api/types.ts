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
  /** a national course's tenants (null: every tenant); kept on every save, since the API
   *  replaces the whole course (an omitted audience would open the course to every tenant) */
  audience_tenant_ids?: string[] | null;
};
export type EditableCourse = CourseSummary & {
  description: string; revision: number; target_categories: string[]; sections: SectionIn[];
  audience_tenant_ids?: string[] | null;
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
  cancelled_at: string | null; completed_at?: string | null;
  /** the learner, named by the API for a course's enrollments list (null if the account is gone) */
  username?: string | null; full_name?: string | null;
};
/** Filters of a course's enrollments list and export, applied by the API (courses.md). */
export type EnrollmentFilters = {
  status?: string; source?: string; intake_id?: string; category?: string; unit_id?: string; q?: string; tenant_id?: string;
};
export type AssignmentTarget = { unit_id: string } | { category: string } | { csv: Blob };
// -- reports and operator console (issue 18 items 4-7: docs/reports.md, docs/accounts.md) ----
export type Metrics = { enrollments: number; completions: number; certificates: number; completion_rate: number };
export type UnitRow = Metrics & { unit_id: string | null; code: string | null; name: string | null; path: string[]; learners: number };
export type CourseRow = Metrics & {
  course_id: string; code: string | null; title: string | null; status: string | null; national: boolean;
  by_year: Record<string, Metrics>;
};
export type MonthRow = Metrics & { month: string; active_learners: number };
export type PlanVsActual = Metrics & {
  year: number; planned_courses: number | null; planned_learners: number | null; courses_run: number;
  learners_trained: number; courses_achievement_pct: number | null; learners_achievement_pct: number | null;
  active_learners: number;
};
export type TenantReport = Metrics & {
  tenant_id: string; code: string; name: string; kind: string; status: string;
  learners: number; seats_used: number; learner_quota: number | null; seats_available: number | null;
  active_learners: { by_month: Record<string, number>; by_year: Record<string, number> };
  by_course: CourseRow[]; by_unit: UnitRow[]; by_month: MonthRow[]; plan_vs_actual: PlanVsActual[];
  as_of: string | null;
};
export type YearEndContent = {
  tenant: { tenant_id: string; code: string; name: string; kind: string }; year: number;
  plan: { planned_courses: number | null; planned_learners: number | null };
  actual: Metrics & { courses_run: number; learners_trained: number; active_learners: number };
  achievement: { courses_pct: number | null; learners_pct: number | null };
  courses: (Metrics & { course_id: string; code: string | null; title: string | null; national: boolean })[];
  evaluation: string; as_of: string | null;
};
export type YearEndVersion = {
  version: number; content_sha256: string; submitted_by: string; submitted_at: string; late: boolean;
};
export type YearEndVersions = { tenant_id: string; year: number; deadline: string; versions: YearEndVersion[] };
export type FocalContact = { full_name: string; mobile: string; email: string };
export type Tenant = {
  tenant_id: string; code: string; name: string; kind: string; status: string; learner_quota: number;
  quota_override: { by: string; at: string } | null; storage_quota_bytes: number; focal_contact: FocalContact;
  seats_used: number;
};
export type TenantInput = {
  code?: string; name: string; kind: string; learner_quota: number; quota_override: boolean;
  focal_contact: FocalContact;
};
export type NationalRow = Metrics & {
  tenant_id: string; code: string; name: string; kind: string; status: string; learners: number;
  seats_used: number; learner_quota: number | null; courses: number; planned_courses: number | null;
  planned_learners: number | null; courses_run: number; learners_trained: number; year_end_submitted: boolean;
  year_end: { submitted: boolean; version: number | null; submitted_at: string | null; late: boolean | null };
};
export type NationalReport = {
  year: number; deadline: string; tenants: NationalRow[]; totals: Record<string, number>; as_of: string | null;
};
export type ProgressFilters = { status?: string; unit_id?: string };
export type ProgressRow = {
  enrollment_id: string; learner_id: string; unit_id: string | null; category: string | null; status: string;
  percent_complete: number; lessons_done: number; last_activity_at: string | null; completed_at: string | null;
};
export type ProgressPage = { total: number; offset: number; limit: number; items: ProgressRow[] };
export type NationalCourseInput = {
  code: string; title: string; description: string; topic: string | null; estimated_hours: number | null;
  audience_tenant_ids: string[] | null; lessons: { title: string; kind: "rich_text"; html: string }[];
};
export type Subscriber = {
  subscriber_id: string; name: string; kind: "amqp" | "webhook"; status: string; tenants: string[];
  event_types: string[]; url: string | null; queue: string | null; created_at: string; revoked_at: string | null;
};
export type SubscriberInput = { name: string; kind: "amqp" | "webhook"; tenants: string[]; url?: string };
/** Registration answers once with the credentials (AMQP: username, password, vhost, queue...;
 *  webhook: secret); the API never shows them again. */
export type RegisteredSubscriber = Subscriber & { credentials: Record<string, string> };
export type RotatedSecret = { subscriber_id: string; secret: string; previous_secret_valid_seconds: number };
export type Delivery = {
  delivery_id: string; event_id: string; event_type: string; tenant: string; state: string; attempts: number;
  created_at: string; last_status_code: number | null; last_error: string | null; replay_id: string | null;
};

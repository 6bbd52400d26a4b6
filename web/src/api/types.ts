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

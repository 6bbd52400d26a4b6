// The ONE module that talks to the platform's HTTP API (/api/v1). Pages call these methods;
// nothing else calls fetch. It keeps the access token in memory only, rotates the refresh
// token transparently (one refresh at a time, the request retried once), and turns every
// error body {code, message, errors} into an ApiError.
import type {
  Activity, Catalog, Course, MyEnrollment, Progress, PublicCertificate, Tokens, Claims,
} from "./types";
import type {
  AssignmentJob, AssignmentTarget, CourseDocument, CourseIn, EditableCourse, Enrollment, EnrollmentFilters, ImportJob, Intake, Unit, User,
  UserFilters,
} from "./types";
// reports dashboard, year-end report and operator console (issue 18 items 4-7)
import type {
  Delivery, NationalCourseInput, NationalReport, RegisteredSubscriber, RotatedSecret, Subscriber, SubscriberInput, ProgressFilters, ProgressPage, Tenant, TenantInput, TenantReport, YearEndContent, YearEndVersion, YearEndVersions,
} from "./types";

export const API = "/api/v1";
const REFRESH_KEY = "mooc.refresh";

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public errors: Record<string, unknown> = {},
    public retryAfter: number | null = null,
  ) {
    super(message);
  }

  /** Network failures, 5xx and 429 are worth retrying later; other 4xx are final. */
  get transient(): boolean {
    return this.status === 0 || this.status >= 500 || this.status === 429;
  }
}

/** The first message of each field's errors (the API sends lists, nested for objects). */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const [field, value] of Object.entries(error.errors ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === "string") out[field] = first;
  }
  return out;
}

export function decodeClaims(token: string): Claims {
  const payload = token.split(".")[1] ?? "";
  const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
  const claims = JSON.parse(new TextDecoder().decode(bytes));
  return { userId: claims.sub, tenantId: claims.tid ?? null, role: claims.role, expiresAt: claims.exp };
}

type Options = { body?: unknown; auth?: boolean; retried?: boolean };
type Listener = (claims: Claims | null) => void;

export class ApiClient {
  private access: string | null = null;
  private refreshing: Promise<boolean> | null = null;
  private listeners = new Set<Listener>();

  constructor(
    private fetchFn: typeof fetch = (...args) => fetch(...args),
    // The refresh token survives a reload of the tab (sessionStorage: gone when the tab
    // closes); the access token never leaves memory.
    private storage: Pick<Storage, "getItem" | "setItem" | "removeItem"> = sessionStorage,
  ) {}

  get claims(): Claims | null {
    return this.access ? decodeClaims(this.access) : null;
  }

  onSession(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setTokens(tokens: Tokens | null) {
    this.access = tokens?.access_token ?? null;
    if (tokens) this.storage.setItem(REFRESH_KEY, tokens.refresh_token);
    else this.storage.removeItem(REFRESH_KEY);
    const claims = this.claims;
    this.listeners.forEach((l) => l(claims));
  }

  // -- the transport -------------------------------------------------------------------------
  private async send(method: string, path: string, opts: Options = {}): Promise<Response> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (opts.body !== undefined) headers["Content-Type"] = "application/json";
    if (opts.auth !== false && this.access) headers.Authorization = `Bearer ${this.access}`;
    let response: Response;
    try {
      response = await this.fetchFn(API + path, {
        method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
    } catch {
      throw new ApiError(0, "network_error", "network");
    }
    if (response.status === 401 && opts.auth !== false && !opts.retried && (await this.refresh())) {
      return this.send(method, path, { ...opts, retried: true });
    }
    if (!response.ok) throw await toError(response);
    return response;
  }

  private async json<T>(method: string, path: string, opts: Options = {}): Promise<T> {
    const response = await this.send(method, path, opts);
    return (response.status === 204 ? null : await response.json()) as T;
  }

  /** Rotates the refresh token; false (and signed out) if it is spent, revoked or expired. */
  refresh(): Promise<boolean> {
    const token = this.storage.getItem(REFRESH_KEY);
    if (!token) return Promise.resolve(false);
    this.refreshing ??= this.json<Tokens>("POST", "/auth/refresh", { body: { refresh_token: token }, auth: false })
      .then((tokens) => { this.setTokens(tokens); return true; })
      .catch((error) => {
        if (!(error instanceof ApiError) || !error.transient) this.setTokens(null);
        return false;
      })
      .finally(() => { this.refreshing = null; });
    return this.refreshing;
  }

  // -- session -------------------------------------------------------------------------------
  async signIn(username: string, password: string): Promise<Claims> {
    this.setTokens(await this.json<Tokens>("POST", "/auth/token", { body: { username, password }, auth: false }));
    return this.claims!;
  }

  async signOut(): Promise<void> {
    const token = this.storage.getItem(REFRESH_KEY);
    this.setTokens(null);
    if (token) await this.json("POST", "/auth/logout", { body: { refresh_token: token }, auth: false }).catch(() => undefined);
  }

  activate(code: string, password: string): Promise<unknown> {
    return this.json("POST", "/auth/activate", { body: { code, password }, auth: false });
  }

  me(userId: string): Promise<{ full_name: string; username: string }> {
    return this.json("GET", `/users/${encodeURIComponent(userId)}`);
  }

  // -- learning ------------------------------------------------------------------------------
  myCourses(): Promise<{ items: MyEnrollment[] }> {
    return this.json("GET", "/me/courses");
  }

  catalog(offset = 0, limit = 200): Promise<Catalog> {
    return this.json("GET", `/courses?scope=catalog&offset=${offset}&limit=${limit}`);
  }

  course(courseId: string): Promise<Course> {
    return this.json("GET", `/courses/${encodeURIComponent(courseId)}`);
  }

  enroll(courseId: string): Promise<unknown> {
    return this.json("POST", `/courses/${encodeURIComponent(courseId)}/enrollments`, { body: {} });
  }

  progress(courseId: string): Promise<Progress> {
    return this.json("GET", `/me/courses/${encodeURIComponent(courseId)}/progress`);
  }

  sendActivities(activities: Activity[]): Promise<{ accepted: number; activity_ids: string[] }> {
    return this.json("POST", "/activities/batch", { body: { activities } });
  }

  async documentBlob(courseId: string, documentId: string): Promise<Blob> {
    const path = `/courses/${encodeURIComponent(courseId)}/documents/${encodeURIComponent(documentId)}`;
    return (await this.send("GET", path)).blob();
  }

  async certificatePdf(courseId: string): Promise<Blob> {
    return (await this.send("GET", `/me/courses/${encodeURIComponent(courseId)}/certificate.pdf`)).blob();
  }

  verifyCertificate(code: string): Promise<PublicCertificate> {
    return this.json("GET", `/certificates/verify/${encodeURIComponent(code)}`, { auth: false });
  }

  // -- admin console (issue 18 items 1-3: organisation, bulk import, courses) ------------------
  units(tenantId: string): Promise<Unit[]> {
    return this.json("GET", `/tenants/${encodeURIComponent(tenantId)}/units`);
  }

  createUnit(tenantId: string, unit: { code: string; name: string; parent_id: string | null }): Promise<Unit> {
    return this.json("POST", `/tenants/${encodeURIComponent(tenantId)}/units`, { body: unit });
  }

  renameUnit(unitId: string, name: string): Promise<Unit> {
    return this.json("PATCH", `/units/${encodeURIComponent(unitId)}`, { body: { name } });
  }

  moveUnit(unitId: string, parentId: string | null): Promise<Unit> {
    return this.json("POST", `/units/${encodeURIComponent(unitId)}/move`, { body: { parent_id: parentId } });
  }

  deactivateUnit(unitId: string): Promise<Unit> {
    return this.json("POST", `/units/${encodeURIComponent(unitId)}/deactivate`);
  }

  /** One page of the tenant's users, filtered by the API (never the whole tenant). */
  users(tenantId: string, filters: UserFilters, offset: number, limit: number): Promise<User[]> {
    const query = new URLSearchParams({ offset: String(offset), limit: String(limit) });
    for (const [key, value] of Object.entries(filters)) if (value) query.set(key, value);
    return this.json("GET", `/tenants/${encodeURIComponent(tenantId)}/users?${query}`);
  }

  createUser(tenantId: string, user: Record<string, unknown>): Promise<User> {
    return this.json("POST", `/tenants/${encodeURIComponent(tenantId)}/users`, { body: user });
  }

  updateUser(userId: string, changes: Record<string, unknown>): Promise<User> {
    return this.json("PATCH", `/users/${encodeURIComponent(userId)}`, { body: changes });
  }

  setUserActive(userId: string, active: boolean): Promise<User> {
    return this.json("POST", `/users/${encodeURIComponent(userId)}/${active ? "reactivate" : "deactivate"}`);
  }

  async importTemplate(): Promise<Blob> {
    return (await this.send("GET", "/import-template")).blob();
  }

  startImport(tenantId: string, file: Blob, dryRun: boolean, onProgress?: (sent: number, total: number) => void): Promise<ImportJob> {
    const type = file.type && file.type !== "application/octet-stream" ? file.type : "text/csv";
    return this.upload("POST", `/tenants/${encodeURIComponent(tenantId)}/imports?dry_run=${dryRun}`, file, type, onProgress);
  }

  importJob(jobId: string): Promise<ImportJob> {
    return this.json("GET", `/imports/${encodeURIComponent(jobId)}`);
  }

  async activationCodes(jobId: string): Promise<Blob> {
    return (await this.send("GET", `/imports/${encodeURIComponent(jobId)}/activation-codes`)).blob();
  }

  editableCourse(courseId: string): Promise<EditableCourse> {
    return this.json("GET", `/courses/${encodeURIComponent(courseId)}`);
  }

  createCourse(course: CourseIn): Promise<EditableCourse> {
    return this.json("POST", "/courses", { body: course });
  }

  updateCourse(courseId: string, course: CourseIn): Promise<EditableCourse> {
    return this.json("PUT", `/courses/${encodeURIComponent(courseId)}`, { body: course });
  }

  setCourseStatus(courseId: string, action: "publish" | "archive"): Promise<EditableCourse> {
    return this.json("POST", `/courses/${encodeURIComponent(courseId)}/${action}`);
  }

  uploadDocument(courseId: string, file: File, onProgress?: (sent: number, total: number) => void): Promise<CourseDocument> {
    const path = `/courses/${encodeURIComponent(courseId)}/documents?filename=${encodeURIComponent(file.name)}`;
    return this.upload("POST", path, file, "application/octet-stream", onProgress);
  }

  intakes(courseId: string): Promise<Intake[]> {
    return this.json("GET", `/courses/${encodeURIComponent(courseId)}/intakes`);
  }

  createIntake(courseId: string, intake: Omit<Intake, "intake_id" | "course_id">): Promise<Intake> {
    return this.json("POST", `/courses/${encodeURIComponent(courseId)}/intakes`, { body: intake });
  }

  assign(courseId: string, target: AssignmentTarget, intakeId: string | null): Promise<AssignmentJob> {
    const path = `/courses/${encodeURIComponent(courseId)}/assignments`;
    if ("csv" in target) {
      return this.upload("POST", path + (intakeId ? `?intake_id=${encodeURIComponent(intakeId)}` : ""), target.csv, "text/csv");
    }
    return this.json("POST", path, { body: { ...target, ...(intakeId ? { intake_id: intakeId } : {}) } });
  }

  assignmentJob(jobId: string): Promise<AssignmentJob> {
    return this.json("GET", `/assignment-jobs/${encodeURIComponent(jobId)}`);
  }

  /** A page of a course's enrollments, filtered by the API (empty filters are left out). */
  enrollments(courseId: string, filters: EnrollmentFilters, offset: number, limit: number): Promise<{ items: Enrollment[]; offset: number; limit: number }> {
    const query = progressQuery({ ...filters, offset: String(offset), limit: String(limit) });
    return this.json("GET", `/courses/${encodeURIComponent(courseId)}/enrollments?${query}`);
  }

  /** The filtered enrollments as CSV, written by the API (bounded there). */
  async enrollmentsExport(courseId: string, filters: EnrollmentFilters): Promise<Blob> {
    return (await this.send("GET", `/courses/${encodeURIComponent(courseId)}/enrollments/export?${progressQuery(filters)}`)).blob();
  }

  /** A raw body (a file) with upload progress: fetch() reports none, XMLHttpRequest does. The
   *  same token rules as send(): one refresh and one retry on a 401. */
  private async upload<T>(method: string, path: string, body: Blob, contentType: string,
    onProgress?: (sent: number, total: number) => void, retried = false): Promise<T> {
    const response = await new Promise<Response>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(method, API + path);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("Content-Type", contentType);
      if (this.access) xhr.setRequestHeader("Authorization", `Bearer ${this.access}`);
      if (onProgress) xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : body.size);
      xhr.onload = () => {
        const headers = new Headers();
        const retryAfter = xhr.getResponseHeader("Retry-After");
        if (retryAfter) headers.set("Retry-After", retryAfter);
        resolve(new Response(xhr.status === 204 ? null : xhr.responseText, { status: xhr.status, statusText: xhr.statusText, headers }));
      };
      xhr.onerror = () => reject(new ApiError(0, "network_error", "network"));
      xhr.send(body);
    });
    if (response.status === 401 && !retried && (await this.refresh())) {
      return this.upload(method, path, body, contentType, onProgress, true);
    }
    if (!response.ok) throw await toError(response);
    return (await response.json()) as T;
  }
  // -- reports dashboard, year-end report and operator console (issue 18 items 4-7) -----------
  tenantReport(tenantId: string): Promise<TenantReport> {
    return this.json("GET", `/tenants/${encodeURIComponent(tenantId)}/report`);
  }

  yearEndDraft(tenantId: string, year: number): Promise<YearEndContent> {
    return this.json("GET", `/tenants/${encodeURIComponent(tenantId)}/year-end-reports/${year}`);
  }

  saveEvaluation(tenantId: string, year: number, evaluation: string): Promise<unknown> {
    return this.json("PUT", `/tenants/${encodeURIComponent(tenantId)}/year-end-reports/${year}/evaluation`, { body: { evaluation } });
  }

  submitYearEnd(tenantId: string, year: number, evaluation: string): Promise<YearEndVersion> {
    return this.json("POST", `/tenants/${encodeURIComponent(tenantId)}/year-end-reports/${year}/submit`, { body: { evaluation } });
  }

  yearEndVersions(tenantId: string, year: number): Promise<YearEndVersions> {
    return this.json("GET", `/tenants/${encodeURIComponent(tenantId)}/year-end-reports/${year}/versions`);
  }

  async yearEndVersionFile(tenantId: string, year: number, version: number, format: "json" | "csv" | "xlsx"): Promise<Blob> {
    const path = `/tenants/${encodeURIComponent(tenantId)}/year-end-reports/${year}/versions/${version}?format=${format}`;
    return (await this.send("GET", path)).blob();
  }

  submitTrainingPlan(tenantId: string, year: number, plan: { planned_courses: number; planned_learners: number }): Promise<unknown> {
    return this.json("PUT", `/tenants/${encodeURIComponent(tenantId)}/training-plans/${year}`, { body: plan });
  }

  tenant(tenantId: string): Promise<Tenant> {
    return this.json("GET", `/tenants/${encodeURIComponent(tenantId)}`);
  }

  tenants(offset = 0, limit = 200): Promise<Tenant[]> {
    return this.json("GET", `/tenants?offset=${offset}&limit=${limit}`);
  }

  createTenant(tenant: TenantInput): Promise<Tenant> {
    return this.json("POST", "/tenants", { body: tenant });
  }

  updateTenant(tenantId: string, changes: Partial<TenantInput>): Promise<Tenant> {
    return this.json("PATCH", `/tenants/${encodeURIComponent(tenantId)}`, { body: changes });
  }

  setTenantSuspended(tenantId: string, suspended: boolean): Promise<Tenant> {
    return this.json("POST", `/tenants/${encodeURIComponent(tenantId)}/${suspended ? "suspend" : "reactivate"}`);
  }

  nationalReport(year: number): Promise<NationalReport> {
    return this.json("GET", `/reports/national?year=${year}`);
  }

  courseProgress(courseId: string, filters: ProgressFilters, offset: number, limit: number): Promise<ProgressPage> {
    const query = progressQuery({ ...filters, offset: String(offset), limit: String(limit) });
    return this.json("GET", `/courses/${encodeURIComponent(courseId)}/progress?${query}`);
  }

  async courseProgressExport(courseId: string, filters: ProgressFilters, format: "csv" | "xlsx"): Promise<Blob> {
    const query = progressQuery({ ...filters, format });
    return (await this.send("GET", `/courses/${encodeURIComponent(courseId)}/progress/export?${query}`)).blob();
  }

  ownedCourses(offset = 0, limit = 200): Promise<Catalog> {
    return this.json("GET", `/courses?scope=owned&offset=${offset}&limit=${limit}`);
  }

  createNationalCourse(course: NationalCourseInput): Promise<Course> {
    return this.json("POST", "/courses", { body: { ...course, national: true } });
  }

  setCourseState(courseId: string, action: "publish" | "archive"): Promise<Course> {
    return this.json("POST", `/courses/${encodeURIComponent(courseId)}/${action}`);
  }

  subscribers(): Promise<{ items: Subscriber[] }> {
    return this.json("GET", "/integrations/subscribers");
  }

  registerSubscriber(body: SubscriberInput): Promise<RegisteredSubscriber> {
    return this.json("POST", "/integrations/subscribers", { body });
  }

  rotateSecret(subscriberId: string, graceSeconds: number): Promise<RotatedSecret> {
    return this.json("POST", `/integrations/subscribers/${encodeURIComponent(subscriberId)}/secret`, { body: { grace_seconds: graceSeconds } });
  }

  deliveries(subscriberId: string, state: "pending" | "delivered" | "dead", limit = 50): Promise<{ items: Delivery[] }> {
    return this.json("GET", `/integrations/subscribers/${encodeURIComponent(subscriberId)}/deliveries?state=${state}&limit=${limit}`);
  }

  replay(subscriberId: string, since: string, until: string | null): Promise<{ replay_id: string }> {
    return this.json("POST", `/integrations/subscribers/${encodeURIComponent(subscriberId)}/replays`,
      { body: until ? { since, until } : { since } });
  }

  replayState(subscriberId: string, replayId: string): Promise<{ state: string; queued: number }> {
    return this.json("GET", `/integrations/subscribers/${encodeURIComponent(subscriberId)}/replays/${encodeURIComponent(replayId)}`);
  }
}

/** The query string of a filtered list (progress view, enrollments): empty filters are left out. */
function progressQuery(values: Record<string, string | undefined>): string {
  return new URLSearchParams(Object.entries(values).filter((e): e is [string, string] => !!e[1])).toString();
}

async function toError(response: Response): Promise<ApiError> {
  let body: { code?: string; message?: string; errors?: Record<string, unknown> } = {};
  try {
    body = await response.json();
  } catch {
    // not JSON (a proxy's page): keep the status only
  }
  const retryAfter = Number(response.headers.get("Retry-After")) || null;
  return new ApiError(response.status, body.code ?? "http_error", body.message ?? response.statusText,
    body.errors ?? {}, retryAfter);
}

export const api = new ApiClient();

// The ONE module that talks to the platform's HTTP API (/api/v1). Pages call these methods;
// nothing else calls fetch. It keeps the access token in memory only, rotates the refresh
// token transparently (one refresh at a time, the request retried once), and turns every
// error body {code, message, errors} into an ApiError.
import type {
  Activity, Catalog, Course, MyEnrollment, Progress, PublicCertificate, Tokens, Claims,
} from "./types";
// reports dashboard, year-end report and operator console (issue 18 items 4-7)
import type {
  Delivery, NationalCourseInput, NationalReport, Subscriber, ProgressFilters, ProgressPage, Tenant, TenantInput, TenantReport, YearEndContent, YearEndVersion, YearEndVersions,
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

/** The query string of the staff progress view: empty filters are left out. */
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

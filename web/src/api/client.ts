// The ONE module that talks to the platform's HTTP API (/api/v1). Pages call these methods;
// nothing else calls fetch. It keeps the access token in memory only, rotates the refresh
// token transparently (one refresh at a time, the request retried once), and turns every
// error body {code, message, errors} into an ApiError.
import type {
  Activity, Catalog, Course, MyEnrollment, Progress, PublicCertificate, Tokens, Claims,
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

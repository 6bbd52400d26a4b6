import { ApiClient, ApiError, decodeClaims, fieldErrors } from "./client";

function jwt(claims: object) {
  const b64 = (o: object) => btoa(JSON.stringify(o)).replace(/=+$/, "");
  return `${b64({ alg: "HS256" })}.${b64(claims)}.sig`;
}
const ACCESS1 = jwt({ sub: "u1", tid: "t1", role: "learner", exp: 1 });
const ACCESS2 = jwt({ sub: "u1", tid: "t1", role: "learner", exp: 2 });

function memory() {
  const data = new Map<string, string>();
  return { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v),
           removeItem: (k: string) => void data.delete(k), data };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

describe("ApiClient", () => {
  it("signs in, keeps the access token in memory and only the refresh token in storage", async () => {
    const store = memory();
    const fetchFn = vi.fn(async () => json(200, { access_token: ACCESS1, refresh_token: "r1", expires_in: 900 }));
    const client = new ApiClient(fetchFn as unknown as typeof fetch, store);
    const claims = await client.signIn("an.nguyen", "secret");
    expect(claims).toMatchObject({ userId: "u1", tenantId: "t1", role: "learner" });
    expect([...store.data.values()]).toEqual(["r1"]);
  });

  it("rotates the refresh token once on 401 and retries the request", async () => {
    const store = memory();
    const calls: string[] = [];
    const fetchFn = vi.fn(async (url: string, init: RequestInit) => {
      calls.push(`${init.method} ${url} ${(init.headers as Record<string, string>).Authorization ?? ""}`);
      if (url.endsWith("/auth/token")) return json(200, { access_token: ACCESS1, refresh_token: "r1" });
      if (url.endsWith("/auth/refresh")) {
        expect(JSON.parse(init.body as string)).toEqual({ refresh_token: "r1" });
        return json(200, { access_token: ACCESS2, refresh_token: "r2" });
      }
      return (init.headers as Record<string, string>).Authorization === `Bearer ${ACCESS2}`
        ? json(200, { items: [] }) : json(401, { code: "authentication_failed", message: "expired" });
    });
    const client = new ApiClient(fetchFn as unknown as typeof fetch, store);
    await client.signIn("a", "b");
    const [first, second] = await Promise.all([client.myCourses(), client.myCourses()]);
    expect(first).toEqual({ items: [] });
    expect(second).toEqual({ items: [] });
    expect(calls.filter((c) => c.includes("/auth/refresh"))).toHaveLength(1); // one refresh for both
    expect(store.data.get("mooc.refresh")).toBe("r2");
  });

  it("signs out when the refresh token is refused", async () => {
    const store = memory();
    store.setItem("mooc.refresh", "spent");
    const seen: unknown[] = [];
    const fetchFn = vi.fn(async (url: string) => url.endsWith("/auth/refresh")
      ? json(401, { code: "authentication_failed", message: "spent" })
      : json(401, { code: "authentication_failed", message: "no token" }));
    const client = new ApiClient(fetchFn as unknown as typeof fetch, store);
    client.onSession((c) => seen.push(c));
    await expect(client.myCourses()).rejects.toMatchObject({ status: 401 });
    expect(store.data.has("mooc.refresh")).toBe(false);
    expect(seen).toEqual([null]);
  });

  it("turns the error body into an ApiError with field errors and Retry-After", async () => {
    const fetchFn = vi.fn(async () => json(429, { code: "rate_limited", message: "Too many", errors: { username: ["x"] } },
      { "Retry-After": "42" }));
    const client = new ApiClient(fetchFn as unknown as typeof fetch, memory());
    const error = await client.signIn("a", "b").catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 429, code: "rate_limited", message: "Too many", retryAfter: 42 });
    expect(error.transient).toBe(true);
    expect(fieldErrors(error)).toEqual({ username: "x" });
  });

  it("reports a network failure as a transient error", async () => {
    const client = new ApiClient((async () => { throw new TypeError("Failed to fetch"); }) as typeof fetch, memory());
    const error = await client.verifyCertificate("ABC").catch((e) => e);
    expect(error).toMatchObject({ status: 0, code: "network_error", transient: true });
  });

  it("decodes UTF-8 claims", () => {
    const token = `x.${btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify({ sub: "ư", role: "learner" }))))}.y`;
    expect(decodeClaims(token).userId).toBe("ư");
  });
});

import { ActivityQueue } from "./activityQueue";
import { ApiError } from "./client";
import type { Activity } from "./types";

function memoryStore() {
  const data = new Map<string, string>();
  return { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v) };
}

const opened = { kind: "lesson_opened" as const, course_id: "c1", lesson_id: "l1" };

describe("ActivityQueue", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("gives each activity a UUID and sends it", async () => {
    const sent: Activity[][] = [];
    const queue = new ActivityQueue(async (a) => { sent.push(a); }, memoryStore(), "q", 10);
    const activity = queue.add(opened);
    await queue.flush();
    expect(activity.activity_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent).toEqual([[activity]]);
    expect(queue.pending()).toEqual([]);
  });

  it("re-sends after a network failure with the same activity ids", async () => {
    const calls: string[][] = [];
    let online = false;
    const queue = new ActivityQueue(async (batch) => {
      calls.push(batch.map((a) => a.activity_id));
      if (!online) throw new ApiError(0, "network_error", "offline");
    }, memoryStore(), "q", 10);
    const first = queue.add(opened);
    await queue.flush();
    const second = queue.add({ ...opened, kind: "lesson_completed" });
    await queue.flush();
    expect(queue.pending().map((a) => a.activity_id)).toEqual([first.activity_id, second.activity_id]);
    online = true;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(queue.pending()).toEqual([]);
    expect(calls.at(-1)).toEqual([first.activity_id, second.activity_id]);
    expect(calls.every((ids) => ids[0] === first.activity_id)).toBe(true);
  });

  it("sends what is added while a run is finishing", async () => {
    const sent: string[] = [];
    const queue = new ActivityQueue(async (batch) => { sent.push(...batch.map((a) => a.lesson_id)); },
      memoryStore(), "q", 10);
    // Added after the run's last look at the queue, before the run has ended.
    queue.onSent = () => queueMicrotask(() => { if (sent.length === 1) queue.add({ ...opened, lesson_id: "l2" }); });
    queue.add(opened);
    await vi.advanceTimersByTimeAsync(100); // nothing else calls flush()
    expect(sent).toEqual(["l1", "l2"]);
    expect(queue.pending()).toEqual([]);
  });

  it("keeps the batch on 503 and honours Retry-After", async () => {
    let fail = true;
    const send = vi.fn(async () => { if (fail) throw new ApiError(503, "service_unavailable", "down", {}, 5); });
    const queue = new ActivityQueue(send, memoryStore(), "q", 10);
    queue.add(opened);
    await queue.flush();
    fail = false;
    await vi.advanceTimersByTimeAsync(4_000);
    expect(send).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(send).toHaveBeenCalledTimes(2);
    expect(queue.pending()).toEqual([]);
  });

  it("drops a finally refused batch and reports it, then goes on", async () => {
    const rejected: string[] = [];
    const store = memoryStore();
    const queue = new ActivityQueue(async (batch) => {
      if (batch[0].lesson_id === "quiz") throw new ApiError(409, "conflict", "No attempts left");
    }, store, "q", 10);
    queue.onRejected = ({ error }) => rejected.push(error.message);
    queue.add({ ...opened, lesson_id: "quiz", kind: "quiz_submitted", answers: {} });
    await queue.flush();
    expect(rejected).toEqual(["No attempts left"]);
    expect(queue.pending()).toEqual([]);
  });

  it("survives a reload: what is pending is read back from storage", async () => {
    const store = memoryStore();
    const before = new ActivityQueue(async () => { throw new ApiError(0, "network_error", "x"); }, store, "q", 10);
    const activity = before.add(opened);
    await before.flush();
    const sent: Activity[][] = [];
    const after = new ActivityQueue(async (a) => { sent.push(a); }, store, "q", 10);
    await after.flush();
    expect(sent).toEqual([[activity]]);
  });

  it("sends at most 500 activities per request", async () => {
    const sizes: number[] = [];
    const store = memoryStore();
    const activities = Array.from({ length: 1201 }, (_, i) => ({ ...opened, activity_id: `id-${i}`, occurred_at: "x" }));
    store.setItem("q", JSON.stringify(activities));
    const queue = new ActivityQueue(async (batch) => { sizes.push(batch.length); }, store, "q", 10);
    await queue.flush();
    expect(sizes).toEqual([500, 500, 201]);
  });
});

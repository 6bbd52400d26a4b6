// What a learner does (lesson opened, video watched, quiz submitted...) is queued in the
// browser's localStorage with a client-made UUID, then sent in batches. A network failure, a
// 503 or a 429 keeps the batch and re-sends it later with the SAME activity ids, so the
// server (idempotent by activity id) counts each activity once and nothing is lost, even if
// the tab is reloaded in between. A final refusal (4xx) drops the activities and reports them.
import { ApiError } from "./client";
import type { Activity } from "./types";

export const MAX_BATCH = 500; // the API's batch limit
const MAX_DELAY_MS = 30_000;

type Store = Pick<Storage, "getItem" | "setItem">;
type Send = (activities: Activity[]) => Promise<unknown>;
type Listener = (state: { pending: number; failing: boolean }) => void;
export type Rejection = { activities: Activity[]; error: ApiError };

export class ActivityQueue {
  private sending: Promise<void> | null = null;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  private listeners = new Set<Listener>();
  onSent: (activities: Activity[]) => void = () => undefined;
  onRejected: (rejection: Rejection) => void = () => undefined;

  constructor(private send: Send, private store: Store, private key: string,
              private baseDelayMs = 1000) {}

  pending(): Activity[] {
    try {
      return JSON.parse(this.store.getItem(this.key) ?? "[]");
    } catch {
      return [];
    }
  }

  private save(activities: Activity[]) {
    this.store.setItem(this.key, JSON.stringify(activities));
    this.notify();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    listener(this.state());
    return () => this.listeners.delete(listener);
  }

  private state() {
    return { pending: this.pending().length, failing: this.failures > 0 };
  }

  private notify() {
    const state = this.state();
    this.listeners.forEach((l) => l(state));
  }

  /** Queues one activity (an id and a time are given here) and starts sending. */
  add(activity: Omit<Activity, "activity_id" | "occurred_at">): Activity {
    const full: Activity = { activity_id: crypto.randomUUID(), occurred_at: new Date().toISOString(), ...activity };
    this.save([...this.pending(), full]);
    void this.flush();
    return full;
  }

  /** Sends everything pending, batch by batch; resolves when the queue is empty or failing. */
  flush(): Promise<void> {
    if (this.sending) {
      this.again = true; // added while a run is finishing: that run goes round once more
      return this.sending;
    }
    this.sending = this.run();
    return this.sending;
  }

  private async run() {
    try {
      do {
        this.again = false;
        await this.drain();
      } while (this.again && !this.timer);
    } finally {
      // Cleared in the same step as the last check: an add() after it starts a new run.
      this.sending = null;
    }
  }

  private async drain() {
    for (;;) {
      const batch = this.pending().slice(0, MAX_BATCH);
      if (batch.length === 0) return;
      try {
        await this.send(batch);
      } catch (error) {
        const apiError = error instanceof ApiError ? error : new ApiError(0, "network_error", String(error));
        if (apiError.transient) {
          this.failures += 1;
          this.notify();
          this.retryLater(apiError.retryAfter);
          return;
        }
        this.remove(batch);
        this.onRejected({ activities: batch, error: apiError });
        continue;
      }
      this.failures = 0;
      this.remove(batch);
      this.onSent(batch);
    }
  }

  private remove(sent: Activity[]) {
    const ids = new Set(sent.map((a) => a.activity_id));
    this.save(this.pending().filter((a) => !ids.has(a.activity_id)));
  }

  /** Exponential backoff (capped), or the server's Retry-After when it gives one. */
  private retryLater(retryAfterSeconds: number | null) {
    if (this.timer) clearTimeout(this.timer);
    const backoff = Math.min(this.baseDelayMs * 2 ** (this.failures - 1), MAX_DELAY_MS);
    const delay = retryAfterSeconds ? Math.min(retryAfterSeconds * 1000, MAX_DELAY_MS) : backoff;
    this.timer = setTimeout(() => { this.timer = null; void this.flush(); }, delay);
  }

  /** Try again now (the browser says it is back online). */
  retryNow() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    void this.flush();
  }
}

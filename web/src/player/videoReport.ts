// When to report video progress: each further 10 % watched, and 100 % at the end. Fewer
// messages than every timeupdate (4 per second), enough to resume within 10 %.
export const STEP = 10;

export function percentWatched(currentTime: number, duration: number): number {
  if (!Number.isFinite(duration) || duration <= 0) return 0;
  return Math.min(100, Math.floor((currentTime / duration) * 100));
}

/** The percent to send now, or null: a new 10 % step beyond what was already sent. */
export function nextReport(percent: number, lastSent: number, ended = false): number | null {
  if (ended) return lastSent >= 100 ? null : 100;
  const step = Math.floor(percent / STEP) * STEP;
  return step > lastSent ? step : null;
}

/** Where to resume: the furthest point reached, unless the video was (nearly) finished. */
export function resumeAt(percent: number, duration: number): number {
  if (!Number.isFinite(duration) || percent <= 0 || percent >= 95) return 0;
  return (duration * percent) / 100;
}

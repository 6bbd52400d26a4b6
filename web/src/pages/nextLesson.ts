import type { Progress } from "../api/types";

/** The lesson to continue with: the first lesson not done (required first), else the first. */
export function nextLesson(progress: Progress | null) {
  if (!progress || progress.lessons.length === 0) return null;
  return progress.lessons.find((l) => l.required && !l.done) ?? progress.lessons.find((l) => !l.done) ?? null;
}

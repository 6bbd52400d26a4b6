import type { ActivityQueue } from "../api/activityQueue";
import type { Lesson, LessonProgress } from "../api/types";

/** What every lesson view gets from the course player. */
export type LessonProps = {
  courseId: string;
  lesson: Lesson;
  progress: LessonProgress | undefined;
  queue: ActivityQueue;
  /** Asks the player to re-read the learner's progress (after activities were accepted). */
  refresh: () => void;
};

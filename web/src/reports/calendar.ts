// The reporting calendar in Vietnam time (Asia/Ho_Chi_Minh, UTC+7 all year, no daylight
// saving): the current year and the days left before the year-end report's deadline, whatever
// the browser's own time zone is.
const VN_OFFSET_MS = 7 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The calendar day (days since the epoch) of an instant in Vietnam. */
function vnDay(instant: Date): number {
  return Math.floor((instant.getTime() + VN_OFFSET_MS) / DAY_MS);
}

export function vnYear(now: Date = new Date()): number {
  return new Date(now.getTime() + VN_OFFSET_MS).getUTCFullYear();
}

export type DeadlineStatus = { lastDay: string; daysLeft: number; overdue: boolean };

/** The API gives the deadline as the first instant that is late (16 Dec 00:00 +07:00):
 * the last day to submit is the day before; on that day 0 days are left. */
export function deadlineStatus(deadlineIso: string, now: Date = new Date()): DeadlineStatus {
  const lastInstant = new Date(new Date(deadlineIso).getTime() - 1);
  const lastDay = new Date(vnDay(lastInstant) * DAY_MS).toISOString().slice(0, 10);
  const daysLeft = vnDay(lastInstant) - vnDay(now);
  return { lastDay, daysLeft, overdue: now.getTime() > lastInstant.getTime() };
}

import { deadlineStatus, vnYear } from "./calendar";

const DEADLINE = "2026-12-16T00:00:00+07:00"; // as the API sends it

describe("year-end deadline in Vietnam time", () => {
  it("counts 14 days left on 1 December 2026", () => {
    expect(deadlineStatus(DEADLINE, new Date("2026-12-01T09:00:00+07:00")))
      .toEqual({ lastDay: "2026-12-15", daysLeft: 14, overdue: false });
  });

  it("uses the Vietnamese calendar day, not UTC's", () => {
    // 30 Nov 20:00 UTC is already 1 Dec 03:00 in Hanoi
    expect(deadlineStatus(DEADLINE, new Date("2026-11-30T20:00:00Z")).daysLeft).toBe(14);
    expect(deadlineStatus(DEADLINE, new Date("2026-11-30T16:59:59Z")).daysLeft).toBe(15);
  });

  it("is 0 on the last day and overdue from 16 December", () => {
    expect(deadlineStatus(DEADLINE, new Date("2026-12-15T23:59:00+07:00"))).toMatchObject({ daysLeft: 0, overdue: false });
    expect(deadlineStatus(DEADLINE, new Date("2026-12-16T00:00:00+07:00"))).toMatchObject({ daysLeft: -1, overdue: true });
  });

  it("gives the year in Vietnam", () => {
    expect(vnYear(new Date("2026-12-31T17:30:00Z"))).toBe(2027);
    expect(vnYear(new Date("2026-12-31T16:30:00Z"))).toBe(2026);
  });
});

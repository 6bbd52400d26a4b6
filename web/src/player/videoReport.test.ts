import { nextReport, percentWatched, resumeAt } from "./videoReport";

describe("video reporting", () => {
  it("reports each new 10 % step once, and 100 % at the end", () => {
    expect(nextReport(9, 0)).toBeNull();
    expect(nextReport(14, 0)).toBe(10);
    expect(nextReport(19, 10)).toBeNull();
    expect(nextReport(95, 40)).toBe(90);
    expect(nextReport(99, 90, true)).toBe(100);
    expect(nextReport(100, 100, true)).toBeNull();
  });
  it("computes the watched percent and the resume point", () => {
    expect(percentWatched(30, 60)).toBe(50);
    expect(percentWatched(1, NaN)).toBe(0);
    expect(resumeAt(50, 60)).toBe(30);
    expect(resumeAt(100, 60)).toBe(0);
  });
});

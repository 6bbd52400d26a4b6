import { formatDate, formatDateTime, formatNumber, formatPercent } from "./format";

describe("formatting", () => {
  it("dates in Vietnamese, in Vietnam's time zone", () => {
    // 23:30 UTC on 30 Nov is already 1 Dec in Hanoi
    expect(formatDate("2026-11-30T23:30:00Z", "vi")).toBe("1 tháng 12, 2026");
    expect(formatDateTime("2026-11-30T23:30:00Z", "vi")).toContain("06:30");
    expect(formatDate("2026-12-15", "vi")).toBe("15 tháng 12, 2026");
    expect(formatDate("2026-12-15", "en")).toBe("15 December 2026");
  });

  it("numbers and percents for vi-VN", () => {
    expect(formatNumber(1234.5, "vi")).toBe("1.234,5");
    expect(formatPercent(100, "vi")).toBe("100%");
    expect(formatNumber(1234.5, "en")).toBe("1,234.5");
  });
});

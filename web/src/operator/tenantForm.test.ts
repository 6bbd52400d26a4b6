import { needsOverride, seatsText } from "./tenantForm";

describe("tenant form", () => {
  it("asks for a confirmation only above 40,000 learners", () => {
    expect(needsOverride(40000)).toBe(false);
    expect(needsOverride(40001)).toBe(true);
  });
  it("gives the seats used as a share of the quota", () => {
    expect(seatsText(5000, 20000)).toEqual({ percent: 25, full: false });
    expect(seatsText(20000, 20000)).toEqual({ percent: 100, full: true });
  });
});

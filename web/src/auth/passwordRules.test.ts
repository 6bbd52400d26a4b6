import { passwordRules } from "./passwordRules";

const met = (p: string, u = "an.nguyen", c = p) => Object.fromEntries(passwordRules(p, u, c).map((r) => [r.key, r.met]));

describe("password rules", () => {
  it("length counts characters, not bytes, between 10 and 128", () => {
    expect(met("ngắn").ruleLength).toBe(false);
    expect(met("mậtkhẩudài").ruleLength).toBe(true); // 10 characters, more bytes
    expect(met("x".repeat(129)).ruleLength).toBe(false);
  });

  it("refuses the username inside the password, in any case", () => {
    expect(met("xxAN.NGUYENxx").ruleUsername).toBe(false);
    expect(met("hoa sen nở rộ").ruleUsername).toBe(true);
  });

  it("needs the confirmation to match", () => {
    expect(met("hoa sen nở rộ", "a", "hoa sen nở").ruleMatch).toBe(false);
    expect(met("").ruleMatch).toBe(false);
  });
});

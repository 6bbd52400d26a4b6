import { describe, expect, it } from "vitest";
import vi from "../i18n/features/admin.vi.json";
import { importMessageKey } from "./importMessages";

describe("import messages", () => {
  it("recognises the accounts service's messages, with their values", () => {
    expect(importMessageKey("Not a valid email address.")).toEqual(["admin.importMessages.email", {}]);
    expect(importMessageKey("duplicate of row 7")).toEqual(["admin.importMessages.duplicate", { row: "7" }]);
    expect(importMessageKey("Must be one of: cadre, worker.")).toEqual(["admin.importMessages.oneOf", { values: "cadre, worker" }]);
    expect(importMessageKey("already imported by job abc123")).toEqual(["admin.importMessages.alreadyImported", { job: "abc123" }]);
  });

  it("leaves an unknown message alone", () => {
    expect(importMessageKey("something new")).toBeNull();
  });

  it("has a Vietnamese message for every rule", () => {
    const samples = ["Not a valid email address.", "email or phone is required", "not a Vietnamese mobile number",
      "Missing data for required field.", "Must be one of: a.", "3-64 lowercase letters, digits", "Longer than maximum length 200.",
      "must not contain control characters", "duplicate of row 2", "already taken", "no active unit with this code in the tenant",
      "required column is missing", "unknown column (expected: a, b)", "the file is empty", "not UTF-8 text (save)",
      "more than 40000 rows", "not a readable XLSX workbook", "already imported by job x", "learner quota exceeded"];
    const messages = (vi as { importMessages: Record<string, string> }).importMessages;
    for (const sample of samples) {
      const found = importMessageKey(sample);
      expect(found, sample).not.toBeNull();
      expect(messages[found![0].split(".").pop()!], sample).toBeTruthy();
    }
  });
});

import { describe, expect, it } from "vitest";
import { csvCell, csvText } from "./csvExport";

describe("CSV export", () => {
  it("quotes separators and neutralises formulas", () => {
    expect(csvCell("Nguyễn Văn Ân")).toBe("Nguyễn Văn Ân");
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
    expect(csvCell("=HYPERLINK(1)")).toBe(`"'=HYPERLINK(1)"`);
    expect(csvCell(null)).toBe("");
  });

  it("writes a BOM and CRLF lines", () => {
    expect(csvText(["a", "b"], [[1, "x"]])).toBe("\ufeffa,b\r\n1,x\r\n");
  });
});

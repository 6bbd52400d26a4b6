import en from "./en.json";
import vi from "./vi.json";

function keys(obj: object, prefix = ""): string[] {
  return Object.entries(obj).flatMap(([k, v]) => (typeof v === "object" ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

describe("message catalogs", () => {
  it("have the same keys in Vietnamese and English", () => {
    expect(keys(en).sort()).toEqual(keys(vi).sort());
  });

  it("Vietnamese text is NFC", () => {
    const text = JSON.stringify(vi);
    expect(text).toBe(text.normalize("NFC"));
  });
});

import en from "./en.json";
import { catalog } from "./index";
import vi from "./vi.json";

function keys(obj: object, prefix = ""): string[] {
  return Object.entries(obj).flatMap(([k, v]) => (typeof v === "object" ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

describe("message catalogs", () => {
  it("have the same keys in Vietnamese and English", () => {
    expect(keys(catalog("en", en)).sort()).toEqual(keys(catalog("vi", vi)).sort());
  });

  it("Vietnamese text is NFC", () => {
    const text = JSON.stringify(catalog("vi", vi));
    expect(text).toBe(text.normalize("NFC"));
  });
});

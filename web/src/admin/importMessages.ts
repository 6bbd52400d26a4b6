// The import report's messages in the admin's language. The accounts service reports each
// problem in English ({row, column, message}); the known ones are matched here and shown in
// Vietnamese, anything else keeps the service's own words.
type Rule = [RegExp, string];

const RULES: Rule[] = [
  [/^Not a valid email address\.$/, "admin.importMessages.email"],
  [/^email or phone is required$/, "admin.importMessages.contact"],
  [/^not a Vietnamese mobile number$/, "admin.importMessages.phone"],
  [/^Missing data for required field\.$/, "admin.importMessages.required"],
  [/^Field may not be null\.$/, "admin.importMessages.required"],
  [/^Must be one of: (?<values>.+)\.$/, "admin.importMessages.oneOf"],
  [/^3-64 lowercase letters/, "admin.importMessages.username"],
  [/^(Length must be between|Longer than maximum length|Shorter than minimum length)/, "admin.importMessages.length"],
  [/^must not contain control characters$/, "admin.importMessages.control"],
  [/^duplicate of row (?<row>\d+)$/, "admin.importMessages.duplicate"],
  [/^already taken$/, "admin.importMessages.taken"],
  [/^no active unit with this code in the tenant$/, "admin.importMessages.unit"],
  [/^required column is missing$/, "admin.importMessages.missingColumn"],
  [/^unknown column \(expected: (?<values>.+)\)$/, "admin.importMessages.unknownColumn"],
  [/^the file is empty$/, "admin.importMessages.empty"],
  [/^not UTF-8 text/, "admin.importMessages.encoding"],
  [/^more than (?<max>\d+) rows/, "admin.importMessages.tooManyRows"],
  [/^not (accepted as )?a(n)? (readable )?XLSX workbook/, "admin.importMessages.xlsx"],
  [/^already imported by job (?<job>\w+)$/, "admin.importMessages.alreadyImported"],
  [/^[Ll]earner quota exceeded/, "admin.importMessages.quota"],
];

/** [i18n key, values] for a known message, or null (show the message as it is). */
export function importMessageKey(message: string): [string, Record<string, string>] | null {
  for (const [pattern, key] of RULES) {
    const match = pattern.exec(message);
    if (match) return [key, { ...(match.groups ?? {}) }];
  }
  return null;
}

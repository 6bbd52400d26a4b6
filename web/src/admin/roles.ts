// What each console role may do, mirroring the API's rules (the API stays the judge: a write it
// refuses still answers 403). Used to hide the controls a role cannot use.
export const AUTHORS = ["tenant_admin", "instructor"] as const;
export const ADMINS = ["tenant_admin"] as const;
export const COURSE_READERS = ["tenant_admin", "instructor", "report_viewer"] as const;
// the operator opens its national courses in the course editor (from /operator/courses)
export const COURSE_EDITORS = [...AUTHORS, "operator_admin"] as const;

export const mayAuthor = (role: string | undefined) => (COURSE_EDITORS as readonly string[]).includes(role ?? "");
export const mayAssign = (role: string | undefined) => (ADMINS as readonly string[]).includes(role ?? "");

// Every page of the admin console, in one module so that React.lazy loads them as one chunk
// (the learner portal's first load carries none of it).
import "./admin.css";

export { CourseEditorPage } from "./CourseEditorPage";
export { CourseLearnersPage } from "./CourseLearnersPage";
export { CoursesPage } from "./CoursesPage";
export { ImportPage } from "./ImportPage";
export { UnitsPage } from "./UnitsPage";
export { UsersPage } from "./UsersPage";

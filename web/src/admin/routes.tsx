// The admin feature's console pages (see console/routeTypes.ts), loaded on first use: the
// whole console is one lazy chunk.
import { lazy, Suspense, type ComponentType, type LazyExoticComponent } from "react";
import { Loading } from "../components/Loading";
import type { ConsoleRoute } from "../console/routeTypes";
import { ADMINS, AUTHORS, COURSE_READERS } from "./roles";

const COURSE_OPENERS = [...COURSE_READERS, "operator_admin"] as const; // readers, and the operator's national courses

type Pages = typeof import("./pages");
const page = (name: keyof Pages): LazyExoticComponent<ComponentType> =>
  lazy(() => import("./pages").then((m) => ({ default: m[name] as ComponentType })));

const Units = page("UnitsPage");
const Users = page("UsersPage");
const Import = page("ImportPage");
const Courses = page("CoursesPage");
const CourseEditor = page("CourseEditorPage");
const CourseLearners = page("CourseLearnersPage");

const lazily = (Page: LazyExoticComponent<ComponentType>) => <Suspense fallback={<Loading />}><Page /></Suspense>;

export const adminRoutes: ConsoleRoute[] = [
  { path: "/admin/units", roles: ADMINS, element: lazily(Units), navKey: "admin.nav.units" },
  { path: "/admin/users", roles: ADMINS, element: lazily(Users), navKey: "admin.nav.users" },
  { path: "/admin/import", roles: ADMINS, element: lazily(Import), navKey: "admin.nav.import" },
  { path: "/admin/courses", roles: COURSE_READERS, element: lazily(Courses), navKey: "admin.nav.courses" },
  { path: "/admin/courses/new", roles: AUTHORS, element: lazily(CourseEditor) },
  { path: "/admin/courses/:courseId", roles: COURSE_OPENERS, element: lazily(CourseEditor) },
  { path: "/admin/courses/:courseId/learners", roles: COURSE_OPENERS, element: lazily(CourseLearners) },
];

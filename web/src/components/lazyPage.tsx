// A console page loaded on first visit (its own chunk), with the loading indicator meanwhile.
import { lazy, Suspense, type ComponentType } from "react";
import { Loading } from "./Loading";

export function lazyPage(load: () => Promise<ComponentType>) {
  const Page = lazy(() => load().then((component) => ({ default: component })));
  return <Suspense fallback={<Loading />}><Page /></Suspense>;
}

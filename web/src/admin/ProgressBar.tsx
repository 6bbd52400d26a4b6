import { percent } from "./importErrors";

/** A labelled <progress> with the count spelled out (screen readers read both). */
export function ProgressBar({ label, done, total, text }: { label: string; done: number | null | undefined; total: number | null | undefined; text: string }) {
  const value = percent(done, total);
  return (
    <div className="meter job-progress">
      <progress aria-label={label} max={100} value={value ?? undefined} />
      <span>{text}</span>
    </div>
  );
}

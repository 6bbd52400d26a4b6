import { useCallback, useEffect, useRef, useState } from "react";

/** Polls a background job (an import, an assignment) until it is finished; network errors
 *  and 5xx are retried at the next tick, other errors end the polling and are returned. */
export function useJob<J>(read: (id: string) => Promise<J>, finished: (job: J) => boolean, intervalMs = 1000) {
  const [job, setJob] = useState<J | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [id, setId] = useState<string | null>(null);
  const readRef = useRef(read);
  readRef.current = read;
  const finishedRef = useRef(finished);
  finishedRef.current = finished;

  useEffect(() => {
    if (!id) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const tick = async () => {
      try {
        const current = await readRef.current(id);
        if (stopped) return;
        setJob(current);
        if (finishedRef.current(current)) return;
      } catch (e) {
        if (stopped) return;
        const transient = (e as { transient?: boolean }).transient;
        if (!transient) { setError(e); return; }
      }
      timer = setTimeout(tick, intervalMs);
    };
    void tick();
    return () => { stopped = true; clearTimeout(timer); };
  }, [id, intervalMs]);

  const follow = useCallback((started: J & { job_id: string }) => { setError(null); setJob(started); setId(started.job_id); }, []);
  const reset = useCallback(() => { setId(null); setJob(null); setError(null); }, []);
  return { job, error, follow, reset };
}

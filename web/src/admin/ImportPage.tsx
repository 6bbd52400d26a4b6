import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, ApiError } from "../api/client";
import type { ImportJob } from "../api/types";
import { useSession } from "../auth/session";
import { DataTable } from "../components/DataTable";
import { saveBlob } from "../components/download";
import { ErrorAlert } from "../components/ErrorAlert";
import { formatNumber } from "../i18n/format";
import { errorLines, type ErrorLine } from "./importErrors";
import { importMessageKey } from "./importMessages";
import { ProgressBar } from "./ProgressBar";
import { useJob } from "./useJob";

const finished = (job: ImportJob) => job.state === "done" || job.state === "failed";
const MAX_BYTES = 20 * 1024 * 1024; // the API's limit (413 above it)

/** Bulk import of learners: template, dry run listing every error by row and column, the import
 *  with a live progress bar, then the one-time activation codes. */
export function ImportPage() {
  const { t, i18n } = useTranslation();
  const n = (value: number) => formatNumber(value, i18n.language);
  const say = (message: string) => { const known = importMessageKey(message); return known ? t(known[0], known[1]) : message; };
  const { claims } = useSession();
  const tenantId = claims!.tenantId!;
  const [file, setFile] = useState<File | null>(null);
  const [upload, setUpload] = useState<{ sent: number; total: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const check = useJob((id) => api.importJob(id), finished);
  const run = useJob((id) => api.importJob(id), finished);
  const [codes, setCodes] = useState<"ready" | "saved" | "gone">("ready");

  const start = async (dryRun: boolean) => {
    if (!file) return;
    setError(null);
    if (file.size > MAX_BYTES) { setError(new ApiError(413, "payload_too_large", t("admin.import.tooLarge"))); return; }
    if (dryRun) { check.reset(); run.reset(); } else run.reset();
    setUpload({ sent: 0, total: file.size });
    try {
      const job = await api.startImport(tenantId, file, dryRun, (sent, total) => setUpload({ sent, total }));
      (dryRun ? check : run).follow(job);
      setCodes("ready");
    } catch (e) {
      setError(e);
    } finally {
      setUpload(null);
    }
  };

  const downloadCodes = async (jobId: string) => {
    try {
      saveBlob(await api.activationCodes(jobId), `ma-kich-hoat-${jobId}.csv`);
      setCodes("saved");
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) setCodes("gone");
      else setError(e);
    }
  };

  const preview = check.job;
  const imported = run.job;
  const busy = upload !== null || (preview !== null && !finished(preview)) || (imported !== null && !finished(imported));
  const lines = preview?.state === "failed" ? errorLines(preview.errors ?? [], t("admin.import.wholeFile"), say) : [];

  return (
    <section className="admin">
      <h1>{t("admin.import.title")}</h1>
      <p>{t("admin.import.intro")}</p>
      <p>
        <button type="button" onClick={async () => {
          try { saveBlob(await api.importTemplate(), "mau-nhap-hoc-vien.csv"); } catch (e) { setError(e); }
        }}>{t("admin.import.template")}</button>
      </p>
      <div className="field">
        <label htmlFor="import-file">{t("admin.import.file")}</label>
        <input id="import-file" type="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
          aria-describedby="import-file-hint" disabled={busy}
          onChange={(e) => { setFile(e.target.files?.[0] ?? null); check.reset(); run.reset(); setError(null); }} />
        <div id="import-file-hint" className="hint">{t("admin.import.fileHint")}</div>
      </div>
      <button type="button" className="primary" disabled={!file || busy} onClick={() => start(true)}>{t("admin.import.check")}</button>
      {upload && <ProgressBar label={t("admin.import.uploading")} done={upload.sent} total={upload.total}
        text={t("admin.import.uploaded", { percent: Math.round((upload.sent / Math.max(upload.total, 1)) * 100) })} />}
      <ErrorAlert error={error ?? check.error ?? run.error} />

      <div aria-live="polite">
        {preview && !finished(preview) && <p role="status">{t("admin.import.checking")}</p>}
        {preview?.state === "failed" && (
          <div className="alert alert-error" role="alert">
            {t("admin.import.errorsFound", { count: preview.error_count ?? lines.length })}
            {(preview.error_count ?? 0) > lines.length && <> {t("admin.import.errorsShown", { shown: n(lines.length) })}</>}
          </div>
        )}
        {preview?.state === "done" && preview.result?.valid && (
          <div className="alert alert-ok" role="status">{t("admin.import.valid", { count: preview.result.would_create ?? 0 })}</div>
        )}
      </div>
      {lines.length > 0 && (
        <DataTable<ErrorLine> caption={t("admin.import.errorsCaption")} rows={lines} rowKey={(l) => l.key} columns={[
          { key: "row", header: t("admin.import.row"), cell: (l) => l.row },
          { key: "column", header: t("admin.import.column"), cell: (l) => l.column },
          { key: "message", header: t("admin.import.message"), cell: (l) => l.message },
        ]} />
      )}
      {preview?.state === "done" && preview.result?.valid && !imported && (
        <p><button type="button" className="primary" disabled={busy} onClick={() => start(false)}>
          {t("admin.import.run", { count: preview.result.would_create ?? 0 })}</button></p>
      )}

      {imported && (
        <section aria-labelledby="import-run">
          <h2 id="import-run">{t("admin.import.progressTitle")}</h2>
          <ProgressBar label={t("admin.import.progressTitle")} done={imported.rows_done} total={imported.rows_total}
            text={t("admin.import.rows", { done: n(imported.rows_done ?? 0), total: n(imported.rows_total ?? 0) })} />
          <p role="status">{t(`admin.import.state.${imported.state}`)}</p>
          {imported.state === "failed" && (
            <div className="alert alert-error" role="alert">{t("admin.import.failed")}
              <ul>{errorLines(imported.errors ?? [], t("admin.import.wholeFile"), say).slice(0, 20).map((l) =>
                <li key={l.key}>{[l.row, l.column, l.message].filter(Boolean).join(" · ")}</li>)}</ul>
            </div>
          )}
          {imported.state === "done" && (
            <div className="alert alert-warning codes" role="alert">
              <p><strong>{t("admin.import.created", { count: imported.result?.created ?? 0 })}</strong></p>
              <p>{t("admin.import.codesOnce")}</p>
              {codes === "ready" && <button type="button" className="primary" onClick={() => downloadCodes(imported.job_id)}>{t("admin.import.downloadCodes")}</button>}
              {codes === "saved" && <p className="done-note">{t("admin.import.codesSaved")}</p>}
              {codes === "gone" && <p>{t("admin.import.codesGone")}</p>}
            </div>
          )}
        </section>
      )}
    </section>
  );
}

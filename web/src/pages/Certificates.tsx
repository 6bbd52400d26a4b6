import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api } from "../api/client";
import { saveBlob } from "../components/download";
import { ErrorAlert } from "../components/ErrorAlert";
import { Loading } from "../components/Loading";
import { useAsync } from "../components/useAsync";
import { formatDate } from "../i18n/format";

async function load() {
  const { items } = await api.myCourses();
  const completed = items.filter((e) => e.status === "completed");
  const progress = await Promise.all(completed.map((e) => api.progress(e.course_id)));
  return progress.filter((p) => p.certificate);
}

export async function downloadCertificate(courseId: string, serial: string) {
  saveBlob(await api.certificatePdf(courseId), `${serial}.pdf`);
}

export function Certificates() {
  const { t, i18n } = useTranslation();
  const { data, error, loading } = useAsync(load, []);
  if (loading && !data) return <Loading />;
  return (
    <section>
      <h1>{t("certificates.title")}</h1>
      <ErrorAlert error={error} />
      {data?.length === 0 && <p>{t("certificates.empty")}</p>}
      <ul className="cards">
        {data?.map((p) => (
          <li key={p.certificate!.certificate_id} className="card">
            <h2>{p.course_title}</h2>
            <dl>
              <dt>{t("certificates.serial")}</dt><dd>{p.certificate!.serial}</dd>
              <dt>{t("certificates.issued")}</dt><dd>{formatDate(p.certificate!.issued_at, i18n.language)}</dd>
              <dt>{t("certificates.code")}</dt><dd><code>{p.certificate!.verification_code}</code></dd>
            </dl>
            <button type="button" className="primary" onClick={() => downloadCertificate(p.course_id, p.certificate!.serial)}>
              {t("certificates.download")}
            </button>{" "}
            <Link to={`/verify/${p.certificate!.verification_code}`}>{t("certificates.verify")}</Link>
          </li>
        ))}
      </ul>
    </section>
  );
}

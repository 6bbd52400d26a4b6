import { useTranslation } from "react-i18next";
import { useParams } from "react-router";
import { api, ApiError } from "../api/client";
import { ErrorAlert } from "../components/ErrorAlert";
import { Loading } from "../components/Loading";
import { useAsync } from "../components/useAsync";
import { formatDate } from "../i18n/format";

/** Public: anyone can check a certificate by its code, without signing in. */
export function Verify() {
  const { t, i18n } = useTranslation();
  const { code = "" } = useParams();
  const { data, error, loading } = useAsync(() => api.verifyCertificate(code), [code]);
  if (loading && !data) return <Loading />;
  const unknown = error instanceof ApiError && (error.status === 404 || error.status === 422);
  return (
    <section className="card narrow">
      <h1>{t("verify.title")}</h1>
      {unknown ? <p className="alert alert-error" role="alert">{t("verify.invalid")}</p> : <ErrorAlert error={error} />}
      {data && (
        <>
          <p className="alert alert-ok">{t("verify.valid")}</p>
          <dl className="certificate">
            <dt>{t("verify.learner")}</dt><dd>{data.learner_name}</dd>
            <dt>{t("verify.course")}</dt><dd>{data.course_title}</dd>
            <dt>{t("verify.issuer")}</dt><dd>{data.issuer_name}</dd>
            <dt>{t("verify.issuedOn")}</dt><dd>{formatDate(data.issued_on, i18n.language)}</dd>
          </dl>
        </>
      )}
    </section>
  );
}

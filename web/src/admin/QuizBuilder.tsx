import { useTranslation } from "react-i18next";
import type { LessonIn, QuizQuestionIn } from "../api/types";
import { Field } from "../components/Field";
import { blankQuestion } from "./courseForm";

type Quiz = NonNullable<LessonIn["quiz"]>;

/** Questions (single or multiple choice), their options and the correct ones, the pass mark
 *  and the attempts allowed. `problems` are the form's checks keyed by path under the quiz. */
export function QuizBuilder({ quiz, onChange, problems, readOnly, idPrefix }: {
  quiz: Quiz; onChange: (quiz: Quiz) => void; problems: (key: string) => string | undefined; readOnly: boolean; idPrefix: string;
}) {
  const { t } = useTranslation();
  const setQuestion = (qi: number, q: QuizQuestionIn) => onChange({ ...quiz, questions: quiz.questions.map((x, i) => (i === qi ? q : x)) });
  return (
    <div className="quiz-builder">
      <div className="grid-2">
        <Field label={t("admin.quiz.passMark")} type="number" min={0} max={100} value={quiz.pass_mark} readOnly={readOnly}
          error={problems("pass_mark")} onChange={(e) => onChange({ ...quiz, pass_mark: Number(e.target.value) })} />
        <Field label={t("admin.quiz.maxAttempts")} type="number" min={1} max={100} value={quiz.max_attempts ?? ""} readOnly={readOnly}
          hint={t("admin.quiz.unlimitedHint")} onChange={(e) => onChange({ ...quiz, max_attempts: e.target.value ? Number(e.target.value) : null })} />
      </div>
      {problems("") && <p className="field-error">{problems("")}</p>}
      {quiz.questions.map((q, qi) => {
        const name = `${idPrefix}-q${qi}`;
        return (
          <fieldset key={q.question_id ?? qi} className="question">
            <legend>{t("admin.quiz.question", { n: qi + 1 })}</legend>
            <Field label={t("admin.quiz.text")} value={q.text} readOnly={readOnly} maxLength={2000} error={problems(`questions.${qi}.text`)}
              onChange={(e) => setQuestion(qi, { ...q, text: e.target.value })} />
            <div className="grid-2">
              <div className="field">
                <label htmlFor={`${name}-kind`}>{t("admin.quiz.kind")}</label>
                <select id={`${name}-kind`} value={q.kind} disabled={readOnly}
                  onChange={(e) => setQuestion(qi, { ...q, kind: e.target.value as QuizQuestionIn["kind"],
                    options: q.options.map((o, i) => ({ ...o, correct: e.target.value === "single" ? i === q.options.findIndex((x) => x.correct) : o.correct })) })}>
                  <option value="single">{t("admin.quiz.single")}</option>
                  <option value="multiple">{t("admin.quiz.multiple")}</option>
                </select>
              </div>
              <Field label={t("admin.quiz.points")} type="number" min={0} step="0.5" value={q.points} readOnly={readOnly}
                onChange={(e) => setQuestion(qi, { ...q, points: Number(e.target.value) })} />
            </div>
            <ol className="options">
              {q.options.map((o, oi) => (
                <li key={o.option_id ?? oi} className="option-row">
                  <input type={q.kind === "single" ? "radio" : "checkbox"} name={`${name}-correct`} checked={o.correct} disabled={readOnly}
                    aria-label={t("admin.quiz.correctOf", { n: oi + 1 })}
                    onChange={(e) => setQuestion(qi, { ...q, options: q.options.map((x, i) => ({ ...x,
                      correct: q.kind === "single" ? i === oi : i === oi ? e.target.checked : x.correct })) })} />
                  <input type="text" value={o.text} readOnly={readOnly} maxLength={1000} aria-label={t("admin.quiz.optionOf", { n: oi + 1 })}
                    onChange={(e) => setQuestion(qi, { ...q, options: q.options.map((x, i) => (i === oi ? { ...x, text: e.target.value } : x)) })} />
                  {!readOnly && q.options.length > 2 && (
                    <button type="button" className="small" aria-label={t("admin.quiz.removeOption", { n: oi + 1 })}
                      onClick={() => setQuestion(qi, { ...q, options: q.options.filter((_, i) => i !== oi) })}>×</button>
                  )}
                </li>
              ))}
            </ol>
            {problems(`questions.${qi}.options`) && <p className="field-error">{problems(`questions.${qi}.options`)}</p>}
            {problems(`questions.${qi}.correct`) && <p className="field-error">{problems(`questions.${qi}.correct`)}</p>}
            {!readOnly && (
              <p className="row-actions">
                <button type="button" className="small" onClick={() => setQuestion(qi, { ...q, options: [...q.options, { text: "", correct: false }] })}>
                  {t("admin.quiz.addOption")}</button>
                {quiz.questions.length > 1 && <button type="button" className="small"
                  onClick={() => onChange({ ...quiz, questions: quiz.questions.filter((_, i) => i !== qi) })}>{t("admin.quiz.removeQuestion", { n: qi + 1 })}</button>}
              </p>
            )}
          </fieldset>
        );
      })}
      {!readOnly && <button type="button" onClick={() => onChange({ ...quiz, questions: [...quiz.questions, blankQuestion()] })}>{t("admin.quiz.addQuestion")}</button>}
    </div>
  );
}

import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { Attempt } from "../api/types";
import { formatNumber } from "../i18n/format";
import { choose, complete, type Answers } from "./quizAnswers";
import type { LessonProps } from "./types";

const POLL_MS = 700;

/** Questions without answer keys (the API drops them); the score and pass/fail shown are the
 *  server's, read back from the learner's progress once the attempt (by its id) is graded. */
export function QuizLesson({ courseId, lesson, progress, queue, refresh }: LessonProps) {
  const { t, i18n } = useTranslation();
  const quiz = lesson.quiz!;
  const state = progress?.quiz;
  const [answers, setAnswers] = useState<Answers>({});
  const [waitingFor, setWaitingFor] = useState<string | null>(null);
  const [result, setResult] = useState<Attempt | null>(null);
  const [missing, setMissing] = useState(false);

  useEffect(() => {
    if (!waitingFor) return;
    let stop = false;
    const poll = async () => {
      while (!stop) {
        const current = await api.progress(courseId).catch(() => null);
        const attempt = current?.lessons.find((l) => l.lesson_id === lesson.lesson_id)?.quiz?.attempts
          ?.find((a) => a.attempt_id === waitingFor);
        if (attempt) {
          setResult(attempt);
          setWaitingFor(null);
          refresh();
          return;
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    };
    void poll();
    return () => { stop = true; };
  }, [waitingFor, courseId, lesson.lesson_id, refresh]);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!complete(answers, quiz.questions)) { setMissing(true); return; }
    setMissing(false);
    setResult(null);
    const activity = queue.add({ kind: "quiz_submitted", course_id: courseId, lesson_id: lesson.lesson_id, answers });
    setWaitingFor(activity.activity_id);
  }

  const left = state?.attempts_left ?? quiz.max_attempts;
  const score = (value: number) => `${formatNumber(value, i18n.language)} %`;
  return (
    <div className="quiz">
      <p className="meta">
        <span>{t("quiz.passMark", { mark: score(quiz.pass_mark) })}</span>
        <span>{left === null ? t("quiz.unlimited") : t("quiz.attemptsLeft", { count: left })}</span>
        {state?.best_score != null && <span>{t("quiz.best", { score: score(state.best_score) })}</span>}
      </p>
      {state?.passed && <p className="alert alert-ok">{t("quiz.alreadyPassed")}</p>}
      <div aria-live="polite" role="status">
        {waitingFor && <p>{t("quiz.grading")}</p>}
        {result && (
          <p className={`alert ${result.passed ? "alert-ok" : "alert-error"}`} data-testid="quiz-result">
            {t("quiz.score", { n: result.number, score: score(result.score) })} — {t(result.passed ? "quiz.passed" : "quiz.failed")}
          </p>
        )}
      </div>
      {left === 0 ? <p className="alert alert-error">{t("quiz.noAttempts")}</p> : (
        <form onSubmit={submit} key={result?.attempt_id ?? "new"}>
          {quiz.questions.map((question, index) => (
            <fieldset key={question.question_id}>
              <legend>
                {t("quiz.question", { n: index + 1 })}: {question.text}{" "}
                <span className="hint">({t("quiz.points", { count: question.points })}
                {question.kind === "multiple" && `; ${t("quiz.multiple")}`})</span>
              </legend>
              {question.options.map((option) => (
                <label key={option.option_id} className="option">
                  <input type={question.kind === "single" ? "radio" : "checkbox"} name={question.question_id}
                         value={option.option_id}
                         checked={(answers[question.question_id] ?? []).includes(option.option_id)}
                         onChange={(e) => setAnswers(choose(answers, question, option.option_id, e.target.checked))} />
                  {option.text}
                </label>
              ))}
            </fieldset>
          ))}
          {missing && <p className="field-error" role="alert">{t("quiz.answerAll")}</p>}
          <button type="submit" className="primary" disabled={!!waitingFor}>
            {result ? t("quiz.retry") : t("quiz.submit")}
          </button>
        </form>
      )}
    </div>
  );
}

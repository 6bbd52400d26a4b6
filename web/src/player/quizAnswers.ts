import type { Question } from "../api/types";

export type Answers = Record<string, string[]>;

/** A single-choice question keeps one option; a multiple-choice one toggles. */
export function choose(answers: Answers, question: Question, optionId: string, checked: boolean): Answers {
  const current = answers[question.question_id] ?? [];
  const next = question.kind === "single" ? [optionId]
    : checked ? [...new Set([...current, optionId])] : current.filter((id) => id !== optionId);
  return { ...answers, [question.question_id]: next };
}

export function complete(answers: Answers, questions: Question[]): boolean {
  return questions.every((q) => (answers[q.question_id] ?? []).length > 0);
}

import type { Question } from "../api/types";
import { choose, complete } from "./quizAnswers";

const single = { question_id: "q1", kind: "single", options: [] } as unknown as Question;
const multiple = { question_id: "q2", kind: "multiple", options: [] } as unknown as Question;

describe("quiz answers", () => {
  it("single keeps one option, multiple toggles", () => {
    let answers = choose({}, single, "a", true);
    answers = choose(answers, single, "b", true);
    expect(answers.q1).toEqual(["b"]);
    answers = choose(answers, multiple, "a", true);
    answers = choose(answers, multiple, "c", true);
    answers = choose(answers, multiple, "a", false);
    expect(answers.q2).toEqual(["c"]);
  });
  it("is complete when every question has an answer", () => {
    expect(complete({ q1: ["a"] }, [single, multiple])).toBe(false);
    expect(complete({ q1: ["a"], q2: ["b"] }, [single, multiple])).toBe(true);
  });
});

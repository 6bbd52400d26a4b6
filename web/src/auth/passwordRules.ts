// The password rules of the accounts service (docs/accounts.md), checked as the learner types.
// The server stays the authority (it also refuses well-known passwords, which the browser
// cannot know); its per-field errors are shown next to the field.
export type Rule = { key: "ruleLength" | "ruleUsername" | "ruleMatch"; met: boolean };

export function passwordRules(password: string, username: string, confirmation: string): Rule[] {
  const length = [...password].length;
  const name = username.trim().toLowerCase();
  return [
    { key: "ruleLength", met: length >= 10 && length <= 128 },
    { key: "ruleUsername", met: password.length > 0 && (!name || !password.toLowerCase().includes(name)) },
    { key: "ruleMatch", met: password.length > 0 && password === confirmation },
  ];
}

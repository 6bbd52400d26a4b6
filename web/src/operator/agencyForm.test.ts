import { describe, expect, it } from "vitest";
import { agencyProblems, blankAgency, credentialLines, subscriberBody } from "./agencyForm";

describe("agency registration", () => {
  it("sends a URL only for webhooks, the names in NFC, the platform's own events as 'platform'", () => {
    const name = "Bộ Nội vụ".normalize("NFD");
    expect(subscriberBody({ ...blankAgency(), name: ` ${name} `, url: " https://hook.example.vn/x ", tenants: ["t1"] }))
      .toEqual({ name: "Bộ Nội vụ".normalize("NFC"), kind: "webhook", tenants: ["t1"], url: "https://hook.example.vn/x" });
    expect(subscriberBody({ ...blankAgency(), name: "A", kind: "amqp", url: "https://left.over", platform: true, tenants: ["t1"] }))
      .toEqual({ name: "A", kind: "amqp", tenants: ["platform", "t1"] });
  });

  it("says what is missing before asking the API", () => {
    expect(agencyProblems(blankAgency())).toEqual({
      name: "operator.agencies.errors.name", url: "operator.agencies.errors.url", tenants: "operator.agencies.errors.tenants" });
    expect(agencyProblems({ ...blankAgency(), name: "A", kind: "amqp", platform: true })).toEqual({});
    expect(agencyProblems({ ...blankAgency(), name: "A", url: "ftp://x", tenants: ["t"] })).toEqual({ url: "operator.agencies.errors.url" });
  });

  it("lists the credentials in a stable order, leaving out what is not text", () => {
    expect(credentialLines({ queue: "q", password: "p", username: "u", extra: "e", nested: { a: 1 } }))
      .toEqual([["username", "u"], ["password", "p"], ["queue", "q"], ["extra", "e"]]);
    expect(credentialLines({ secret: "whsec_x", subscriber_id: "s" })[0]).toEqual(["secret", "whsec_x"]);
  });
});

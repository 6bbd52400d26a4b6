import { nationalCourseBody, paragraphs } from "./courseDraft";

describe("national course form", () => {
  it("turns plain text into escaped paragraphs", () => {
    expect(paragraphs("Dòng 1\nDòng 2\n\n<script>x</script> & \"y\"")).toBe(
      "<p>Dòng 1<br>Dòng 2</p><p>&lt;script&gt;x&lt;/script&gt; &amp; &quot;y&quot;</p>");
  });

  it("sends null audience for every tenant, else the chosen ids; NFC text", () => {
    const form = { code: " QG-01 ", title: "Kỹ năng số".normalize("NFD"), description: "", topic: "", hours: "2",
      everyTenant: false, audience: ["t1"], lessonTitle: "Bài 1", lessonText: "Nội dung" };
    const body = nationalCourseBody(form);
    expect(body).toMatchObject({ code: "QG-01", title: "Kỹ năng số".normalize("NFC"), topic: null, estimated_hours: 2,
      audience_tenant_ids: ["t1"] });
    expect(nationalCourseBody({ ...form, everyTenant: true }).audience_tenant_ids).toBeNull();
  });
});

"""Year-end report files: CSV and XLSX (mooc_common/infra/export_formats.py), both with
Vietnamese headings, laid out as the same titled sections."""
from mooc_common.infra import export_formats

CATEGORY_NAMES = {"cadre": "Cán bộ", "civil_servant": "Công chức", "public_employee": "Viên chức",
                  "worker": "Người lao động", "citizen": "Người dân", "-": "Chưa phân loại"}


def sections(content):
    """[(sheet title, [header row, data rows...])] of a year-end report content."""
    tenant, plan, actual, achievement = (content[k] for k in ("tenant", "plan", "actual", "achievement"))
    summary = [
        ["Chỉ tiêu", "Giá trị"],
        ["Đơn vị", tenant["name"]], ["Mã đơn vị", tenant["code"]], ["Năm", content["year"]],
        ["Số khóa học kế hoạch", plan["planned_courses"]], ["Số khóa học đã tổ chức", actual["courses_run"]],
        ["Tỷ lệ đạt kế hoạch khóa học (%)", achievement["courses_pct"]],
        ["Số học viên kế hoạch", plan["planned_learners"]], ["Số học viên đã hoàn thành", actual["learners_trained"]],
        ["Tỷ lệ đạt kế hoạch học viên (%)", achievement["learners_pct"]],
        ["Số lượt ghi danh", actual["enrollments"]], ["Số lượt hoàn thành", actual["completions"]],
        ["Tỷ lệ hoàn thành", actual["completion_rate"]], ["Số chứng chỉ đã cấp", actual["certificates"]],
        ["Số học viên hoạt động", actual["active_learners"]], ["Số liệu tính đến", content["as_of"]],
    ]
    courses = [["Mã khóa học", "Tên khóa học", "Khóa học dùng chung", "Số lượt ghi danh", "Số lượt hoàn thành",
                "Tỷ lệ hoàn thành", "Số chứng chỉ"]]
    courses += [[c["code"], c["title"], "Có" if c["national"] else "Không", c["enrollments"], c["completions"],
                 c["completion_rate"], c["certificates"]] for c in content["courses"]]
    categories = [["Đối tượng", "Số học viên đã hoàn thành"]]
    categories += [[CATEGORY_NAMES.get(r["category"], r["category"]), r["learners"]]
                   for r in content["learners_trained_by_category"]]
    units = [["Mã đơn vị", "Tên đơn vị", "Số học viên đã hoàn thành (gồm đơn vị trực thuộc)"]]
    units += [[u["code"] or u["unit_id"], u["name"], u["learners"]] for u in content["learners_trained_by_unit"]]
    evaluation = [["Đánh giá của đơn vị"], [content["evaluation"]]]
    return [("Tổng hợp", summary), ("Khóa học", courses), ("Theo đối tượng", categories),
            ("Theo đơn vị", units), ("Đánh giá", evaluation)]


def to_csv(content):
    """The sections one below the other: a title row, the rows, a blank row."""
    rows = []
    for title, section in sections(content):
        rows += [[title.upper()], *section, []]
    return export_formats.to_csv(rows)


def to_xlsx(content):
    return export_formats.to_xlsx(sections(content))


FORMATS = export_formats.table(to_csv, to_xlsx)

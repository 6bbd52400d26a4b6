import { describe, expect, it } from "vitest";
import type { Unit } from "../api/types";
import { indentedName, moveTargets, treeRows } from "./unitTree";

const unit = (unit_id: string, name: string, path: string[], status = "active"): Unit => ({
  unit_id, name, code: unit_id.toUpperCase(), tenant_id: "t", parent_id: path.at(-1) ?? null, path, level: null, status,
});
const units = [
  unit("root", "Sở Nội vụ", []),
  unit("b", "Phòng Tổ chức", ["root"]),
  unit("a", "Phòng Cải cách", ["root"]),
  unit("a1", "Tổ Ảnh", ["root", "a"]),
  unit("x", "Ban Đào tạo", [], "inactive"),
];

describe("unit tree", () => {
  it("lists each unit after its parent, siblings in Vietnamese order, with depths", () => {
    expect(treeRows(units).map((r) => [r.unit.unit_id, r.depth])).toEqual([
      ["x", 0], ["root", 0], ["a", 1], ["a1", 2], ["b", 1]]);
  });

  it("keeps a unit whose parent is missing at the top instead of dropping it", () => {
    expect(treeRows([unit("orphan", "Mồ côi", ["gone"])]).map((r) => r.depth)).toEqual([0]);
  });

  it("offers as new parents only active units outside the moved subtree", () => {
    expect(moveTargets(units, "a").map((u) => u.unit_id)).toEqual(["root", "b"]);
    expect(moveTargets(units, "root").map((u) => u.unit_id)).toEqual([]);
  });

  it("indents option labels by depth", () => {
    expect(indentedName(treeRows(units)[3])).toBe("— — Tổ Ảnh (A1)");
  });
});

// The unit tree from the API's flat list (parents first, each unit with its `path` of ids
// from the root): rows in display order with their depth, and the parents a unit may be
// moved under (never itself nor one of its descendants: the API would answer 422).
import type { Unit } from "../api/types";

export type UnitRow = { unit: Unit; depth: number };

/** Depth-first rows: each unit right after its parent, siblings by name (Vietnamese order). */
export function treeRows(units: Unit[]): UnitRow[] {
  const children = new Map<string | null, Unit[]>();
  const ids = new Set(units.map((u) => u.unit_id));
  for (const unit of units) {
    const parent = unit.parent_id && ids.has(unit.parent_id) ? unit.parent_id : null;
    children.set(parent, [...(children.get(parent) ?? []), unit]);
  }
  const rows: UnitRow[] = [];
  const seen = new Set<string>();
  const visit = (parent: string | null, depth: number) => {
    const list = [...(children.get(parent) ?? [])].sort((a, b) => a.name.localeCompare(b.name, "vi"));
    for (const unit of list) {
      if (seen.has(unit.unit_id)) continue; // a corrupt cycle must not hang the page
      seen.add(unit.unit_id);
      rows.push({ unit, depth });
      visit(unit.unit_id, depth + 1);
    }
  };
  visit(null, 0);
  return rows;
}

/** Whether `unit` is `ancestorId` itself or lies below it. */
export function inSubtree(unit: Unit, ancestorId: string): boolean {
  return unit.unit_id === ancestorId || unit.path.includes(ancestorId);
}

/** The active units `unitId` may be moved under (null stands for the top level). */
export function moveTargets(units: Unit[], unitId: string): Unit[] {
  return treeRows(units).map((r) => r.unit).filter((u) => u.status === "active" && !inSubtree(u, unitId));
}

/** A unit's name with its depth shown, for <option>s (a <select> cannot indent). */
export function indentedName(row: UnitRow): string {
  return `${"— ".repeat(row.depth)}${row.unit.name} (${row.unit.code})`;
}

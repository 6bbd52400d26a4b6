import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, fieldErrors } from "../api/client";
import type { Unit } from "../api/types";
import { useSession } from "../auth/session";
import { ErrorAlert } from "../components/ErrorAlert";
import { Field } from "../components/Field";
import { Loading } from "../components/Loading";
import { SelectField } from "../components/SelectField";
import { useAsync } from "../components/useAsync";
import { indentedName, moveTargets, treeRows } from "./unitTree";

type Action = { kind: "rename" | "move"; unit: Unit } | null;

/** The tenant's unit tree: create, rename, move (parent picker, or drag a unit onto another),
 *  deactivate. */
export function UnitsPage() {
  const { t } = useTranslation();
  const tenantId = useSession().claims!.tenantId!;
  const units = useAsync(() => api.units(tenantId), [tenantId]);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState("");
  const [action, setAction] = useState<Action>(null);
  const [draft, setDraft] = useState({ code: "", name: "", parent_id: "" });
  const [value, setValue] = useState("");
  const [dragged, setDragged] = useState<string | null>(null);

  const rows = treeRows(units.data ?? []);
  const errors = fieldErrors(error);

  const act = async (work: () => Promise<Unit>, message: string) => {
    setError(null);
    try {
      const unit = await work();
      setNotice(t(message, { name: unit.name }));
      setAction(null);
      units.reload();
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  };

  const create = async (e: FormEvent) => {
    e.preventDefault();
    if (await act(() => api.createUnit(tenantId, { code: draft.code.trim(), name: draft.name.trim(), parent_id: draft.parent_id || null }), "admin.units.created")) {
      setDraft({ code: "", name: "", parent_id: "" });
    }
  };

  const submitAction = async (e: FormEvent) => {
    e.preventDefault();
    if (!action) return;
    if (action.kind === "rename") await act(() => api.renameUnit(action.unit.unit_id, value.trim()), "admin.units.renamed");
    else await act(() => api.moveUnit(action.unit.unit_id, value || null), "admin.units.moved");
  };

  if (units.loading && !units.data) return <Loading />;
  return (
    <section className="admin">
      <h1>{t("admin.units.title")}</h1>
      <ErrorAlert error={units.error ?? error} />
      <p className="alert alert-ok" role="status" hidden={!notice}>{notice}</p>

      <p className="hint" id="drag-hint">{t("admin.units.dragHint")}</p>
      <ul className="unit-tree" aria-describedby="drag-hint">
        {rows.map(({ unit, depth }) => (
          <li key={unit.unit_id} style={{ marginInlineStart: `${depth * 1.25}rem` }}
            className={`unit${unit.status !== "active" ? " inactive" : ""}${dragged && dragged !== unit.unit_id ? " drop" : ""}`}
            draggable={unit.status === "active" && !action /* not while typing in a form inside the row */}
            onDragStart={(e) => { setDragged(unit.unit_id); e.dataTransfer.setData("text/plain", unit.unit_id); }}
            onDragEnd={() => setDragged(null)}
            onDragOver={(e) => { if (dragged && moveTargets(units.data ?? [], dragged).some((u) => u.unit_id === unit.unit_id)) e.preventDefault(); }}
            onDrop={(e) => { e.preventDefault(); const id = dragged; setDragged(null);
              if (id && id !== unit.unit_id) void act(() => api.moveUnit(id, unit.unit_id), "admin.units.moved"); }}>
            <span className="unit-name">{unit.name} <span className="kind">({unit.code})</span></span>
            {unit.status !== "active" && <span className="badge">{t("admin.units.inactive")}</span>}
            {unit.status === "active" && (
              <span className="row-actions">
                <button type="button" className="small" aria-label={t("admin.units.renameOf", { name: unit.name })}
                  onClick={() => { setAction({ kind: "rename", unit }); setValue(unit.name); setError(null); }}>{t("admin.units.rename")}</button>
                <button type="button" className="small" aria-label={t("admin.units.moveOf", { name: unit.name })}
                  onClick={() => { setAction({ kind: "move", unit }); setValue(unit.parent_id ?? ""); setError(null); }}>{t("admin.units.move")}</button>
                <button type="button" className="small" aria-label={t("admin.units.deactivateOf", { name: unit.name })}
                  onClick={() => { if (window.confirm(t("admin.units.confirmDeactivate", { name: unit.name }))) void act(() => api.deactivateUnit(unit.unit_id), "admin.units.deactivated"); }}>
                  {t("admin.units.deactivate")}</button>
              </span>
            )}
            {action?.unit.unit_id === unit.unit_id && (
              <form className="inline-form" onSubmit={submitAction}>
                {action.kind === "rename" ? (
                  <Field label={t("admin.units.newName")} value={value} required maxLength={300} autoFocus
                    onChange={(e) => setValue(e.target.value)} error={errors.name} />
                ) : (
                  <SelectField id="move-parent" label={t("admin.units.newParent")} value={value} empty={t("admin.units.top")} error={errors.parent_id}
                    options={rows.filter((r) => moveTargets(units.data ?? [], unit.unit_id).includes(r.unit)).map((r) => [r.unit.unit_id, indentedName(r)])}
                    onChange={setValue} />
                )}
                <button type="submit" className="primary">{t("admin.save")}</button>{" "}
                <button type="button" onClick={() => setAction(null)}>{t("admin.cancel")}</button>
              </form>
            )}
          </li>
        ))}
      </ul>
      {rows.length === 0 && <p className="hint">{t("admin.units.none")}</p>}

      <form className="card" onSubmit={create} aria-labelledby="new-unit">
        <h2 id="new-unit">{t("admin.units.new")}</h2>
        <Field label={t("admin.units.code")} value={draft.code} required maxLength={32} error={action ? undefined : errors.code}
          hint={t("admin.units.codeHint")} onChange={(e) => setDraft({ ...draft, code: e.target.value })} />
        <Field label={t("admin.units.name")} value={draft.name} required maxLength={300} error={action ? undefined : errors.name}
          onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
        <SelectField id="new-parent" label={t("admin.units.parent")} value={draft.parent_id} empty={t("admin.units.top")}
          error={action ? undefined : errors.parent_id} options={rows.filter((r) => r.unit.status === "active").map((r) => [r.unit.unit_id, indentedName(r)])}
          onChange={(v) => setDraft({ ...draft, parent_id: v })} />
        <button type="submit" className="primary">{t("admin.units.create")}</button>
      </form>
    </section>
  );
}

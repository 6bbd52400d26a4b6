import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, fieldErrors } from "../api/client";
import type { User, UserFilters } from "../api/types";
import { useSession } from "../auth/session";
import { DataTable } from "../components/DataTable";
import { ErrorAlert } from "../components/ErrorAlert";
import { Field } from "../components/Field";
import { Pagination } from "../components/Pagination";
import { SelectField } from "../components/SelectField";
import { useAsync } from "../components/useAsync";
import { CATEGORIES } from "./courseForm";
import { indentedName, treeRows } from "./unitTree";

const PAGE = 50;
const ROLES = ["learner", "instructor", "report_viewer", "tenant_admin"] as const;
const STATUSES = ["active", "pending_activation", "inactive"] as const;
type Draft = { username: string; full_name: string; email: string; phone: string; role: string; unit_id: string;
  category: string; job_title: string; password: string };
const blank: Draft = { username: "", full_name: "", email: "", phone: "", role: "learner", unit_id: "", category: "civil_servant", job_title: "", password: "" };

/** The tenant's users, one page of the API at a time (40,000 learners are never loaded at
 *  once): search and filters are the API's; create, edit, deactivate and reactivate. */
export function UsersPage() {
  const { t } = useTranslation();
  const tenantId = useSession().claims!.tenantId!;
  const [filters, setFilters] = useState<UserFilters>({});
  const [form, setForm] = useState<UserFilters>({});
  const [offset, setOffset] = useState(0);
  const users = useAsync(() => api.users(tenantId, filters, offset, PAGE), [tenantId, filters, offset]);
  const units = useAsync(() => api.units(tenantId), [tenantId]);
  const unitRows = treeRows(units.data ?? []);
  const unitName = (id: string | null) => units.data?.find((u) => u.unit_id === id)?.name ?? "";
  const [editing, setEditing] = useState<User | "new" | null>(null);
  const [draft, setDraft] = useState<Draft>(blank);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState("");
  const errors = fieldErrors(error);

  const search = (e: FormEvent) => { e.preventDefault(); setOffset(0); setFilters({ ...form, q: form.q?.trim() || undefined }); };

  const open = (user: User | "new") => {
    setError(null);
    setEditing(user);
    setDraft(user === "new" ? blank : {
      ...blank, username: user.username, full_name: user.full_name, email: user.email ?? "", phone: user.phone ?? "",
      role: user.role, unit_id: user.unit_id ?? "", category: user.category ?? "civil_servant", job_title: user.job_title ?? "" });
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const contact = { full_name: draft.full_name.trim(), email: draft.email.trim() || null, phone: draft.phone.trim() || null,
      unit_id: draft.unit_id || null, job_title: draft.job_title.trim() || null,
      ...(draft.role === "learner" ? { category: draft.category } : {}) };
    try {
      const saved = editing === "new"
        ? await api.createUser(tenantId, { ...contact, username: draft.username.trim(), role: draft.role,
          ...(draft.password ? { password: draft.password } : {}) })
        : await api.updateUser((editing as User).user_id, contact);
      setNotice(t(editing === "new" ? "admin.users.created" : "admin.users.saved", { name: saved.full_name }));
      setEditing(null);
      users.reload();
    } catch (err) {
      setError(err);
    }
  };

  const toggle = async (user: User) => {
    setError(null);
    try {
      const saved = await api.setUserActive(user.user_id, user.status === "inactive");
      setNotice(t(saved.status === "inactive" ? "admin.users.deactivated" : "admin.users.reactivated", { name: saved.full_name }));
      users.reload();
    } catch (err) {
      setError(err);
    }
  };

  const unitOptions: [string, string][] = unitRows.filter((r) => r.unit.status === "active").map((r) => [r.unit.unit_id, indentedName(r)]);

  return (
    <section className="admin">
      <h1>{t("admin.users.title")}</h1>
      <form className="filters admin-filters" onSubmit={search} role="search" aria-label={t("admin.users.search")}>
        <Field label={t("admin.users.q")} type="search" value={form.q ?? ""} maxLength={100} onChange={(e) => setForm({ ...form, q: e.target.value })} />
        <SelectField id="f-unit" label={t("admin.users.unit")} value={form.unit_id ?? ""} empty={t("admin.all")}
          options={unitRows.map((r) => [r.unit.unit_id, indentedName(r)])} onChange={(v) => setForm({ ...form, unit_id: v || undefined })} />
        <SelectField id="f-role" label={t("admin.users.role")} value={form.role ?? ""} empty={t("admin.all")}
          options={ROLES.map((r) => [r, t(`admin.roles.${r}`)])} onChange={(v) => setForm({ ...form, role: v || undefined })} />
        <SelectField id="f-status" label={t("admin.users.status")} value={form.status ?? ""} empty={t("admin.all")}
          options={STATUSES.map((s) => [s, t(`admin.users.statuses.${s}`)])} onChange={(v) => setForm({ ...form, status: v || undefined })} />
        <div className="filter-actions"><button type="submit" className="primary">{t("admin.users.apply")}</button></div>
      </form>
      <p><button type="button" onClick={() => open("new")}>{t("admin.users.new")}</button></p>
      <p className="alert alert-ok" role="status" hidden={!notice}>{notice}</p>
      <ErrorAlert error={users.error ?? (editing ? null : error)} />

      {editing && (
        <form className="card" onSubmit={save} aria-labelledby="user-form">
          <h2 id="user-form">{editing === "new" ? t("admin.users.new") : t("admin.users.edit", { name: editing.username })}</h2>
          <ErrorAlert error={error} />
          {editing === "new" && <Field label={t("admin.users.username")} value={draft.username} required maxLength={64} error={errors.username}
            hint={t("admin.users.usernameHint")} onChange={(e) => setDraft({ ...draft, username: e.target.value })} />}
          <Field label={t("admin.users.fullName")} value={draft.full_name} required maxLength={200} error={errors.full_name}
            onChange={(e) => setDraft({ ...draft, full_name: e.target.value })} />
          <Field label={t("admin.users.email")} type="email" value={draft.email} error={errors.email} onChange={(e) => setDraft({ ...draft, email: e.target.value })} />
          <Field label={t("admin.users.phone")} type="tel" value={draft.phone} error={errors.phone} hint={t("admin.users.phoneHint")}
            onChange={(e) => setDraft({ ...draft, phone: e.target.value })} />
          {editing === "new" && <SelectField id="u-role" label={t("admin.users.role")} value={draft.role} error={errors.role}
            options={ROLES.map((r) => [r, t(`admin.roles.${r}`)])} onChange={(v) => setDraft({ ...draft, role: v })} />}
          <SelectField id="u-unit" label={t("admin.users.unit")} value={draft.unit_id} error={errors.unit_id} empty={t("admin.users.noUnit")}
            options={unitOptions} onChange={(v) => setDraft({ ...draft, unit_id: v })} />
          {draft.role === "learner" && <SelectField id="u-category" label={t("admin.users.category")} value={draft.category} error={errors.category}
            options={CATEGORIES.map((c) => [c, t(`admin.categories.${c}`)])} onChange={(v) => setDraft({ ...draft, category: v })} />}
          <Field label={t("admin.users.jobTitle")} value={draft.job_title} maxLength={200} error={errors.job_title} onChange={(e) => setDraft({ ...draft, job_title: e.target.value })} />
          {editing === "new" && <Field label={t("admin.users.password")} type="password" autoComplete="new-password" value={draft.password}
            error={errors.password} hint={t("admin.users.passwordHint")} onChange={(e) => setDraft({ ...draft, password: e.target.value })} />}
          <button type="submit" className="primary">{t("admin.save")}</button>{" "}
          <button type="button" onClick={() => { setEditing(null); setError(null); }}>{t("admin.cancel")}</button>
        </form>
      )}

      <DataTable<User> caption={t("admin.users.title")} rows={users.data ?? []} rowKey={(u) => u.user_id}
        empty={users.loading ? t("app.loading") : t("admin.users.none")} columns={[
          { key: "username", header: t("admin.users.username"), cell: (u) => u.username },
          { key: "name", header: t("admin.users.fullName"), cell: (u) => u.full_name },
          { key: "role", header: t("admin.users.role"), cell: (u) => t(`admin.roles.${u.role}`) },
          { key: "unit", header: t("admin.users.unit"), cell: (u) => unitName(u.unit_id) },
          { key: "status", header: t("admin.users.status"), cell: (u) => t(`admin.users.statuses.${u.status}`, { defaultValue: u.status }) },
          { key: "actions", header: t("admin.actions"), cell: (u) => (
            <span className="row-actions">
              <button type="button" className="small" aria-label={t("admin.users.editOf", { name: u.username })} onClick={() => open(u)}>{t("admin.edit")}</button>
              <button type="button" className="small" aria-label={t(u.status === "inactive" ? "admin.users.reactivateOf" : "admin.users.deactivateOf", { name: u.username })}
                onClick={() => toggle(u)}>{t(u.status === "inactive" ? "admin.users.reactivate" : "admin.users.deactivate")}</button>
            </span>) },
        ]} />
      <Pagination label={t("admin.users.pages")} offset={offset} limit={PAGE} count={users.data?.length ?? 0} onChange={setOffset} />
    </section>
  );
}

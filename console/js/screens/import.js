// Import users: a spreadsheet (CSV or .xlsx, the creation form's columns; the template to fill
// in is offered in the reader's language) or, for superusers, a Django dumpdata (JSON). A dry run
// first, then the import; the report shows a line per row with the column and message of each
// problem. A file over the API's 6 MB body limit goes straight to storage by the presigned PUT of
// POST /api/users/import/uploads (the CSP's connect-src and the bucket's CORS rule let this page
// send it there) and is imported as a job, whose progress the screen follows to its totals and a
// link to its report.
import { api, query, Problem } from "../api.js";
import { t, has, language } from "../i18n.js";
import { h, field, input, select, showProblem, say } from "../dom.js";
import { companies } from "./users.js";

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/** Lambda's request body limit. */
export const INLINE_MAX = 6 * 1024 * 1024;
/** How often a job's progress is asked for. */
const POLL_MS = 1000;

/** The media type the API reads a file as, from its name. */
export function mediaType(name) {
  const n = name.toLowerCase();
  if (n.endsWith(".csv")) return "text/csv";
  if (n.endsWith(".xlsx")) return XLSX;
  if (n.endsWith(".json")) return "application/json";
  return null;
}

const check = (name, key, checked = false) =>
  h("label", { class: "check" }, h("input", { type: "checkbox", name, checked }), " ", t(key));

function reportTable(report) {
  const rows = report.rows || [];
  const tbody = h("tbody", {}, ...rows.map((r) => h("tr", { class: r.outcome === "skipped" ? "skipped" : "" },
    h("td", { text: String(r.row) }),
    h("td", { text: r.email || "" }),
    h("td", { text: t("import.outcome." + r.outcome) }),
    h("td", { text: r.field ? (has("field." + r.field) ? t("field." + r.field) : r.field) : (r.reason || "") }),
    h("td", { text: r.message || r.detail || (r.link ? t("import.link." + r.link) : "") }))));
  return h("div", { class: "table-wrap" }, h("table", { class: "import-report", "aria-label": t("import.report") },
    h("thead", {}, h("tr", {}, ...["import.row", "field.email", "import.outcome", "import.field", "import.message"].map((k) => h("th", { scope: "col", text: t(k) })))),
    tbody));
}

export async function importScreen(view, me) {
  const cos = me.superuser ? await companies() : [];
  const file = input("file", { type: "file", accept: ".csv,.xlsx,.json,text/csv,application/json," + XLSX, required: true });
  const company = select("company_id", [["", "—"], ...cos.map((c) => [c.id, c.name])]);
  const form = h("form", { class: "import-form", novalidate: true },
    field("import.file", file),
    h("div", { class: "grid" },
      check("send_links", "import.send_links"),
      check("apply_role_groups", "form.apply_role_groups")),
    me.superuser ? h("fieldset", { class: "field" }, h("legend", { text: t("import.django") }),
      field("import.django_company", company), check("keep_superusers", "import.keep_superusers")) : null,
    h("div", { class: "buttons" },
      h("button", { type: "submit", name: "dry", value: "1", text: t("import.dry_run") }),
      h("button", { type: "submit", class: "primary", name: "run", value: "1", text: t("import.run") })));
  const lang = language();
  const template = h("a", { href: `/templates/users-${lang}.csv`, download: `secboard-users-${lang}.csv`, text: t("import.template") });
  const status = h("p", { role: "status" });
  const result = h("div", { id: "import-result" });
  view.append(h("section", { class: "card" }, h("h2", { text: t("import.title") }),
    h("p", { class: "muted", text: t("import.hint") }), h("p", {}, template), form, status, result));

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const dry = ev.submitter && ev.submitter.name === "dry";
    const f = file.files[0];
    result.textContent = "";
    if (!f) return showProblem(new Problem(400, { code: "invalid", field: "file", detail: t("import.choose") }), form, status);
    const type = mediaType(f.name);
    if (!type) return showProblem(new Problem(400, { code: "invalid", field: "file", detail: t("import.kind") }), form, status);
    const opts = Object.fromEntries([...form.querySelectorAll("input[type=checkbox]")].map((c) => [c.name, c.checked ? "true" : ""]));
    const companyId = type === "application/json" ? company.value : "";
    if (f.size > INLINE_MAX) return viaStorage(f, type, { ...opts, dry, companyId }, form, status, result);
    const q = query({ ...opts, dry_run: dry ? "true" : "", company_id: companyId });
    say(t("import.working"), false, status);
    let report;
    try {
      report = await api.upload("/api/users/import" + q, new File([f], f.name, { type }));
    } catch (e) { showProblem(e, form, status); return; }
    summary(report, status);
    result.replaceChildren(reportTable(report));
  });
}

function summary(report, status) {
  const created = report.created || 0, skipped = report.skipped || 0;
  say(t(report.dry_run ? "import.summary_dry" : "import.summary", { created, skipped, unchanged: report.unchanged || 0 }), false, status);
}

/** A refusal of the file's size is the file's. */
const atFile = (e) => (e instanceof Problem && e.field === "size" ? new Problem(e.status, { ...e.body, field: "file" }) : e);

/**
 * A file over the API's body limit: a job is started for it, the file is PUT to storage with the
 * link it answers (signed for exactly this size and type), and the job is followed until it ends.
 */
async function viaStorage(f, type, o, form, status, result) {
  say(t("import.uploading"), false, status);
  let ticket;
  try {
    ticket = await api.post("/api/users/import/uploads", {
      media_type: type, size: f.size, dry_run: o.dry, send_links: !!o.send_links, apply_role_groups: !!o.apply_role_groups,
      keep_superusers: !!o.keep_superusers, company_id: o.companyId || null,
    });
  } catch (e) { showProblem(atFile(e), form, status); return; }
  let put;
  try {
    put = await fetch(ticket.url, { method: ticket.method, body: f, headers: { "content-type": ticket.content_type }, credentials: "omit" });
  } catch (_) { put = null; }
  if (!put || !put.ok) return say(t("import.upload_failed"), true, status);
  for (;;) {
    let job;
    try {
      job = await api.get(`/api/users/import/jobs/${encodeURIComponent(ticket.job_id)}`);
    } catch (e) { showProblem(e, form, status); return; }
    if (job.status === "done") {
      summary(job.summary || {}, status);
      result.replaceChildren(h("p", {}, h("a", { href: job.report_url, download: `import-report-${job.id}.jsonl`, text: t("import.job_report") })));
      return;
    }
    if (job.status === "failed") {
      const reason = job.reason && has("import.failed." + job.reason) ? t("import.failed." + job.reason) : (job.message || "");
      return say(t("import.job_failed", { reason }), true, status);
    }
    say(t(job.status === "running" ? "import.job_running" : "import.job_waiting"), false, status);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

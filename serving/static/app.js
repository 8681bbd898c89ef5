// hotich workbench: small vanilla scripts per page (body[data-page]); all data comes from /api.
"use strict";

const STATE_VI = {pending: "Chờ duyệt", approved: "Đã duyệt", verified: "Đã xác nhận", returned: "Bị trả lại"};
const BOOK_STATE_VI = {queued: "Đang chờ soạn thảo", drafting: "Đang soạn thảo", ready: "Đã soạn thảo", failed: "Lỗi soạn thảo"};
const FLAG_VI = {low_confidence: "máy đọc không chắc", normalized: "đã chuẩn hóa từ chữ viết",
  invalid_date: "ngày không hợp lệ", unknown_date: "không hiểu dạng ngày", unknown_time: "không hiểu dạng giờ", date_order: "thứ tự ngày không hợp lý",
  required_empty: "trường bắt buộc đang trống", out_of_sequence: "số không theo thứ tự", number_gap: "số bị nhảy",
  duplicate_number: "số trùng", inferred_number: "số suy ra từ các số liền kề",
  inferred_year: "năm đăng ký suy ra từ năm của sổ", book_signer: "đọc theo tên cán bộ ký sổ",
  book_village: "đọc theo tên thôn, xóm hay gặp trong sổ", struck_out: "có chữ bị gạch", overwritten: "viết đè", smudged: "bị nhòe"};
const flagText = (flags) => flags.map((f) => FLAG_VI[f.code] || (f.code.startsWith("unknown_") ? "không có trong danh mục" : f.code)).join("; ");
const $ = (sel) => document.querySelector(sel);
const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c ?? ""));
  return node;
}

function toast(msg, kind = "info") {
  const t = $("#toast");
  t.textContent = msg;
  t.className = "show " + kind;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (t.className = ""), 4000);
}

class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === "string" ? detail : (detail && detail.message) || "Lỗi " + status);
    this.status = status;
    this.detail = detail;
  }
}

async function api(path, opts = {}) {
  const headers = {...(opts.headers || {})};
  if (opts.method && opts.method !== "GET") headers["X-CSRF-Token"] = csrf();
  if (opts.json !== undefined) {
    headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(opts.json);
  }
  const res = await fetch(path, {...opts, headers, credentials: "same-origin"});
  if (res.status === 401 && !path.startsWith("/api/auth/login")) {
    location.href = "/login?next=" + encodeURIComponent(location.pathname);
    throw new ApiError(401, "Hết phiên làm việc");
  }
  const body = res.headers.get("content-type")?.includes("json") ? await res.json() : null;
  if (!res.ok) {
    const detail = body && body.detail;
    throw new ApiError(res.status, Array.isArray(detail) ? detail.map((d) => d.msg).join("; ") : detail);
  }
  return body;
}

function bookName(b) { return `${b.book_type}.${b.year}.${b.volume}`; }

// --- login ------------------------------------------------------------------------------------
function initLogin() {
  $("#login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    $("#login-error").textContent = "";
    try {
      await api("/api/auth/login", {method: "POST", json: {username: $("#username").value, password: $("#password").value}});
      const next = new URLSearchParams(location.search).get("next");
      location.href = next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
    } catch (err) {
      $("#login-error").textContent = err.message;
      $("#password").select();
    }
  });
}

// --- books and upload -------------------------------------------------------------------------
async function initBooks() {
  const tbody = $("#books-table tbody");
  async function refresh() {
    const books = await api("/api/books");
    tbody.replaceChildren(...books.map((b) => {
      const p = b.progress;
      const bar = el("progress", {max: Math.max(1, p.pages_total), value: p.pages_drafted, "aria-label": "Tiến độ soạn thảo"});
      const status = el("span", {class: "state-" + p.state}, `${BOOK_STATE_VI[p.state]} ${p.pages_drafted}/${p.pages_total} trang`);
      return el("tr", {"data-book": b.id},
        el("td", {}, el("a", {href: `/books/${b.id}`}, bookName(b))), el("td", {}, b.unit),
        el("td", {}, bar, " ", status, p.error ? el("div", {class: "error"}, p.error) : ""),
        el("td", {}, String(b.records.pending + b.records.returned)), el("td", {}, String(b.records.approved)),
        el("td", {}, String(b.records.verified)),
        el("td", {}, b.progress.state === "ready" ? el("a", {href: `/books/${b.id}`, class: "button"}, "Duyệt") : ""));
    }));
    $("#books-empty").hidden = books.length > 0;
    if (books.some((b) => b.progress.state === "queued" || b.progress.state === "drafting")) setTimeout(refresh, 1500);
  }
  await refresh();
  const form = $("#upload-form");
  if (!form) return;
  const [templates, units] = await Promise.all([api("/api/templates"), api("/api/units")]);
  $("#template").replaceChildren(...templates.map((t) => el("option", {value: t.id, "data-year": t.years[0]}, `${t.name} (${t.id})`)));
  $("#unit").replaceChildren(...units.filter((u) => u.level === "commune").concat(units.filter((u) => u.level !== "commune"))
    .map((u) => el("option", {value: u.id}, u.name)));
  const setYear = () => { $("#year").value = $("#template").selectedOptions[0]?.dataset.year || ""; };
  $("#template").addEventListener("change", setYear);
  setYear();
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      await api("/api/books", {method: "POST", body: new FormData(form)});
      toast("Đã tải lên; đang soạn thảo bản nháp.");
      form.querySelector("#files").value = "";
      await refresh();
    } catch (err) {
      toast(err.message, "error");
    } finally {
      button.disabled = false;
    }
  });
}

// --- a book's review queue --------------------------------------------------------------------
async function initBook() {
  const id = document.body.dataset.book;
  const folder = $("#folder-form");
  if (folder) folder.addEventListener("submit", async (e) => {
    e.preventDefault();
    const button = folder.querySelector("button");
    button.disabled = true;
    try {
      const res = await api(`/api/books/${id}/folder`, {method: "POST", json: {path: $("#folder-path").value}});
      showSkipped(res.skipped);
      toast(`Đã thêm ${res.added} tệp (bỏ qua ${res.skipped.length}); đang soạn thảo lại.`);
      $("#book-progress").textContent = `${BOOK_STATE_VI[res.progress.state]} · ${res.progress.pages_total} trang`;
    } catch (err) {
      showSkipped(err.detail?.skipped || []);
      toast(err.message, "error");
    } finally {
      button.disabled = false;
    }
  });
  const book = await api(`/api/books/${id}`);
  $("#book-title").textContent = `Sổ ${bookName(book)} · ${book.unit}`;
  $("#book-progress").textContent = `${BOOK_STATE_VI[book.progress.state]} · ${book.records.total} bản ghi`;
  async function refresh() {
    const state = $("#state-filter").value;
    const recs = await api(`/api/books/${id}/records` + (state ? `?state=${state}` : ""));
    $("#records-table tbody").replaceChildren(...recs.map((r) => el("tr", {},
      el("td", {}, el("a", {href: `/records/${r.id}`}, String(r.position + 1))), el("td", {}, r.number || "—"),
      el("td", {}, el("span", {class: "badge " + r.state}, STATE_VI[r.state])),
      el("td", {}, r.attention ? el("span", {class: "attn"}, String(r.attention)) : "0"), el("td", {}, r.corrected ? "có" : ""))));
    return recs;
  }
  $("#state-filter").addEventListener("change", refresh);
  $("#start-review").addEventListener("click", async () => {
    const recs = await api(`/api/books/${id}/records`);
    const next = recs.find((r) => r.state === "pending" || r.state === "returned");
    if (next) location.href = `/records/${next.id}`; else toast("Không còn bản ghi nào chờ duyệt.");
  });
  $("#export").addEventListener("click", async (e) => {
    e.preventDefault();
    try {
      const res = await fetch(`/api/books/${id}/export`, {credentials: "same-origin"});
      if (!res.ok) throw new ApiError(res.status, (await res.json()).detail);
      const url = URL.createObjectURL(await res.blob());
      const a = el("a", {href: url, download: `${bookName(book)}.zip`});
      document.body.append(a); a.click(); a.remove();
      toast("Đã xuất hồ sơ của các bản ghi đã xác nhận.");
    } catch (err) { toast(err.message, "error"); }
  });
  await refresh();  // last: every button of the page works before the table is filled
}

function showSkipped(skipped) {
  $("#folder-skipped").replaceChildren(...skipped.map((s) => el("li", {}, `Bỏ qua ${s.file}: ${s.reason}`)));
}

// --- the review and verify screen -------------------------------------------------------------
async function initReview() {
  const id = document.body.dataset.record;
  const mode = document.body.dataset.mode;
  let rec = null;
  const inputs = new Map(); // field id -> input

  function dirty() {
    return [...inputs.entries()].filter(([fid, inp]) => inp.value.trim() !== (inp.dataset.saved || ""))
      .map(([fid, inp]) => ({field_id: Number(fid), value: inp.value}));
  }

  function render(keep = {}) {
    $("#record-title").textContent = `Bản ghi ${rec.position + 1}${rec.number ? " · số " + rec.number : ""} · ${bookName(rec.book)}`;
    $("#record-state").textContent = STATE_VI[rec.state];
    $("#record-state").className = "badge " + rec.state;
    const notes = [];
    if (rec.returned_reason) notes.push("Bị trả lại: " + rec.returned_reason);
    if (rec.flags.length) notes.push("Cảnh báo: " + flagText(rec.flags));
    if (rec.approved_by) notes.push("Người duyệt: " + rec.approved_by);
    $("#record-note").textContent = notes.join(" · ");
    $("#record-note").hidden = !notes.length;
    const editable = mode !== "verify" && rec.can.edit;
    inputs.clear();
    $("#fields").replaceChildren(...rec.fields.map((f) => {
      const inp = el("input", {id: `f-${f.id}`, name: f.key, "data-field": f.id, autocomplete: "off", spellcheck: "false",
        readonly: !editable, "aria-describedby": `h-${f.id}`});
      inp.value = f.id in keep ? keep[f.id] : f.display;
      inp.dataset.saved = f.display;
      inputs.set(String(f.id), inp);
      inp.addEventListener("focus", () => focusField(f));
      inp.addEventListener("input", () => row.classList.toggle("dirty", inp.value.trim() !== inp.dataset.saved));
      const conf = f.confidence == null ? "" : `${Math.round(f.confidence * 100)}%`;
      const hints = [];
      if (f.status === "unreadable") hints.push("không đọc được");
      if (f.status === "empty" && f.attention && !f.flags.length) hints.push("ô có nét chữ máy chưa đọc");
      if (f.flags.length) hints.push(flagText(f.flags));
      if (f.raw_text && f.raw_text !== f.display) hints.push("chữ viết: " + f.raw_text);
      if (f.changed) hints.push("bản nháp: " + (f.draft_display || "(trống)"));
      const row = el("div", {class: "field" + (f.attention ? " attention" : "") + (f.changed ? " changed" : "") + (f.id in keep ? " dirty" : "")},
        el("label", {for: `f-${f.id}`}, f.label), inp,
        el("span", {class: "conf" + (f.attention ? " low" : ""), title: "Độ tin cậy"}, conf),
        el("small", {id: `h-${f.id}`, class: "hint", title: f.flags.map((x) => x.message).join("\n")}, hints.join(" · ")));
      return row;
    }));
    for (const b of ["#save", "#approve"]) if ($(b)) $(b).disabled = !rec.can.edit;
    for (const b of ["#verify", "#return"]) if ($(b)) $(b).disabled = !rec.can.verify;
  }

  function focusField(f) {
    const img = $("#field-crop");
    $("#zoom-caption").textContent = f.label + (f.attention ? " · cần chú ý" : "");
    if (f.has_crop) { img.src = `/api/fields/${f.id}/crop`; img.hidden = false; } else { img.hidden = true; }
  }

  async function load(keep = {}) {
    rec = await api(`/api/records/${id}`);
    render(keep);
  }

  async function save() {
    const changes = dirty();
    if (!changes.length) return true;
    try {
      rec = await api(`/api/records/${id}`, {method: "PUT", json: {version: rec.version, changes}});
      const active = document.activeElement?.id;
      render();
      if (active) document.getElementById(active)?.focus();
      toast(`Đã lưu ${changes.length} trường.`, "ok");
      return true;
    } catch (err) {
      if (err.status === 409) {  // someone else saved first: reload their values, keep ours to save again
        const keep = Object.fromEntries(changes.map((c) => [c.field_id, c.value]));
        await load(keep);
        toast(err.message, "error");
      } else toast(err.message, "error");
      return false;
    }
  }

  async function transition(action, extra = {}) {
    try {
      rec = await api(`/api/records/${id}/${action}`, {method: "POST", json: {version: rec.version, ...extra}});
      render();
      toast(action === "approve" ? "Đã duyệt." : action === "verify" ? "Đã xác nhận." : "Đã trả lại.", "ok");
      await gotoNext();
    } catch (err) { toast(err.message, "error"); if (err.status === 409) await load(); }
  }

  async function gotoNext() {
    const list = mode === "verify" ? await api("/api/queue/verify")
      : (await api(`/api/books/${rec.book.id}/records`)).filter((r) => r.state === "pending" || r.state === "returned");
    const next = list.find((r) => r.id !== rec.id);
    if (next) location.href = `/records/${next.id}` + (mode === "verify" ? "?mode=verify" : "");
  }

  $("#back").href = mode === "verify" ? "/verify" : "/";
  await load();
  $("#back").href = mode === "verify" ? "/verify" : `/books/${rec.book.id}`;
  $("#record-image").src = `/api/records/${id}/image`;
  const first = [...inputs.values()].find((i, n) => rec.fields[n].attention) || inputs.values().next().value;
  first?.focus();

  $("#save")?.addEventListener("click", save);
  $("#approve")?.addEventListener("click", async () => { if (await save()) await transition("approve"); });
  $("#verify")?.addEventListener("click", () => transition("verify"));
  $("#return")?.addEventListener("click", () => {
    const reason = $("#return-reason").value.trim();
    if (!reason) { toast("Ghi lý do trả lại.", "error"); $("#return-reason").focus(); return; }
    transition("return", {reason});
  });
  $("#fields-form").addEventListener("submit", (e) => e.preventDefault());
  document.addEventListener("keydown", async (e) => {
    const ctrl = e.ctrlKey || e.metaKey;
    if (ctrl && e.key === "Enter") {
      e.preventDefault();
      if (mode === "verify") $("#verify").click(); else $("#approve").click();
    } else if (ctrl && (e.key === "s" || e.key === "S")) {
      e.preventDefault();
      if (mode !== "verify") await save();
    } else if (e.key === "Enter" && e.target.matches("#fields input")) {
      e.preventDefault();
      const all = [...inputs.values()];
      const next = all[all.indexOf(e.target) + 1];
      if (await save()) (next ? document.getElementById(next.id) : $("#approve"))?.focus();
    }
  });
  window.addEventListener("beforeunload", (e) => { if (dirty().length) e.preventDefault(); });
}

// --- verification queue -----------------------------------------------------------------------
async function initVerify() {
  const recs = await api("/api/queue/verify");
  $("#verify-table tbody").replaceChildren(...recs.map((r) => el("tr", {},
    el("td", {}, el("a", {href: `/records/${r.id}?mode=verify`}, r.book)), el("td", {}, r.unit),
    el("td", {}, String(r.position + 1)), el("td", {}, r.number || "—"),
    el("td", {}, r.attention ? el("span", {class: "attn"}, String(r.attention)) : "0"), el("td", {}, r.corrected ? "có" : ""))));
  $("#verify-empty").hidden = recs.length > 0;
}

// --- dashboard --------------------------------------------------------------------------------
async function initDashboard() {
  const rows = await api("/api/dashboard");
  $("#dash-table tbody").replaceChildren(...rows.map((r) => el("tr", {}, ...[r.unit, r.book_type, r.books, r.records, r.drafted,
    r.corrected, r.approved, r.verified, r.returned, r.flagged].map((v) => el("td", {}, String(v))))));
  $("#week").addEventListener("change", () => {
    $("#weekly").href = "/api/reports/weekly" + ($("#week").value ? "?week=" + $("#week").value : "");
  });
}

document.addEventListener("DOMContentLoaded", () => {
  $("#logout")?.addEventListener("click", async () => {
    try { await api("/api/auth/logout", {method: "POST"}); } finally { location.href = "/login"; }
  });
  const init = {login: initLogin, books: initBooks, book: initBook, review: initReview, verify: initVerify,
    dashboard: initDashboard}[document.body.dataset.page];
  if (init) Promise.resolve().then(init).catch((err) => toast(err.message, "error"));
});

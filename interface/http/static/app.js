// profile-agent web page: popovers for cited papers, upload + job polling, identity
// corrections, streamed chat. Page data is read from a JSON block and written with textContent
// only, so text from a page can never become markup here.
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);
const data = (() => {
  const el = $("#page-data");
  return el ? JSON.parse(el.textContent) : {};
})();

function headers(extra = {}) {
  const token = localStorage.getItem("profile-agent-token");
  return token ? { ...extra, Authorization: `Bearer ${token}` } : extra;
}

async function errorText(resp) {
  try {
    const body = await resp.json();
    return body.error ? body.error.message : `HTTP ${resp.status}`;
  } catch (e) {
    return `HTTP ${resp.status}`;
  }
}

function setStatus(el, text, isError = false) {
  el.textContent = text;
  el.classList.toggle("error", isError);
}

// --- token --------------------------------------------------------------------------------
const tokenInput = $("#token");
if (tokenInput) {
  tokenInput.value = localStorage.getItem("profile-agent-token") || "";
  tokenInput.addEventListener("change", () => localStorage.setItem("profile-agent-token", tokenInput.value.trim()));
}

// --- cited papers -------------------------------------------------------------------------
const pop = $("#paper-pop");
function showPaper(link) {
  const paper = (data.papers || {})[link.dataset.paper];
  if (!pop || !paper) return;
  $(".pop-title", pop).textContent = `${paper.label}: ${paper.title || "(no title)"}`;
  const meta = [paper.year ? String(paper.year) : "undated"];
  if (paper.authors && paper.authors.length) meta.push(paper.authors.join(", "));
  $(".pop-meta", pop).textContent = meta.join(" · ");
  $(".pop-abstract", pop).textContent = paper.abstract || "No abstract on the page.";
  const a = $(".pop-link", pop);
  if (paper.url) { a.href = paper.url; a.hidden = false; } else { a.removeAttribute("href"); a.hidden = true; }
  const card = pop.parentElement;
  const box = link.getBoundingClientRect(), base = card.getBoundingClientRect();
  pop.style.left = `${Math.max(8, Math.min(box.left - base.left, base.width - 360))}px`;
  pop.style.top = `${box.bottom - base.top + 6}px`;
  pop.hidden = false;
}
document.addEventListener("click", (ev) => {
  const link = ev.target.closest && ev.target.closest("a.cite");
  if (link) { ev.preventDefault(); showPaper(link); return; }
  if (pop && !pop.hidden && (ev.target.closest(".close") || !ev.target.closest("#paper-pop"))) pop.hidden = true;
});
document.addEventListener("mouseover", (ev) => {
  const link = ev.target.closest && ev.target.closest("a.cite");
  if (link) showPaper(link);
});
document.addEventListener("keydown", (ev) => { if (ev.key === "Escape" && pop) pop.hidden = true; });

// --- upload + jobs ------------------------------------------------------------------------
async function pollJob(job, statusEl) {
  for (;;) {
    const resp = await fetch(`/api/jobs/${job.id}`);
    if (!resp.ok) return setStatus(statusEl, await errorText(resp), true);
    const j = await resp.json();
    if (j.status === "done") {
      setStatus(statusEl, "Done; opening the profile…");
      window.location.href = `/p/${encodeURIComponent(j.result[0].profile_id)}`;
      return;
    }
    if (j.status === "failed") return setStatus(statusEl, j.error ? j.error.message : "failed", true);
    const progress = j.total ? ` ${j.done}/${j.total} chunks` : "";
    setStatus(statusEl, `${j.status}: ${j.message || "waiting"}${progress}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function submitProfile(body, contentHeaders) {
  const statusEl = $("#job-status");
  setStatus(statusEl, "Parsing the page…");
  const resp = await fetch("/api/profiles", { method: "POST", body, headers: headers(contentHeaders) });
  if (resp.status !== 202) return setStatus(statusEl, await errorText(resp), true);
  const out = await resp.json();
  await pollJob(out.job, statusEl);
}

const uploadForm = $("#upload-form");
if (uploadForm) {
  uploadForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const file = $("#upload-file").files[0];
    if (!file) return;
    const form = new FormData();
    form.append("file", file, file.name);
    submitProfile(form, {});
  });
  $("#url-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitProfile(JSON.stringify({ url: $("#url-input").value.trim() }), { "Content-Type": "application/json" });
  });
}

// --- identity corrections -----------------------------------------------------------------
async function correct(body) {
  const statusEl = $("#correction-status");
  setStatus(statusEl, "Regrouping…");
  const resp = await fetch(`/api/profiles/${encodeURIComponent(data.profile)}/corrections`, {
    method: "POST", body: JSON.stringify(body), headers: headers({ "Content-Type": "application/json" }),
  });
  if (!resp.ok) return setStatus(statusEl, await errorText(resp), true);
  window.location.reload();
}
const picked = () => [...document.querySelectorAll("input.pick:checked")].map((el) => el.value);
if ($("#same-person")) {
  $("#same-person").addEventListener("click", () => {
    const labels = picked();
    if (labels.length < 2) return setStatus($("#correction-status"), "Tick at least two papers.", true);
    correct({ together: [labels] });
  });
  $("#not-same-person").addEventListener("click", () => {
    const labels = picked();
    if (labels.length !== 2) return setStatus($("#correction-status"), "Tick exactly two papers.", true);
    correct({ apart: [labels] });
  });
  $("#reset-corrections").addEventListener("click", () => correct({ replace: true }));
}

// --- chat ---------------------------------------------------------------------------------
function citedText(parent, text) {
  // "[P3, P7]" becomes links that open the paper; everything else stays text.
  const re = /\[(P\d+(?:\s*,\s*P\d+)*)\]/g;
  let last = 0, m;
  while ((m = re.exec(text))) {
    parent.append(text.slice(last, m.index), "[");
    m[1].split(",").map((s) => s.trim()).forEach((label, i) => {
      if (i) parent.append(", ");
      const a = document.createElement("a");
      a.className = "cite"; a.href = `#ref-${label}`; a.dataset.paper = label; a.textContent = label;
      parent.append(a);
    });
    parent.append("]");
    last = re.lastIndex;
  }
  parent.append(text.slice(last));
}

function sseEvents(buffer) {
  const events = [];
  let idx;
  while ((idx = buffer.text.indexOf("\n\n")) >= 0) {
    const raw = buffer.text.slice(0, idx);
    buffer.text = buffer.text.slice(idx + 2);
    let type = "message", payload = "";
    for (const line of raw.split("\n")) {
      if (line.startsWith("event:")) type = line.slice(6).trim();
      else if (line.startsWith("data:")) payload += line.slice(5).trimStart();
    }
    events.push({ type, data: payload });
  }
  return events;
}

let sessionId = null;
const chatForm = $("#chat-form");
if (chatForm) {
  chatForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const input = $("#chat-q"), log = $("#chat-log");
    const question = input.value.trim();
    if (!question) return;
    input.value = "";
    const q = document.createElement("div"); q.className = "q"; q.textContent = question;
    const a = document.createElement("div"); a.className = "a"; a.textContent = "…";
    log.append(q, a);
    const resp = await fetch("/api/chat", {
      method: "POST", headers: headers({ "Content-Type": "application/json" }),
      body: JSON.stringify({ profile: data.profile, question, session_id: sessionId }),
    });
    if (!resp.ok) { a.textContent = await errorText(resp); a.classList.add("error"); return; }
    const reader = resp.body.getReader(), decoder = new TextDecoder(), buffer = { text: "" };
    let streamed = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer.text += decoder.decode(value, { stream: true });
      for (const event of sseEvents(buffer)) {
        const payload = event.data ? JSON.parse(event.data) : {};
        if (event.type === "session") sessionId = payload.session_id;
        else if (event.type === "token") { streamed += payload.text; a.textContent = streamed; }
        else if (event.type === "answer") { a.textContent = ""; citedText(a, payload.text); a.dataset.done = "1"; }
        else if (event.type === "error") { a.textContent = payload.message; a.classList.add("error"); }
      }
    }
  });
}

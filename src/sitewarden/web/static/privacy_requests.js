"use strict";
// Subject requests: open an access or erasure request (the value is sent once and never
// kept), see what is held about the person, answer with an export (a ZIP behind a link
// that expires) or an erasure (confirmed by a second person where the site asks), and
// the register of requests with their deadlines. Times are the site's.
(function () {
  const $ = (id) => document.getElementById(id);
  const me = $("requests-page").dataset.me;
  const FIELDS = { plate: t("Licence plate"), national_id: t("ID number"), badge_id: t("Badge"), phone: t("Phone"), subject_id: t("Subject id") };
  const KINDS = { access: t("Access"), erasure: t("Erasure") };
  let sites = [];
  let timeZone = null;
  let current = null;

  function site() { return $("rq-site").value; }
  function base(request) { return "/api/v1/subject-requests/" + encodeURIComponent(request.site_id) + "/" + encodeURIComponent(request.request_id); }

  function dataCell(text) { return cell(text, null, true); }

  function refText(request) { return (FIELDS[request.field] || request.field) + " " + request.masked_value; }

  // The deadline (data) and, past it while unanswered, "overdue" (words).
  function dueNodes(request) {
    const time = document.createElement("span");
    time.translate = false; time.textContent = formatTime(request.due_at, timeZone);
    if (!request.overdue) return [time];
    const flag = document.createElement("strong");
    flag.className = "overdue"; flag.textContent = " " + t("overdue");
    return [time, flag];
  }

  function dueCell(request) {
    const td = cell("");
    td.append(...dueNodes(request));
    return td;
  }

  function stateCell(request) {
    const td = cell(privacy.state(request.state), "state-" + request.state);
    return td;
  }

  async function loadList() {
    const list = await fetchJSON("/api/v1/subject-requests?site=" + encodeURIComponent(site()));
    const rows = list.map((request) => {
      const tr = document.createElement("tr");
      tr.dataset.id = request.request_id;
      const who = [request.opened_by, request.erase_asked_by, request.answered_by].filter(Boolean);
      const open = document.createElement("button");
      open.type = "button"; open.textContent = t("Show");
      open.addEventListener("click", () => showRequest(request));
      const actions = cell("");
      actions.append(open);
      tr.append(
        dataCell(formatTime(request.opened_at, timeZone)),
        cell(KINDS[request.kind] || request.kind),
        dataCell(refText(request)),
        stateCell(request),
        dataCell(Array.from(new Set(who)).join(", ")),
        dueCell(request),
        actions,
      );
      return tr;
    });
    $("rq-rows").replaceChildren(...rows);
    $("rq-empty").hidden = rows.length > 0;
  }

  async function loadSettings() {
    const saved = await fetchJSON("/api/v1/sites/" + encodeURIComponent(site()) + "/subject-request-settings");
    $("rq-needs-confirmation").checked = saved.erasure_needs_confirmation;
    $("rq-deadline-days").value = saved.deadline_days;
  }

  async function showRequest(request) {
    current = request;
    $("rq-detail").hidden = false;
    $("rq-detail-id").textContent = request.request_id.slice(0, 8);
    $("rq-detail-kind").textContent = KINDS[request.kind] || request.kind;
    const ref = $("rq-detail-ref");
    ref.textContent = refText(request); ref.setAttribute("translate", "no");
    $("rq-detail-subjects").textContent = request.subjects
      ? formatNumber(request.subjects)
      : t("no one: nothing is held under this value");
    const stateText = privacy.state(request.state)
      + (request.erase_asked_by ? " (" + t("asked by {who}", { who: request.erase_asked_by }) + ")" : "");
    $("rq-detail-state").textContent = stateText;
    const due = $("rq-detail-due");
    due.replaceChildren(...dueNodes(request));
    $("rq-export").hidden = request.kind !== "access" || !request.subjects;
    $("rq-erase").hidden = request.kind !== "erasure" || request.state !== "open" || !request.subjects;
    $("rq-confirm").hidden = request.state !== "awaiting_confirmation" || request.erase_asked_by === me;
    $("rq-result").textContent = request.state === "awaiting_confirmation" && request.erase_asked_by === me
      ? t("Waiting for a second person: another privacy officer or administrator must confirm this erasure.") : "";
    $("rq-download-line").hidden = true;
    const held = await fetchJSON(base(request) + "/held");
    $("rq-held").tBodies[0].replaceChildren(...held.map((item) => {
      const tr = document.createElement("tr");
      tr.dataset.category = item.category;
      tr.append(cell(privacy.category(item.category)), dataCell(formatNumber(item.count)), cell(privacy.keptFor(item.retention_days)));
      return tr;
    }));
    $("rq-detail").scrollIntoView({ block: "nearest" });
  }

  async function refreshCurrent(updated) {
    await loadList();
    await showRequest(updated);
  }

  $("rq-open").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const opened = await sendJSON("POST", "/api/v1/subject-requests", {
        site: site(), kind: $("rq-kind").value, field: $("rq-field").value,
        value: $("rq-value").value, purpose: $("rq-purpose").value,
      });
      $("rq-value").value = "";
      await refreshCurrent(opened);
    } catch (error) { showError(error.message); }
  });

  $("rq-export").addEventListener("click", async () => {
    try {
      const link = await sendJSON("POST", base(current) + "/export", { valid_minutes: 60 });
      const updated = (await fetchJSON("/api/v1/subject-requests?site=" + encodeURIComponent(current.site_id)))
        .find((r) => r.request_id === current.request_id) || current;
      await refreshCurrent(updated);
      $("rq-download").href = link.url;
      fillText($("rq-download-expiry"), t("({events} events; the link works until {time})"),
        { events: formatNumber(link.events), time: formatTime(link.expires_at, timeZone) });
      $("rq-download-line").hidden = false;
      $("rq-download").focus();
    } catch (error) { showError(error.message); }
  });

  async function erase(path) {
    try {
      const answer = await sendJSON("POST", base(current) + path);
      await refreshCurrent(answer.request);
      $("rq-result").textContent = answer.erased
        ? t("Erased: {subjects} subjects, {events} events made unreadable.", { subjects: formatNumber(answer.subject_ids.length), events: formatNumber(answer.events_erased) })
        : t("Waiting for a second person: another privacy officer or administrator must confirm this erasure.");
    } catch (error) { showError(error.message); }
  }

  $("rq-erase").addEventListener("click", () => $("rq-erase-dialog").showModal());
  $("rq-erase-cancel").addEventListener("click", () => $("rq-erase-dialog").close());
  $("rq-erase-go").addEventListener("click", async () => { $("rq-erase-dialog").close(); await erase("/erase"); });
  $("rq-confirm").addEventListener("click", () => erase("/confirm-erasure"));

  $("rq-settings").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await sendJSON("PUT", "/api/v1/sites/" + encodeURIComponent(site()) + "/subject-request-settings", {
        erasure_needs_confirmation: $("rq-needs-confirmation").checked,
        deadline_days: Number($("rq-deadline-days").value),
      });
      $("rq-settings-state").textContent = t("Saved.");
    } catch (error) { showError(error.message); }
  });

  async function changeSite() {
    const chosen = sites.find((s) => s.site_id === site());
    timeZone = chosen ? chosen.timezone : null;
    sayTimeZone($("rq-timezone"), timeZone);
    $("rq-detail").hidden = true;
    $("rq-settings-state").textContent = "";
    try { await Promise.all([loadList(), loadSettings()]); } catch (error) { showError(error.message); }
  }

  (async function start() {
    try {
      sites = await fillSites($("rq-site"), false);
      const wanted = new URLSearchParams(location.search).get("site");
      if (wanted && sites.some((s) => s.site_id === wanted)) $("rq-site").value = wanted;
      $("rq-site").addEventListener("change", changeSite);
      await changeSite();
    } catch (error) { showError(error.message); }
  })();
})();

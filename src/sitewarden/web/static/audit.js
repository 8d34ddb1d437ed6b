"use strict";
// Audit viewer: entries newest first, filtered by who, action, whose data, site and time
// (the filters live in the address, so a view can be shared); paged with the API's
// `before` cursor; the chain's verification state; a period downloaded for an inspector.
// Times are in the browser's timezone, said on the page. Renders with textContent only.
(function () {
  const STRINGS = {
    loading: t("loading…"),
    shown: t("{count} entries shown"),
    page: t("page {page}"),
    zone: t("Times in your browser's timezone: {zone}"),
    timeHead: t("When ({zone})"),
    badRange: t("Until must be later than From"),
    error: t("Could not load: {message}"),
    chainOk: t("Intact: entries 1 to {seq} verified."),
    chainEmpty: t("Intact: the audit trail is empty."),
    chainBroken: t("BROKEN at entry {seq}: {reason}"),
    chainFailed: t("Could not verify the chain: {message}"),
    chainChecked: t("Checked at {time} in {ms} ms; the whole chain was last walked at {full}."),
    chainAnchored: t("The anchor kept beside the keys (entry {seq}) matches."),
    verifying: t("Walking the whole chain…"),
    none: "—",
    exporting: t("Preparing the download…"),
    exported: t("Downloaded {name}. The export was recorded in the audit trail."),
    exportFailed: t("The export failed: {message}"),
  };
  const $ = (id) => document.getElementById(id);
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const form = $("au-filters");
  const rows = $("au-rows");
  const pager = { stack: [], before: null, next: null };
  const siteNames = {};

  // The audit spans sites, so its times are the browser's (the page says which zone).
  function isoOf(local) {
    const when = wallClockToDate(local, zone);
    return when ? when.toISOString() : "";
  }

  function filters() {
    const f = {
      actor: $("au-actor").value.trim(), action: $("au-action").value.trim(),
      subject: $("au-subject").value.trim(), site: $("au-site").value,
      since: isoOf($("au-from").value), until: isoOf($("au-until").value),
    };
    return Object.fromEntries(Object.entries(f).filter(([, v]) => v));
  }

  function readAddress() {
    const params = new URLSearchParams(location.search);
    $("au-actor").value = params.get("actor") || "";
    $("au-action").value = params.get("action") || "";
    $("au-subject").value = params.get("subject") || "";
    $("au-site").value = params.get("site") || "";
    $("au-from").value = params.get("since") ? wallClockAt(params.get("since"), zone) : "";
    $("au-until").value = params.get("until") ? wallClockAt(params.get("until"), zone) : "";
    if (["50", "100", "500"].includes(params.get("size"))) $("au-size").value = params.get("size");
  }

  function writeAddress() {
    const params = new URLSearchParams(filters());
    if ($("au-size").value !== "100") params.set("size", $("au-size").value);
    const url = location.pathname + (params.toString() ? "?" + params : "");
    if (url !== location.pathname + location.search) history.pushState(null, "", url);
  }

  function entryRow(entry) {
    const tr = document.createElement("tr");
    tr.dataset.seq = String(entry.seq);
    const targets = entry.targets.length ? entry.targets.join(", ") : STRINGS.none;
    const site = entry.site_id ? (siteNames[entry.site_id] || entry.site_id) : STRINGS.none;
    tr.append(
      cell(formatTime(entry.at, zone), "au-time", true),
      cell(entry.actor, "au-actor", true),
      cell(entry.role, "au-role", true),
      cell(entry.action, "au-action", true),
      cell(targets, "au-targets", true),
      cell(site, "au-site", true),
      cell(entry.purpose || STRINGS.none, "au-purpose", true),
      cell(entry.address || STRINGS.none, "au-address", true),
      cell("#" + entry.seq, "au-seq", true),
    );
    return tr;
  }

  async function load() {
    const f = filters();
    const error = $("au-error");
    error.hidden = true;
    if (f.since && f.until && f.since >= f.until) { error.textContent = STRINGS.badRange; error.hidden = false; return; }
    $("au-status").textContent = STRINGS.loading;
    const params = new URLSearchParams({ ...f, limit: $("au-size").value });
    if (pager.before) params.set("before", String(pager.before));
    try {
      const page = await fetchJSON("/api/v1/audit/entries?" + params);
      rows.replaceChildren(...page.entries.map(entryRow));
      labelCells();
      pager.next = page.next_before;
      $("au-empty").hidden = page.entries.length > 0;
      $("au-status").textContent = t("{count} entries shown", { count: formatNumber(page.entries.length) });
      $("au-page").textContent = t("page {page}", { page: formatNumber(pager.stack.length + 1) });
      $("au-newer").disabled = pager.stack.length === 0;
      $("au-older").disabled = !pager.next;
      document.body.dataset.auditLoaded = "yes";
    } catch (exc) {
      $("au-status").textContent = "";
      error.textContent = t("Could not load: {message}", { message: exc.message });
      error.hidden = false;
    }
  }

  function labelCells() {
    const headers = Array.from(document.querySelectorAll(".au-grid thead th")).map((th) => th.textContent);
    for (const tr of rows.rows) Array.from(tr.cells).forEach((td, i) => { td.dataset.label = headers[i] || ""; });
  }

  async function verify(full) {
    const box = $("au-chain");
    const state = $("au-chain-state");
    const detail = $("au-chain-detail");
    if (full) { state.textContent = STRINGS.verifying; box.dataset.state = "unknown"; }
    try {
      const chain = await fetchJSON("/api/v1/audit/verify" + (full ? "?full=true" : ""));
      box.dataset.state = chain.ok ? "ok" : "broken";
      if (!chain.ok) fillText(state, STRINGS.chainBroken, { seq: chain.broken_seq, reason: chain.reason || "" });
      else if (chain.checked) fillText(state, STRINGS.chainOk, { seq: formatNumber(chain.checked) });
      else state.textContent = STRINGS.chainEmpty;
      fillText(detail, STRINGS.chainChecked, {
        time: formatTime(chain.checked_at, zone), ms: formatNumber(chain.took_ms),
        full: chain.full_at ? formatTime(chain.full_at, zone) : STRINGS.none,
      });
      if (chain.ok && chain.anchored) {
        const anchor = document.createElement("span");
        fillText(anchor, " " + STRINGS.chainAnchored, { seq: formatNumber(chain.anchored) });
        detail.append(anchor);
      }
    } catch (exc) {
      box.dataset.state = "unknown";
      state.textContent = t("Could not verify the chain: {message}", { message: exc.message });
    }
  }

  async function download(event) {
    event.preventDefault();
    const purpose = $("au-purpose");
    if (!purpose.reportValidity()) return;
    const note = $("au-export-state");
    note.textContent = STRINGS.exporting;
    const params = new URLSearchParams({ ...filters(), format: $("au-format").value, purpose: purpose.value.trim() });
    try {
      const response = await fetch("/api/v1/audit/export?" + params, { credentials: "same-origin" });
      if (!response.ok) {
        let message = response.statusText;
        try { message = (await response.json()).message || message; } catch (_) { /* not JSON */ }
        throw new Error(message);
      }
      const name = (/filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "") || [])[1] || "audit";
      const link = document.createElement("a");
      link.href = URL.createObjectURL(await response.blob());
      link.download = name;
      document.body.append(link); link.click(); link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
      fillText(note, STRINGS.exported, { name });
      verify(false);
    } catch (exc) {
      note.textContent = "";
      showError(t("The export failed: {message}", { message: exc.message }));
    }
  }

  function search(event) {
    if (event) event.preventDefault();
    pager.stack = []; pager.before = null;
    writeAddress();
    load();
  }

  async function start() {
    fillText($("au-zone-note"), STRINGS.zone, { zone });
    fillText($("au-time-head"), STRINGS.timeHead, { zone });
    try {
      const sites = await fillSites($("au-site"), true);
      for (const site of sites) siteNames[site.site_id] = site.name;
    } catch (exc) { showError(exc.message); }
    fetchJSON("/api/v1/audit/actions").then((actions) => {
      $("au-actions").replaceChildren(...actions.map((action) => { const o = document.createElement("option"); o.value = action; return o; }));
    }).catch((exc) => showError(exc.message));
    readAddress();
    form.addEventListener("submit", search);
    $("au-clear").addEventListener("click", () => { form.reset(); search(); });
    $("au-older").addEventListener("click", () => { pager.stack.push(pager.before); pager.before = pager.next; load(); });
    $("au-newer").addEventListener("click", () => { pager.before = pager.stack.pop() || null; load(); });
    $("au-verify-full").addEventListener("click", () => verify(true));
    $("au-export-form").addEventListener("submit", download);
    window.addEventListener("popstate", () => { readAddress(); pager.stack = []; pager.before = null; load(); });
    await Promise.all([load(), verify(false)]);
  }

  start();
})();

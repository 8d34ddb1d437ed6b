"use strict";
// Event explorer, the table: run the search the filters make (explorer_filters.js), page
// with the API's keyset cursor, render the rows, follow new events live (polled, see
// LIVE_POLL_MS) with pause and resume, and wire the page; a row opens its detail
// (explorer_detail.js). Renders with textContent only.
(function () {
  const {
    controls, format, SEVERITY, shownClock, zoneOfEvent, showZoneNote, filtersFromControls, urlFor,
    controlsFromUrl, showCustom, loadSites, loadKinds, loadPlaces, apiParams,
  } = window.explorerFilters;
  const detail = window.explorerDetail;
  // Every UI string this file writes, in one place for the translation catalogue.
  const STRINGS = {
    loading: t("loading…"),
    shown: t("{count} events shown"),
    page: t("page {page}"),
    live: t("Live: new events appear at the top"),
    paused: t("Paused: new events wait here"),
    notLive: t("Not live: the range ends in the past, or this is an older page"),
    pause: t("Pause"),
    resume: t("Resume"),
    waiting: t("{count} new events waiting"),
    waitingOne: t("1 new event waiting"),
    error: t("Could not load: {message}"),
    hidden: "••••••",
  };

  const LIVE_POLL_MS = 2000;
  const $ = (id) => document.getElementById(id);
  const rowsBody = $("ex-rows");
  const status = $("ex-status");
  const errorBox = $("ex-error");

  // The running search: its API parameters, fixed when it starts so that every page
  // and every live poll asks the same question; cursors[i] opens page i.
  let search = null;
  let live = { paused: false, waiting: new Map(), timer: null };

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  // --- searching and paging -------------------------------------------------------------

  async function startSearch() {
    stopLive();
    showError("");
    showZoneNote();
    let built;
    try {
      built = apiParams(filtersFromControls());
    } catch (error) {
      showError(error.message);
      return;
    }
    search = { params: built.params, openEnded: built.openEnded, cursors: [null], index: 0, next: null };
    live = { paused: false, waiting: new Map(), timer: null };
    await showPage();
  }

  function pageUrl(cursor) {
    const params = new URLSearchParams(search.params);
    if (cursor) params.set("cursor", cursor);
    return "/api/v1/events?" + params;
  }

  async function showPage() {
    const current = search;
    status.textContent = STRINGS.loading;
    $("ex-older").disabled = $("ex-newer").disabled = true;
    let page;
    try {
      page = await fetchJSON(pageUrl(current.cursors[current.index]));
    } catch (error) {
      if (current === search) { showError(format(STRINGS.error, { message: error.message })); status.textContent = ""; }
      return;
    }
    if (current !== search) return; // a newer search replaced this one
    current.next = page.next_cursor;
    current.seen = new Set(page.events.map((e) => e.id));
    for (const id of current.seen) live.waiting.delete(id); // shown now: no longer waiting
    rowsBody.replaceChildren(...page.events.map(eventRow));
    $("ex-empty").hidden = page.events.length > 0;
    $("ex-newer").disabled = current.index === 0;
    $("ex-older").disabled = !current.next;
    $("ex-page").textContent = format(STRINGS.page, { page: current.index + 1 });
    status.textContent = format(STRINGS.shown, { count: rowsBody.children.length });
    startLive();
  }

  function older() {
    if (!search || !search.next) return;
    search.cursors = search.cursors.slice(0, search.index + 1);
    search.cursors.push(search.next);
    search.index += 1;
    stopLive();
    showPage();
  }

  function newer() {
    if (!search || search.index === 0) return;
    search.index -= 1;
    stopLive();
    showPage();
  }

  // --- rows ------------------------------------------------------------------------------

  function summary(event) {
    const parts = [];
    if (event.note) parts.push(event.note);
    for (const [key, value] of Object.entries(event.attributes)) {
      parts.push(Array.isArray(value) ? `${key}: ${value.length}` : `${key}=${value}`);
    }
    if (event.personal_state === "sealed") parts.push(STRINGS.hidden);
    return parts.join(" · ");
  }

  function eventRow(event) {
    const tr = document.createElement("tr");
    tr.dataset.id = event.id;
    tr.dataset.kind = event.kind;
    tr.tabIndex = 0;
    const zone = zoneOfEvent(event);
    const time = cell(shownClock(new Date(event.occurred_at), zone), "ex-time", true);
    time.title = zone;
    tr.append(time, cell(SEVERITY[event.severity] || event.severity, "sev sev-" + event.severity),
      cell(event.kind, "ex-kind", true), cell(event.site_id, "ex-wide ex-name", true),
      cell(event.zone_id, "ex-wide ex-name", true), cell(event.device_id, "ex-name ex-device", true),
      cell(summary(event), "ex-summary", true));
    return tr;
  }

  // --- live mode --------------------------------------------------------------------------

  function isLive() {
    return Boolean(search && search.openEnded && search.index === 0);
  }

  function showLiveState() {
    const pause = $("ex-pause");
    const state = $("ex-live-state");
    pause.hidden = !isLive();
    pause.textContent = live.paused ? STRINGS.resume : STRINGS.pause;
    pause.setAttribute("aria-pressed", live.paused ? "true" : "false");
    state.textContent = !isLive() ? STRINGS.notLive : live.paused ? STRINGS.paused : STRINGS.live;
    state.className = "ex-live-state" + (isLive() && !live.paused ? " ex-on" : "");
    const count = live.waiting.size;
    $("ex-waiting").textContent = !count ? "" : count === 1 ? STRINGS.waitingOne : format(STRINGS.waiting, { count });
  }

  function startLive() {
    showLiveState();
    if (isLive() && !live.timer) live.timer = setInterval(poll, LIVE_POLL_MS);
  }

  function stopLive() {
    if (live.timer) clearInterval(live.timer);
    live.timer = null;
  }

  async function poll() {
    const current = search;
    if (!isLive()) return;
    const params = new URLSearchParams(current.params);
    params.set("limit", "100");
    let page;
    try {
      page = await fetchJSON("/api/v1/events?" + params);
    } catch (error) {
      status.textContent = format(STRINGS.error, { message: error.message });
      return;
    }
    if (current !== search || !isLive()) return;
    const fresh = page.events.filter((e) => !current.seen.has(e.id) && !live.waiting.has(e.id));
    if (!fresh.length) return;
    if (live.paused) {
      for (const event of fresh) live.waiting.set(event.id, event);
    } else {
      prepend(fresh);
    }
    showLiveState();
  }

  function prepend(events) {
    const unseen = events.filter((event) => !search.seen.has(event.id));
    for (const event of unseen) search.seen.add(event.id);
    const fresh = unseen.map(eventRow);
    for (const row of fresh) row.classList.add("ex-new");
    rowsBody.prepend(...fresh);
    $("ex-empty").hidden = rowsBody.children.length > 0;
    status.textContent = format(STRINGS.shown, { count: rowsBody.children.length });
  }

  function togglePause() {
    live.paused = !live.paused;
    if (!live.paused && live.waiting.size) {
      const waiting = [...live.waiting.values()].sort((a, b) =>
        a.occurred_at === b.occurred_at ? (a.id < b.id ? 1 : -1) : (a.occurred_at < b.occurred_at ? 1 : -1));
      live.waiting = new Map();
      prepend(waiting);
    }
    showLiveState();
  }

  // --- wiring -----------------------------------------------------------------------------

  function applyFilters(push) {
    const url = urlFor(filtersFromControls());
    if (url !== location.pathname + location.search) {
      if (push) history.pushState(null, "", url); else history.replaceState(null, "", url);
    }
    startSearch();
  }

  $("ex-filters").addEventListener("submit", (e) => { e.preventDefault(); applyFilters(true); });
  controls.range.addEventListener("change", () => { showCustom(); if (controls.range.value !== "custom") applyFilters(true); });
  controls.site.addEventListener("change", async () => {
    await loadPlaces().catch((error) => showError(error.message));
    showCustom();
    applyFilters(true);
  });
  for (const select of [controls.zone, controls.device, controls.kind, controls.severity, controls.size, controls.hideTelemetry]) {
    select.addEventListener("change", () => applyFilters(true));
  }
  $("ex-older").addEventListener("click", older);
  $("ex-newer").addEventListener("click", newer);
  $("ex-pause").addEventListener("click", togglePause);
  $("ex-close").addEventListener("click", detail.close);
  rowsBody.addEventListener("click", (e) => {
    const row = e.target.closest("tr[data-id]");
    if (row) detail.open(row.dataset.id);
  });
  rowsBody.addEventListener("keydown", (e) => {
    const row = e.target.closest("tr[data-id]");
    if (!row) return;
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); detail.open(row.dataset.id); }
    if (e.key === "ArrowDown" && row.nextElementSibling) { e.preventDefault(); row.nextElementSibling.focus(); }
    if (e.key === "ArrowUp" && row.previousElementSibling) { e.preventDefault(); row.previousElementSibling.focus(); }
  });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") detail.close(); });
  window.addEventListener("popstate", async () => {
    await controlsFromUrl().catch((error) => showError(error.message));
    startSearch();
  });
  detail.wire({ showError });
  // On a phone the filters would fill the first screen: start them folded.
  if (window.matchMedia("(max-width: 760px)").matches) $("ex-filter-box").open = false;

  (async function start() {
    try {
      await Promise.all([loadSites(), loadKinds()]);
      await controlsFromUrl();
    } catch (error) {
      showError(format(STRINGS.error, { message: error.message }));
    }
    startSearch();
  })();
})();

"use strict";
// Event explorer: search stored events by time range (in the site's timezone), place,
// kind, severity and text; page with the API's keyset cursor; follow new events live
// (polled, see LIVE_POLL_MS) with pause and resume; open one event's detail, and its
// personal fields with a stated purpose where the role may. Renders with textContent only.
(function () {
  const SEVERITY = { critical: t("critical"), major: t("major"), minor: t("minor"), info: t("info") };
  // Every UI string the script writes, in one place for the translation catalogue.
  const STRINGS = {
    loading: t("loading…"),
    shown: t("{count} events shown"),
    page: t("page {page}"),
    timesIn: t("Times in {zone}"),
    timesPerSite: t("Times in each site's own timezone; custom range in {zone}"),
    timeHead: t("Time ({zone})"),
    timeHeadPerSite: t("Time (site's timezone)"),
    live: t("Live: new events appear at the top"),
    paused: t("Paused: new events wait here"),
    notLive: t("Not live: the range ends in the past, or this is an older page"),
    pause: t("Pause"),
    resume: t("Resume"),
    waiting: t("{count} new events waiting"),
    waitingOne: t("1 new event waiting"),
    allZones: t("All zones"),
    allDevices: t("All devices"),
    allOfFamily: t("all {family} events"),
    needRange: t("Custom range: set From, and Until if the range should end"),
    badRange: t("Until must be later than From"),
    error: t("Could not load: {message}"),
    detailTitle: t("{kind} at {time}"),
    fieldTime: t("Occurred"),
    fieldReceived: t("Received"),
    fieldUtc: t("Occurred (UTC)"),
    fieldId: t("Event id"),
    fieldKind: t("Kind"),
    fieldSeverity: t("Severity"),
    fieldSite: t("Site"),
    fieldZone: t("Zone"),
    fieldDevice: t("Device"),
    fieldNote: t("Note"),
    fieldDisclosure: t("Values"),
    none: "—",
    noAttributes: t("none"),
    personalNone: t("This event carries no personal fields."),
    personalErased: t("Personal fields were erased (subject request)."),
    personalSealed: t("Personal fields are sealed and hidden. They are shown only for a stated purpose, and the opening is audited."),
    personalSealedNoRole: t("Personal fields are sealed and hidden; your role may not open them."),
    personalMasked: t("Shown masked for your role; opening was recorded in the audit log."),
    personalFull: t("Shown in full; opening was recorded in the audit log."),
    hidden: "••••••",
    image: t("image, {size} kB (not shown)"),
    choosePurpose: t("Choose a purpose first"),
  };

  const LIVE_POLL_MS = 2000;
  const PRESETS = { "15m": 15 * 60e3, "1h": 3600e3, "24h": 24 * 3600e3, "7d": 7 * 24 * 3600e3 };
  const $ = (id) => document.getElementById(id);
  const root = $("explorer");
  const mayOpenPersonal = root.dataset.mayOpenPersonal === "yes";
  const controls = {
    range: $("ex-range"), from: $("ex-from"), until: $("ex-until"), site: $("ex-site"),
    zone: $("ex-zone"), device: $("ex-device"), kind: $("ex-kind"), severity: $("ex-severity"),
    text: $("ex-text"), hideTelemetry: $("ex-hide-telemetry"), size: $("ex-size"),
  };
  const rowsBody = $("ex-rows");
  const status = $("ex-status");
  const errorBox = $("ex-error");
  const sites = new Map(); // site_id -> site
  let loadedPlaceFor = null; // the site whose zones and devices fill the selects

  // The running search: its API parameters, fixed when it starts so that every page
  // and every live poll asks the same question; cursors[i] opens page i.
  let search = null;
  let live = { paused: false, waiting: new Map(), timer: null };
  let openEventId = null;

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, (_, key) => String(values[key]));
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  // --- time in a site's timezone -------------------------------------------------------

  function wallParts(date, zone) {
    const parts = {};
    for (const part of new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    }).formatToParts(date)) parts[part.type] = part.value;
    return parts;
  }

  function wallClock(date, zone) {
    const p = wallParts(date, zone);
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
  }

  // As shown: the date in the page's order, "2026-12-04 09:30:12" or "2026/12/04 09:30:12"
  // (formatTime's, common.js); wallClock itself stays the inputs' form.
  function shownClock(date, zone) {
    const text = wallClock(date, zone);
    return pageLocale().startsWith("zh") ? text.replace(/-/g, "/") : text;
  }

  function offsetMs(date, zone) {
    const p = wallParts(date, zone);
    const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
    return asUtc - Math.floor(date.getTime() / 1000) * 1000;
  }

  // "2026-12-04T08:30" read as a wall clock in ``zone`` -> the instant (a Date).
  function fromWallClock(value, zone) {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
    if (!m) return null;
    const guess = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
    let instant = guess - offsetMs(new Date(guess), zone);
    const corrected = guess - offsetMs(new Date(instant), zone); // across a DST change
    if (corrected !== instant) instant = corrected;
    return new Date(instant);
  }

  function toWallInput(date, zone) {
    return wallClock(date, zone).replace(" ", "T");
  }

  // The timezone the range is entered in: the chosen site's, else the one all sites share.
  function rangeZone() {
    const chosen = sites.get(controls.site.value);
    if (chosen) return chosen.timezone;
    const zones = new Set([...sites.values()].map((s) => s.timezone));
    return zones.size === 1 ? [...zones][0] : "UTC";
  }

  function zoneOfEvent(event) {
    const site = sites.get(event.site_id);
    return site ? site.timezone : "UTC";
  }

  function showZoneNote() {
    const zone = rangeZone();
    const zones = new Set([...sites.values()].map((s) => s.timezone));
    const perSite = !controls.site.value && zones.size > 1;
    fillText($("ex-zone-note"), perSite ? STRINGS.timesPerSite : STRINGS.timesIn, { zone });
    fillText($("ex-time-head"), perSite ? STRINGS.timeHeadPerSite : STRINGS.timeHead, { zone });
  }

  // --- filters <-> URL --------------------------------------------------------------------

  function filtersFromControls() {
    return {
      range: controls.range.value, from: controls.from.value, until: controls.until.value,
      site: controls.site.value, zone: controls.zone.value, device: controls.device.value,
      kind: controls.kind.value, severity: controls.severity.value, q: controls.text.value.trim(),
      telemetry: controls.hideTelemetry.checked ? "" : "show", size: controls.size.value,
    };
  }

  function urlFor(filters) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(filters)) {
      if (!value || (key === "range" && value === "24h") || (key === "size" && value === "100")) continue;
      if ((key === "from" || key === "until") && filters.range !== "custom") continue;
      params.set(key, value);
    }
    const query = params.toString();
    return location.pathname + (query ? "?" + query : "");
  }

  function setSelect(select, value) {
    if (value && ![...select.options].some((o) => o.value === value)) {
      const option = document.createElement("option"); // a shared link names it: keep it
      option.value = value; option.textContent = value;
      select.appendChild(option);
    }
    select.value = value || "";
  }

  async function controlsFromUrl() {
    const params = new URLSearchParams(location.search);
    controls.range.value = PRESETS[params.get("range")] || params.get("range") === "custom" ? params.get("range") : "24h";
    controls.from.value = params.get("from") || "";
    controls.until.value = params.get("until") || "";
    setSelect(controls.site, params.get("site") || "");
    await loadPlaces();
    setSelect(controls.zone, params.get("zone") || "");
    setSelect(controls.device, params.get("device") || "");
    setSelect(controls.kind, params.get("kind") || "");
    controls.severity.value = ["minor", "major", "critical"].includes(params.get("severity")) ? params.get("severity") : "";
    controls.text.value = params.get("q") || "";
    controls.hideTelemetry.checked = params.get("telemetry") !== "show";
    controls.size.value = ["50", "100", "500"].includes(params.get("size")) ? params.get("size") : "100";
    showCustom();
  }

  function showCustom() {
    const custom = controls.range.value === "custom";
    for (const label of root.querySelectorAll(".ex-custom")) label.hidden = !custom;
    if (custom && !controls.from.value) {
      const zone = rangeZone();
      controls.from.value = toWallInput(new Date(Date.now() - 3600e3), zone);
    }
  }

  // --- sites, zones, devices, kinds ---------------------------------------------------------

  function option(value, label) {
    const element = document.createElement("option");
    element.value = value; element.textContent = label;
    return element;
  }

  async function loadSites() {
    for (const site of await fetchJSON("/api/v1/sites")) {
      sites.set(site.site_id, site);
      controls.site.appendChild(option(site.site_id, `${site.name} (${site.timezone})`));
    }
  }

  async function loadKinds() {
    const kinds = await fetchJSON("/api/v1/kinds");
    const families = new Map();
    for (const kind of kinds) {
      if (!families.has(kind.family)) families.set(kind.family, []);
      families.get(kind.family).push(kind);
    }
    for (const [family, members] of families) {
      const group = document.createElement("optgroup");
      group.label = family;
      group.appendChild(option(family, format(STRINGS.allOfFamily, { family })));
      for (const kind of members) group.appendChild(option(kind.kind, `${kind.kind} (${kind.severity})`));
      controls.kind.appendChild(group);
    }
  }

  // Zones and devices of the chosen site (the API filters by them only within a site).
  async function loadPlaces() {
    const site = controls.site.value;
    if (site === loadedPlaceFor) return;
    loadedPlaceFor = site;
    controls.zone.replaceChildren(option("", STRINGS.allZones));
    controls.device.replaceChildren(option("", STRINGS.allDevices));
    controls.zone.disabled = controls.device.disabled = !site;
    if (!site || !sites.has(site)) return;
    const [zones, devices] = await Promise.all([
      fetchJSON(`/api/v1/sites/${encodeURIComponent(site)}/zones`),
      fetchJSON(`/api/v1/sites/${encodeURIComponent(site)}/devices`),
    ]);
    for (const zone of zones) controls.zone.appendChild(option(zone.zone_id, zone.name));
    for (const device of devices) controls.device.appendChild(option(device.device_id, `${device.name} (${device.device_id})`));
  }

  // --- searching and paging -------------------------------------------------------------

  function apiParams(filters) {
    const params = new URLSearchParams({ limit: filters.size || "100" });
    for (const key of ["site", "zone", "device", "kind", "severity", "q"]) {
      if (filters[key]) params.set(key, filters[key]);
    }
    if (filters.telemetry !== "show") params.set("telemetry", "false");
    const zone = rangeZone();
    let openEnded = true;
    if (filters.range === "custom") {
      const since = fromWallClock(filters.from, zone);
      const until = filters.until ? fromWallClock(filters.until, zone) : null;
      if (!since) throw new Error(STRINGS.needRange);
      if (until && until <= since) throw new Error(STRINGS.badRange);
      params.set("since", since.toISOString());
      if (until) { params.set("until", until.toISOString()); openEnded = until > new Date(); }
    } else {
      params.set("since", new Date(Date.now() - PRESETS[filters.range || "24h"]).toISOString());
    }
    return { params, openEnded };
  }

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

  // --- detail -----------------------------------------------------------------------------

  // A name and its value; values are data (ids, times, what a device sent) unless ``ui``
  // says the value is a translated word, and ``dataName`` marks a name sent by a device.
  function term(list, name, value, { ui = false, dataName = false } = {}) {
    const dt = document.createElement("dt");
    dt.textContent = name;
    if (dataName) dt.translate = false;
    const dd = document.createElement("dd");
    const empty = value == null || value === "";
    dd.textContent = empty ? STRINGS.none : String(value);
    if (!empty && !ui) dd.translate = false;
    list.append(dt, dd);
  }

  function shownValue(key, value) {
    if (typeof value === "string" && (key === "face_crop" || key === "snapshot")) {
      return format(STRINGS.image, { size: Math.round((value.length * 3) / 4 / 1024) });
    }
    return typeof value === "object" && value !== null ? JSON.stringify(value) : value;
  }

  function renderDetail(event) {
    const zone = zoneOfEvent(event);
    const occurred = new Date(event.occurred_at);
    $("ex-detail-title").textContent = format(STRINGS.detailTitle, { kind: event.kind, time: shownClock(occurred, zone) });
    const fields = $("ex-fields");
    fields.replaceChildren();
    term(fields, STRINGS.fieldTime, `${shownClock(occurred, zone)} (${zone})`);
    term(fields, STRINGS.fieldUtc, event.occurred_at);
    term(fields, STRINGS.fieldReceived, `${shownClock(new Date(event.received_at), zone)} (${zone})`);
    term(fields, STRINGS.fieldKind, event.kind);
    term(fields, STRINGS.fieldSeverity, SEVERITY[event.severity] || event.severity, { ui: true });
    term(fields, STRINGS.fieldSite, event.site_id);
    term(fields, STRINGS.fieldZone, event.zone_id);
    term(fields, STRINGS.fieldDevice, event.device_id);
    term(fields, STRINGS.fieldNote, event.note);
    term(fields, STRINGS.fieldId, event.id);
    const attributes = $("ex-attributes");
    attributes.replaceChildren();
    const entries = Object.entries(event.attributes);
    if (!entries.length) term(attributes, STRINGS.noAttributes, "");
    for (const [key, value] of entries) term(attributes, key, shownValue(key, value), { dataName: true });

    const personal = $("ex-personal");
    personal.replaceChildren();
    const state = $("ex-personal-state");
    const openButton = $("ex-open-purpose");
    let canOpen = false;
    if (event.personal) {
      state.textContent = event.disclosure === "full" ? STRINGS.personalFull : STRINGS.personalMasked;
      for (const [key, value] of Object.entries(event.personal)) term(personal, key, shownValue(key, value), { dataName: true });
    } else if (event.personal_state === "sealed") {
      state.textContent = mayOpenPersonal ? STRINGS.personalSealed : STRINGS.personalSealedNoRole;
      term(personal, STRINGS.fieldDisclosure, STRINGS.hidden, { ui: true });
      canOpen = mayOpenPersonal;
    } else {
      state.textContent = event.personal_state === "erased" ? STRINGS.personalErased : STRINGS.personalNone;
    }
    if (openButton) openButton.hidden = !canOpen;
    const form = $("ex-purpose-form");
    if (form) form.hidden = true;
  }

  function showDetailError(message) {
    const box = $("ex-detail-error");
    box.textContent = message;
    box.hidden = !message;
  }

  async function openDetail(eventId, purpose) {
    const panel = $("ex-detail");
    const report = panel.hidden ? showError : showDetailError;
    report("");
    const url = `/api/v1/events/${encodeURIComponent(eventId)}` + (purpose ? "?" + new URLSearchParams({ purpose }) : "");
    let event;
    try {
      event = await fetchJSON(url);
    } catch (error) {
      report(format(STRINGS.error, { message: error.message }));
      return;
    }
    showDetailError("");
    openEventId = eventId;
    renderDetail(event);
    panel.hidden = false;
    panel.focus();
  }

  function closeDetail() {
    const panel = $("ex-detail");
    if (panel.hidden) return;
    panel.hidden = true;
    const row = rowsBody.querySelector(`tr[data-id="${CSS.escape(openEventId || "")}"]`);
    openEventId = null;
    if (row) row.focus();
  }

  function wirePurpose() {
    const button = $("ex-open-purpose");
    const form = $("ex-purpose-form");
    if (!button || !form) return; // the role may not open personal fields: no step at all
    button.addEventListener("click", () => {
      form.hidden = false;
      button.hidden = true;
      $("ex-purpose-kind").focus();
    });
    $("ex-purpose-cancel").addEventListener("click", () => { form.hidden = true; button.hidden = false; });
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const kind = $("ex-purpose-kind").value;
      if (!kind) { showDetailError(STRINGS.choosePurpose); $("ex-purpose-kind").focus(); return; }
      const reference = $("ex-purpose-reference").value.trim();
      openDetail(openEventId, reference ? `${kind}: ${reference}` : kind);
    });
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
  $("ex-close").addEventListener("click", closeDetail);
  rowsBody.addEventListener("click", (e) => {
    const row = e.target.closest("tr[data-id]");
    if (row) openDetail(row.dataset.id);
  });
  rowsBody.addEventListener("keydown", (e) => {
    const row = e.target.closest("tr[data-id]");
    if (!row) return;
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); openDetail(row.dataset.id); }
    if (e.key === "ArrowDown" && row.nextElementSibling) { e.preventDefault(); row.nextElementSibling.focus(); }
    if (e.key === "ArrowUp" && row.previousElementSibling) { e.preventDefault(); row.previousElementSibling.focus(); }
  });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") closeDetail(); });
  window.addEventListener("popstate", async () => {
    await controlsFromUrl().catch((error) => showError(error.message));
    startSearch();
  });
  wirePurpose();
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

"use strict";
// Event explorer, the filters: the search form's controls and their URL (a shared link
// opens the same search), the sites, zones, devices and kinds that fill its selects, the
// time range read in the site's timezone, and the events API parameters they make. Also
// lends explorer.js and explorer_detail.js the shared helpers: format, the severity
// words, and an event's time shown in its site's timezone (window.explorerFilters).
(function () {
  const SEVERITY = { critical: t("critical"), major: t("major"), minor: t("minor"), info: t("info") };
  // Every UI string this file writes, in one place for the translation catalogue.
  const STRINGS = {
    timesIn: t("Times in {zone}"),
    timesPerSite: t("Times in each site's own timezone; custom range in {zone}"),
    timeHead: t("Time ({zone})"),
    timeHeadPerSite: t("Time (site's timezone)"),
    allZones: t("All zones"),
    allDevices: t("All devices"),
    allOfFamily: t("all {family} events"),
    needRange: t("Custom range: set From, and Until if the range should end"),
    badRange: t("Until must be later than From"),
  };

  const PRESETS = { "15m": 15 * 60e3, "1h": 3600e3, "24h": 24 * 3600e3, "7d": 7 * 24 * 3600e3 };
  const $ = (id) => document.getElementById(id);
  const root = $("explorer");
  const controls = {
    range: $("ex-range"), from: $("ex-from"), until: $("ex-until"), site: $("ex-site"),
    zone: $("ex-zone"), device: $("ex-device"), kind: $("ex-kind"), severity: $("ex-severity"),
    text: $("ex-text"), hideTelemetry: $("ex-hide-telemetry"), size: $("ex-size"),
  };
  const sites = new Map(); // site_id -> site
  let loadedPlaceFor = null; // the site whose zones and devices fill the selects

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, (_, key) => String(values[key]));
  }

  // --- time in a site's timezone -------------------------------------------------------

  // As shown: the site's wall clock to the second, the date in the page's order,
  // "2026-12-04 09:30:12" or "2026/12/04 09:30:12" (formatTime's, common.js, without the zone).
  function shownClock(date, zone) {
    const text = wallClockAt(date, zone).replace("T", " ");
    return pageLocale().startsWith("zh") ? text.replace(/-/g, "/") : text;
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
      controls.from.value = wallClockAt(Date.now() - 3600e3, zone);
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

  // --- the events API's question --------------------------------------------------------

  function apiParams(filters) {
    const params = new URLSearchParams({ limit: filters.size || "100" });
    for (const key of ["site", "zone", "device", "kind", "severity", "q"]) {
      if (filters[key]) params.set(key, filters[key]);
    }
    if (filters.telemetry !== "show") params.set("telemetry", "false");
    const zone = rangeZone();
    let openEnded = true;
    if (filters.range === "custom") {
      const since = wallClockToDate(filters.from, zone);
      const until = filters.until ? wallClockToDate(filters.until, zone) : null;
      if (!since) throw new Error(STRINGS.needRange);
      if (until && until <= since) throw new Error(STRINGS.badRange);
      params.set("since", since.toISOString());
      if (until) { params.set("until", until.toISOString()); openEnded = until > new Date(); }
    } else {
      params.set("since", new Date(Date.now() - PRESETS[filters.range || "24h"]).toISOString());
    }
    return { params, openEnded };
  }

  window.explorerFilters = {
    controls, format, SEVERITY, shownClock, zoneOfEvent, showZoneNote, filtersFromControls, urlFor,
    controlsFromUrl, showCustom, loadSites, loadKinds, loadPlaces, apiParams,
  };
})();

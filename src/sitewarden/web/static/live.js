"use strict";
// Live list of recent events: polls the events API every 2 s. Times are the site's.
(function () {
  const body = document.getElementById("events");
  const status = document.getElementById("live-status");
  const siteFilter = document.getElementById("site-filter");
  const kindFilter = document.getElementById("kind-filter");
  const SEVERITY = { critical: t("critical"), major: t("major"), minor: t("minor"), info: t("info") };
  const timeZones = {};

  function describe(event) {
    const parts = Object.entries(event.attributes).map(([k, v]) => (Array.isArray(v) ? k + ": " + v.length : k + "=" + v));
    if (event.personal) parts.push(...Object.entries(event.personal).filter(([k]) => k !== "face_crop" && k !== "snapshot").map(([k, v]) => k + "=" + v));
    else if (event.personal_state === "sealed") parts.push(t("personal: sealed"));
    else if (event.personal_state === "erased") parts.push(t("personal: erased"));
    if (event.note) parts.push(t("note:") + " " + event.note);
    return parts.join(" · ");
  }

  async function refresh() {
    const params = new URLSearchParams({ limit: "50" });
    if (siteFilter.value) params.set("site", siteFilter.value);
    if (kindFilter.value.trim()) params.set("kind", kindFilter.value.trim());
    try {
      const page = await fetchJSON("/api/v1/events?" + params);
      const rows = page.events.map((event) => {
        const tr = document.createElement("tr");
        tr.dataset.kind = event.kind;
        tr.append(cell(formatTime(event.occurred_at, timeZones[event.site_id]), null, true), cell(SEVERITY[event.severity] || event.severity, "sev sev-" + event.severity),
          cell(event.kind, null, true), cell(event.site_id, null, true), cell(event.zone_id, null, true), cell(event.device_id, null, true),
          cell(describe(event), null, true));
        return tr;
      });
      body.replaceChildren(...rows);
      status.textContent = t("updated {time} · {count} events", { time: new Date().toLocaleTimeString(pageLocale(), { hour12: false }), count: formatNumber(rows.length) });
    } catch (error) {
      status.textContent = t("not updated");
      showError(error.message);
    }
  }

  fillSites(siteFilter, true).then((sites) => {
    for (const site of sites) timeZones[site.site_id] = site.timezone;
    refresh();
  }).catch((error) => showError(error.message));
  siteFilter.addEventListener("change", refresh);
  kindFilter.addEventListener("change", refresh);
  refresh();
  setInterval(refresh, 2000);
})();

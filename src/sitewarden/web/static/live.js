"use strict";
// Live list of recent events: polls the events API every 2 s.
(function () {
  const body = document.getElementById("events");
  const status = document.getElementById("live-status");
  const siteFilter = document.getElementById("site-filter");
  const kindFilter = document.getElementById("kind-filter");

  function describe(event) {
    const parts = Object.entries(event.attributes).map(([k, v]) => (Array.isArray(v) ? k + ": " + v.length : k + "=" + v));
    if (event.personal) parts.push(...Object.entries(event.personal).filter(([k]) => k !== "face_crop" && k !== "snapshot").map(([k, v]) => k + "=" + v));
    else if (event.personal_state === "sealed") parts.push("personal: sealed");
    else if (event.personal_state === "erased") parts.push("personal: erased");
    if (event.note) parts.push("note: " + event.note);
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
        tr.append(cell(formatTime(event.occurred_at)), cell(event.severity, "sev sev-" + event.severity),
          cell(event.kind), cell(event.site_id), cell(event.zone_id), cell(event.device_id), cell(describe(event)));
        return tr;
      });
      body.replaceChildren(...rows);
      status.textContent = "updated " + new Date().toLocaleTimeString(undefined, { hour12: false }) + " · " + rows.length + " events";
    } catch (error) {
      status.textContent = "error: " + error.message;
    }
  }

  fillSites(siteFilter, true).catch(() => {});
  siteFilter.addEventListener("change", refresh);
  kindFilter.addEventListener("change", refresh);
  refresh();
  setInterval(refresh, 2000);
})();

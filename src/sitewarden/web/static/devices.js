"use strict";
// Device list of one site: offline devices first, then never seen, then online; filters
// by health, kind, zone and name/id, kept in the address (?site=&health=&kind=&zone=&q=)
// so a link can be shared and Back returns to the same list. Refreshes every 5 s.
// Times are the site's.
(function () {
  const $ = (id) => document.getElementById(id);
  const body = $("devices");
  const select = $("site-select");
  const summary = $("device-summary");
  const filters = { health: $("filter-health"), kind: $("filter-kind"), zone: $("filter-zone"), q: $("filter-text") };
  const STATUS = { online: t("online"), offline: t("offline"), unknown: t("never seen") };
  const ORDER = { offline: 0, unknown: 1, online: 2 };
  const timeZones = {};
  let devices = [];
  let loadedSite = null;

  function fromAddress() {
    const params = new URLSearchParams(location.search);
    return { site: params.get("site") || "", health: params.get("health") || "", kind: params.get("kind") || "",
      zone: params.get("zone") || "", q: params.get("q") || "" };
  }

  function toAddress() {
    const params = new URLSearchParams();
    if (select.value) params.set("site", select.value);
    for (const [key, control] of Object.entries(filters)) if (control.value) params.set(key, control.value);
    const search = params.toString();
    history.replaceState(null, "", location.pathname + (search ? "?" + search : ""));
  }

  // Keep the option list of a select in step with the values present (a value asked for
  // in the address stays selectable even if no device has it now).
  function fillOptions(control, values, wanted) {
    const keep = control.value || wanted;
    const all = new Set(values);
    if (keep) all.add(keep);
    const first = control.options[0];
    const options = [...all].sort().map((value) => {
      const option = document.createElement("option");
      option.value = value; option.textContent = value; option.setAttribute("translate", "no");
      return option;
    });
    control.replaceChildren(first, ...options);
    control.value = keep || "";
  }

  function detailHref(device) {
    return "/devices/" + encodeURIComponent(device.site_id) + "/" + encodeURIComponent(device.device_id);
  }

  function row(device, timeZone) {
    const tr = document.createElement("tr");
    tr.dataset.status = device.status;
    tr.dataset.device = device.device_id;
    const name = document.createElement("td");
    const link = document.createElement("a");
    link.href = detailHref(device);
    link.textContent = device.name + " (" + device.device_id + ")";
    link.setAttribute("translate", "no");
    name.append(link);
    tr.append(cell(STATUS[device.status] || device.status, "status status-" + device.status), name,
      cell(device.kind, null, true), cell(device.zone_id, null, true),
      device.last_seen_at ? cell(formatTime(device.last_seen_at, timeZone), null, true) : cell(t("never")),
      cell(t("{seconds} s", { seconds: formatNumber(device.heartbeat_s) })), cell(formatNumber(device.rotation) + "°"));
    return tr;
  }

  function render() {
    const timeZone = timeZones[select.value];
    const text = filters.q.value.trim().toLowerCase();
    const shown = devices.filter((device) =>
      (!filters.health.value || device.status === filters.health.value) &&
      (!filters.kind.value || device.kind === filters.kind.value) &&
      (!filters.zone.value || device.zone_id === filters.zone.value) &&
      (!text || device.name.toLowerCase().includes(text) || device.device_id.toLowerCase().includes(text)));
    shown.sort((a, b) => (ORDER[a.status] ?? 3) - (ORDER[b.status] ?? 3) || a.name.localeCompare(b.name) ||
      a.device_id.localeCompare(b.device_id));
    body.replaceChildren(...shown.map((device) => row(device, timeZone)));
    $("no-devices").hidden = shown.length > 0 || devices.length === 0;
    const counts = { online: 0, offline: 0, unknown: 0 };
    for (const device of devices) counts[device.status] = (counts[device.status] || 0) + 1;
    summary.textContent = t("{offline} offline · {unknown} never seen · {online} online · {shown} of {total} shown", {
      offline: formatNumber(counts.offline), unknown: formatNumber(counts.unknown), online: formatNumber(counts.online),
      shown: formatNumber(shown.length), total: formatNumber(devices.length) });
    summary.classList.toggle("has-offline", counts.offline > 0);
  }

  async function refresh() {
    if (!select.value) return;
    const site = select.value;
    try {
      const answer = await fetchJSON("/api/v1/sites/" + encodeURIComponent(site) + "/devices");
      if (site !== select.value) return;
      devices = answer;
      const wanted = loadedSite === site ? {} : fromAddress();
      loadedSite = site;
      fillOptions(filters.kind, devices.map((d) => d.kind), wanted.kind);
      fillOptions(filters.zone, devices.map((d) => d.zone_id).filter(Boolean), wanted.zone);
      render();
    } catch (error) {
      summary.textContent = t("not updated");
      showError(error.message);
    }
  }


  function showTimeZone() {
    sayTimeZone($("site-timezone"), timeZones[select.value]);
  }

  const initial = fromAddress();
  filters.health.value = ["offline", "unknown", "online"].includes(initial.health) ? initial.health : "";
  filters.q.value = initial.q;
  fillSites(select, false).then((sites) => {
    for (const site of sites) timeZones[site.site_id] = site.timezone;
    if (initial.site && sites.some((s) => s.site_id === initial.site)) select.value = initial.site;
    showTimeZone();
    return refresh();
  }).catch((error) => showError(error.message));
  select.addEventListener("change", () => {
    filters.kind.value = ""; filters.zone.value = "";
    devices = []; body.replaceChildren(); showTimeZone(); toAddress(); refresh();
  });
  for (const control of Object.values(filters)) {
    control.addEventListener(control === filters.q ? "input" : "change", () => { toAddress(); render(); });
  }
  $("device-filters").addEventListener("submit", (event) => event.preventDefault());
  setInterval(refresh, 5000);
})();

"use strict";
// Device list with online status for one site; refreshes every 5 s. Times are the site's.
(function () {
  const body = document.getElementById("devices");
  const select = document.getElementById("site-select");
  const summary = document.getElementById("device-summary");
  const STATUS = { online: t("online"), offline: t("offline"), unknown: t("unknown") };
  const timeZones = {};

  async function refresh() {
    if (!select.value) return;
    const timeZone = timeZones[select.value];
    try {
      const devices = await fetchJSON("/api/v1/sites/" + encodeURIComponent(select.value) + "/devices");
      const counts = { online: 0, offline: 0, unknown: 0 };
      const rows = devices.map((device) => {
        counts[device.status] += 1;
        const tr = document.createElement("tr");
        tr.dataset.status = device.status;
        tr.append(cell(STATUS[device.status] || device.status, "status status-" + device.status),
          cell(device.name + " (" + device.device_id + ")", null, true),
          cell(device.kind, null, true), cell(device.zone_id, null, true),
          device.last_seen_at ? cell(formatTime(device.last_seen_at, timeZone), null, true) : cell(t("never")),
          cell(t("{seconds} s", { seconds: formatNumber(device.heartbeat_s) })), cell(formatNumber(device.rotation) + "°"));
        return tr;
      });
      body.replaceChildren(...rows);
      summary.textContent = t("{online} online · {offline} offline · {unknown} never seen",
        { online: formatNumber(counts.online), offline: formatNumber(counts.offline), unknown: formatNumber(counts.unknown) });
    } catch (error) {
      summary.textContent = t("not updated");
      showError(error.message);
    }
  }

  fillSites(select, false).then((sites) => {
    for (const site of sites) timeZones[site.site_id] = site.timezone;
    return refresh();
  }).catch((error) => showError(error.message));
  select.addEventListener("change", refresh);
  setInterval(refresh, 5000);
})();

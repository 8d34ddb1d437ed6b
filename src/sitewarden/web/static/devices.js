"use strict";
// Device list with online status for one site; refreshes every 5 s.
(function () {
  const body = document.getElementById("devices");
  const select = document.getElementById("site-select");
  const summary = document.getElementById("device-summary");

  async function refresh() {
    if (!select.value) return;
    try {
      const devices = await fetchJSON("/api/v1/sites/" + encodeURIComponent(select.value) + "/devices");
      const counts = { online: 0, offline: 0, unknown: 0 };
      const rows = devices.map((device) => {
        counts[device.status] += 1;
        const tr = document.createElement("tr");
        tr.dataset.status = device.status;
        tr.append(cell(device.status, "status status-" + device.status), cell(device.name + " (" + device.device_id + ")"),
          cell(device.kind), cell(device.zone_id), cell(device.last_seen_at ? formatTime(device.last_seen_at) : "never"),
          cell(device.heartbeat_s + " s"), cell(device.rotation + "°"));
        return tr;
      });
      body.replaceChildren(...rows);
      summary.textContent = counts.online + " online · " + counts.offline + " offline · " + counts.unknown + " never seen";
    } catch (error) {
      summary.textContent = "error: " + error.message;
    }
  }

  fillSites(select, false).then(refresh).catch((error) => { summary.textContent = "error: " + error.message; });
  select.addEventListener("change", refresh);
  setInterval(refresh, 5000);
})();

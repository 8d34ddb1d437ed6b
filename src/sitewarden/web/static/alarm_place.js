"use strict";
// The alarm detail's place: the device on the site plan, and a camera's blurred snapshot
// taken near the alarm's time, shown only after a stated purpose (audited by the API).
// alerts.js calls window.alarmPlace.show(alert, { siteTime, report }) when a detail opens.
(function () {
  const t = window.t || ((text) => text);
  let siteTime = (iso) => iso;
  let report = (message) => window.showError && window.showError(message);
  const place = document.getElementById("detail-place");
  const snapshotBox = document.getElementById("detail-snapshot");
  const snapshotButton = document.getElementById("snapshot-show");
  const purposeForm = document.getElementById("snapshot-purpose");
  const snapshotImage = document.getElementById("snapshot-image");
  const SNAPSHOT_NEAR_MS = 10 * 60 * 1000; // taken within 10 minutes of the alarm
  let snapshot = null; // the snapshot offered for the open alarm
  let shownFor = null; // the alert whose place is drawn: a refresh keeps a shown image

  async function show(alert, helpers) {
    ({ siteTime, report } = helpers);
    if (shownFor === alert.alert_id) return;
    shownFor = alert.alert_id;
    place.hidden = true; snapshotBox.hidden = true; purposeForm.hidden = true;
    snapshotImage.replaceChildren(); snapshot = null;
    if (!alert.device_id || !window.sitePlan) return;
    const base = "/api/v1/sites/" + encodeURIComponent(alert.site_id);
    try {
      const [site, devices, image] = await Promise.all([fetchJSON(base), fetchJSON(base + "/devices"), fetchJSON(base + "/plan-image/info")]);
      if (shownFor !== alert.alert_id) return;
      const device = devices.find((d) => d.device_id === alert.device_id);
      if (device && device.x != null && device.y != null) {
        const background = image ? base + "/plan-image?" + new URLSearchParams({ v: image.uploaded_at }) : null;
        const svg = sitePlan.draw(site, devices, { highlight: device.device_id, scale: 2, background: background });
        svg.setAttribute("role", "img");
        svg.setAttribute("aria-label", t("{device} on the plan of {site}", { device: device.name, site: site.name }));
        document.getElementById("detail-plan").replaceChildren(svg);
        place.hidden = false;
      }
      if (device && device.kind === "camera" && may("snapshots:read")) await offerSnapshot(alert, base);
    } catch (error) { report(error.message); }
  }

  async function offerSnapshot(alert, base) {
    const list = await fetchJSON(base + "/snapshots?" + new URLSearchParams({ device: alert.device_id, limit: "50" }));
    const from = new Date(alert.first_at).getTime() - SNAPSHOT_NEAR_MS;
    const until = new Date(alert.last_at).getTime() + SNAPSHOT_NEAR_MS;
    const last = new Date(alert.last_at).getTime();
    const near = list.filter((s) => { const at = new Date(s.taken_at).getTime(); return at >= from && at <= until; });
    near.sort((a, b) => Math.abs(new Date(a.taken_at) - last) - Math.abs(new Date(b.taken_at) - last));
    if (shownFor !== alert.alert_id || !near.length) return;
    snapshot = near[0];
    document.getElementById("snapshot-note").textContent = t("A blurred snapshot taken {time}. It is shown only for a stated purpose, and the opening is audited.", { time: siteTime(snapshot.taken_at, alert.site_id) });
    snapshotButton.hidden = false;
    snapshotBox.hidden = false;
  }

  snapshotButton.addEventListener("click", () => {
    purposeForm.hidden = false; snapshotButton.hidden = true;
    document.getElementById("snapshot-purpose-kind").focus();
  });
  document.getElementById("snapshot-cancel").addEventListener("click", () => {
    purposeForm.hidden = true; snapshotButton.hidden = false;
  });
  purposeForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const kind = document.getElementById("snapshot-purpose-kind");
    if (!kind.value) { report(t("Choose a purpose first")); kind.focus(); return; }
    const reference = document.getElementById("snapshot-purpose-reference").value.trim();
    const purpose = reference ? kind.value + ": " + reference : kind.value;
    const chosen = snapshot;
    const url = "/api/v1/sites/" + encodeURIComponent(chosen.site_id) + "/snapshots/" + encodeURIComponent(chosen.snapshot_id) + "?" + new URLSearchParams({ purpose: purpose });
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "image/jpeg" } });
      if (!response.ok) {
        let message = response.statusText;
        try { message = (await response.json()).message || message; } catch (_) { /* not JSON */ }
        throw new Error(message);
      }
      const blob = await response.blob();
      if (snapshot !== chosen) return; // another alarm opened meanwhile
      // A data: URL, not an object URL: the CSP's img-src allows 'self' and data: only.
      const source = await new Promise((resolve, reject) => {
        const reader = new FileReader();
        reader.onload = () => resolve(reader.result);
        reader.onerror = () => reject(reader.error);
        reader.readAsDataURL(blob);
      });
      if (snapshot !== chosen) return;
      const img = document.createElement("img");
      img.alt = t("Blurred snapshot from {device}, taken {time}", { device: chosen.device_id, time: siteTime(chosen.taken_at, chosen.site_id) });
      img.width = chosen.width; img.height = chosen.height;
      img.src = source;
      snapshotImage.replaceChildren(img);
      purposeForm.hidden = true;
    } catch (error) { report(error.message); }
  });

  // The detail closed: the next opening draws the place again, and no snapshot stays shown.
  function forget() { shownFor = null; snapshotImage.replaceChildren(); }

  window.alarmPlace = { show, forget };
})();

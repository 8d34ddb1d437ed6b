"use strict";
// One device: its registry entry and token state, messages per interval (chart.js, with
// the same counts as a table; intervals without any message drawn as gaps), its open
// alarms and recent events; for registry writers, editing it and rotating or revoking
// its token. A new token is shown once, in a dialog, and kept nowhere else (not in the
// address, not in storage, not logged). Times are the site's.
(function () {
  const $ = (id) => document.getElementById(id);
  const root = $("device-page");
  const site = root.dataset.site;
  const device = root.dataset.device;
  const base = "/api/v1/sites/" + encodeURIComponent(site) + "/devices/" + encodeURIComponent(device);
  const STATUS = { online: t("online"), offline: t("offline"), unknown: t("never seen") };
  const STATE_LABELS = {
    unacknowledged: t("Unacknowledged"), acknowledged: t("Acknowledged"),
    returned_unacknowledged: t("Returned, unacknowledged"), shelved: t("Shelved"), resolved: t("Resolved"),
  };
  let timeZone = null;
  let hours = 24;
  let chart = null;
  let current = null;

  // A fact's text; times and other values are data (translate="no"), words are not.
  function fact(id, text, data) {
    const element = $(id);
    element.textContent = text;
    if (data) element.setAttribute("translate", "no"); else element.removeAttribute("translate");
  }

  function timeFact(id, iso, otherwise) {
    fact(id, iso ? formatTime(iso, timeZone) : otherwise, !!iso);
  }

  function showDevice(found) {
    current = found;
    $("device-name").textContent = found.name;
    const health = $("device-health");
    health.textContent = STATUS[found.status] || found.status;
    health.className = "status status-" + found.status;
    fact("fact-kind", found.kind, true);
    fact("fact-zone", found.zone_id || "—", true);
    if (found.x == null || found.y == null) fact("fact-position", t("not placed"), false);
    else fact("fact-position", t("x {x}, y {y}", { x: formatNumber(found.x), y: formatNumber(found.y) }), false);
    fact("fact-heartbeat", t("every {seconds} s", { seconds: formatNumber(found.heartbeat_s) }), false);
    fact("fact-rotation", formatNumber(found.rotation) + "°", true);
    timeFact("fact-seen", found.last_seen_at, t("never"));
    timeFact("fact-token-issued", found.token_issued_at, t("no token"));
    timeFact("fact-token-revoked", found.token_revoked_at, t("not revoked"));
    const edit = $("device-edit");
    if (edit && !edit.contains(document.activeElement)) {
      $("edit-name").value = found.name;
      $("edit-zone").value = found.zone_id || "";
      $("edit-heartbeat").value = String(found.heartbeat_s);
      $("edit-rotation").value = String(found.rotation);
    }
  }

  async function loadDevice() {
    showDevice(await fetchJSON(base));
  }

  function cssColor(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";
  }

  function bucketLabel(iso) {
    const text = formatTime(iso, timeZone).split(" (")[0];
    return hours <= 24 ? text.slice(11, 16) : text.slice(5, 13) + "h";
  }

  async function loadActivity() {
    const activity = await fetchJSON(base + "/activity?hours=" + hours);
    const counts = activity.buckets.map((b) => b.count);
    const top = Math.max(1, ...counts);
    // A silent interval is a gap only once the device was registered.
    const since = current ? new Date(current.created_at).getTime() : 0;
    const gaps = activity.buckets.map((b) => b.count === 0 && new Date(b.start).getTime() + activity.bucket_s * 1000 > since);
    const silent = gaps.filter(Boolean).length;
    const expected = Math.max(1, Math.round(activity.bucket_s / activity.heartbeat_s));
    $("activity-summary").textContent = t("{minutes} min per interval; a heartbeat every {seconds} s is about {expected} messages per interval; {silent} of {total} intervals without any message (marked as gaps).", {
      minutes: formatNumber(activity.bucket_s / 60), seconds: formatNumber(activity.heartbeat_s),
      expected: formatNumber(expected), silent: formatNumber(silent), total: formatNumber(counts.length) });
    const rows = activity.buckets.map((bucket, index) => {
      const tr = document.createElement("tr");
      if (gaps[index]) tr.className = "gap";
      tr.append(cell(formatTime(bucket.start, timeZone), null, true),
        gaps[index] ? cell(t("0 (gap)")) : cell(formatNumber(bucket.count), null, true));
      return tr;
    });
    document.querySelector("#activity-table tbody").replaceChildren(...rows);
    drawChart(activity.buckets.map((b) => bucketLabel(b.start)), counts, gaps, top);
  }

  function drawChart(labels, counts, gaps, top) {
    if (!window.Chart) return; // the table still says it all
    const data = {
      labels: labels,
      datasets: [
        { label: t("Messages"), data: counts, backgroundColor: cssColor("--accent"), grouped: false },
        { label: t("No message (gap)"), data: gaps.map((gap) => (gap ? top : null)),
          backgroundColor: cssColor("--offline") + "55", borderColor: cssColor("--offline"), borderWidth: { top: 0 }, grouped: false },
      ],
    };
    if (chart) { chart.data = data; chart.update("none"); return; }
    chart = new window.Chart($("activity-chart"), {
      type: "bar", data: data,
      options: {
        animation: false, maintainAspectRatio: false, responsive: true,
        categoryPercentage: 1, barPercentage: 0.95,
        scales: {
          x: { ticks: { color: cssColor("--muted"), maxRotation: 0, autoSkip: true, maxTicksLimit: 8 }, grid: { display: false } },
          y: { beginAtZero: true, ticks: { color: cssColor("--muted"), precision: 0 }, grid: { color: cssColor("--line") } },
        },
        plugins: { legend: { labels: { color: cssColor("--ink") } } },
      },
    });
  }

  async function loadAlerts() {
    const body = document.querySelector("#device-alerts tbody");
    if (!body) return;
    const params = new URLSearchParams({ site: site, device: device, order: "priority", limit: "50" });
    for (const state of ["open", "acknowledged", "returned"]) params.append("state", state);
    const page = await fetchJSON("/api/v1/alerts?" + params);
    body.replaceChildren(...page.alerts.map((alert) => {
      const tr = document.createElement("tr");
      const title = document.createElement("td");
      const link = document.createElement("a");
      link.href = "/alerts#" + encodeURIComponent(alert.alert_id);
      link.textContent = alert.title;
      link.setAttribute("translate", "no");
      title.append(link);
      tr.append(cell(alert.severity, "sev sev-" + alert.severity, true), title,
        cell(STATE_LABELS[alert.alarm_state] || alert.alarm_state), cell(formatTime(alert.last_at, timeZone), null, true));
      return tr;
    }));
    $("no-alerts").hidden = page.alerts.length > 0;
  }

  async function loadEvents() {
    const body = document.querySelector("#device-events tbody");
    if (!body) return;
    const params = new URLSearchParams({ site: site, device: device, limit: "20" });
    const page = await fetchJSON("/api/v1/events?" + params);
    body.replaceChildren(...page.events.map((event) => {
      const tr = document.createElement("tr");
      tr.append(cell(formatTime(event.occurred_at, timeZone), null, true), cell(event.kind, null, true),
        cell(event.severity, "sev sev-" + event.severity, true), cell(event.note, null, true));
      return tr;
    }));
    $("no-events").hidden = page.events.length > 0;
  }

  function refreshAll() {
    return Promise.all([loadDevice().then(loadActivity), loadAlerts(), loadEvents()])
      .catch((error) => showError(error.message));
  }

  function setHours(value) {
    hours = value;
    $("span-24").setAttribute("aria-pressed", value === 24 ? "true" : "false");
    $("span-168").setAttribute("aria-pressed", value === 168 ? "true" : "false");
    loadActivity().catch((error) => showError(error.message));
  }
  $("span-24").addEventListener("click", () => setHours(24));
  $("span-168").addEventListener("click", () => setHours(168));

  const all = $("all-events");
  if (all) all.href = "/events?" + new URLSearchParams({ site: site, device: device, range: "7d", telemetry: "show" });

  // --- changes, for those who may write the registry (the API refuses others anyway) --
  async function fillZones() {
    const select = $("edit-zone");
    const zones = await fetchJSON("/api/v1/sites/" + encodeURIComponent(site) + "/zones");
    for (const zone of zones) {
      const option = document.createElement("option");
      option.value = zone.zone_id; option.textContent = zone.name + " (" + zone.zone_id + ")";
      option.setAttribute("translate", "no");
      select.append(option);
    }
  }

  function setUpAdmin() {
    const form = $("device-edit");
    if (!form || !may("registry:write")) return;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      $("save-state").textContent = "";
      try {
        const changed = await sendJSON("PATCH", base, {
          name: $("edit-name").value.trim(), zone_id: $("edit-zone").value || null,
          heartbeat_s: Number($("edit-heartbeat").value), rotation: Number($("edit-rotation").value),
        });
        document.activeElement.blur();
        showDevice(changed);
        $("save-state").textContent = t("Saved.");
      } catch (error) { showError(error.message); }
    });
    const tokenDialog = $("token-dialog");
    $("rotate-token").addEventListener("click", async () => {
      try {
        const answer = await sendJSON("POST", base + "/token");
        $("new-token").textContent = answer.token;
        $("copy-state").textContent = "";
        tokenDialog.showModal();
        loadDevice().catch((error) => showError(error.message));
      } catch (error) { showError(error.message); }
    });
    $("copy-token").addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText($("new-token").textContent);
        $("copy-state").textContent = t("Copied.");
      } catch (_) {
        const range = document.createRange();
        range.selectNodeContents($("new-token"));
        window.getSelection().removeAllRanges(); window.getSelection().addRange(range);
        $("copy-state").textContent = t("Selected: press Ctrl+C to copy.");
      }
    });
    // Closing forgets the token: it is in no other place on the page.
    tokenDialog.addEventListener("close", () => { $("new-token").textContent = ""; });
    $("close-token").addEventListener("click", () => tokenDialog.close());
    const revokeDialog = $("revoke-dialog");
    $("revoke-token").addEventListener("click", () => revokeDialog.showModal());
    $("cancel-revoke").addEventListener("click", () => revokeDialog.close());
    $("confirm-revoke").addEventListener("click", async () => {
      revokeDialog.close();
      try { showDevice(await sendJSON("DELETE", base + "/token")); } catch (error) { showError(error.message); }
    });
    fillZones().then(() => { if (current) $("edit-zone").value = current.zone_id || ""; })
      .catch((error) => showError(error.message));
  }

  fetchJSON("/api/v1/sites/" + encodeURIComponent(site)).then((found) => {
    timeZone = found.timezone;
    sayTimeZone($("site-timezone"), timeZone);
    $("back-to-list").href = "/devices?" + new URLSearchParams({ site: site });
  }).catch((error) => showError(error.message)).then(() => {
    setUpAdmin();
    return refreshAll();
  });
  setInterval(() => { loadDevice().catch((error) => showError(error.message)); }, 10000);
})();

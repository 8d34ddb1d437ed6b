"use strict";
// The overview dashboard: one site at a glance. The figures come from one API call
// (GET /api/v1/sites/{id}/overview, which leaves out what the role may not read), the
// occupancy charts from the stored series; refreshed every 10 s and on every alarm change
// (alarm_watch.js passes the alerts stream on as "alarm-change"). Times are the site's.
(function () {
  const select = document.getElementById("site-select");
  const zoneName = document.getElementById("site-zone");
  const status = document.getElementById("overview-status");
  const SEVERITIES = ["critical", "major", "minor", "info"];
  const SEVERITY_LABELS = { critical: t("critical"), major: t("major"), minor: t("minor"), info: t("info") };
  const SOURCE_LABELS = { camera: t("camera count"), wifi: t("Wi-Fi devices") };
  const SERIES_EVERY_MS = 60000;
  const timeZones = {};
  const charts = {};
  let drawn = { series: null, days: null, names: {} };
  let seriesAt = 0;

  function el(id) { return document.getElementById(id); }
  function css(name) { return getComputedStyle(document.body).getPropertyValue(name).trim(); }
  function siteZone() { return timeZones[select.value] || "UTC"; }
  function data(node) { node.setAttribute("translate", "no"); return node; }

  // Axis labels in the site's timezone, formatted here (no date adapter): "14:05" or
  // "12-04 14:00"; numbers only, so they read the same in every language.
  function clock(ms, withDay) {
    const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", {
      timeZone: siteZone(), month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
    const time = parts.hour + ":" + parts.minute;
    return withDay ? parts.month + "-" + parts.day + " " + time : time;
  }

  function fact(holder, label, value) {
    const dt = document.createElement("dt"); dt.textContent = label;
    const dd = data(document.createElement("dd")); dd.textContent = value;
    holder.append(dt, dd);
  }

  function renderAlarms(alarms, site) {
    const tiles = alarms.by_priority.map((row) => {
      const li = document.createElement("li");
      li.className = "tile-" + row.severity; li.dataset.severity = row.severity;
      const link = document.createElement("a");
      const filter = { site: site };
      if (row.severity !== "info") filter.severity = row.severity; // info or worse: every alarm
      link.href = "/alerts?" + new URLSearchParams(filter);
      const count = document.createElement("span"); count.className = "count"; count.textContent = formatNumber(row.active);
      const label = document.createElement("span"); label.className = "label"; label.textContent = SEVERITY_LABELS[row.severity];
      const unacked = document.createElement("span"); unacked.className = "unacked";
      unacked.textContent = t("{count} to acknowledge", { count: formatNumber(row.unacknowledged) })
        + (row.shelved ? " · " + t("{count} shelved", { count: formatNumber(row.shelved) }) : "");
      link.append(count, label, unacked);
      li.append(link);
      return li;
    });
    el("alarm-tiles").replaceChildren(...tiles);
  }

  function renderDevices(devices, site) {
    const link = el("offline-link");
    link.href = "/devices?" + new URLSearchParams({ site: site, health: "offline" });
    link.textContent = t("{count} offline", { count: formatNumber(devices.offline) });
    link.classList.toggle("none", devices.offline === 0);
    const items = devices.first_offline.map((device) => {
      const li = document.createElement("li");
      const a = data(document.createElement("a"));
      a.href = "/devices?" + new URLSearchParams({ site: site, health: "offline" });
      a.textContent = device.name + " (" + device.device_id + ")";
      li.append(a);
      if (device.since) {
        const when = document.createElement("span"); when.className = "muted";
        when.textContent = " · " + t("last heard {time}", { time: clock(Date.parse(device.since), true) });
        li.append(when);
      }
      return li;
    });
    if (devices.offline > devices.first_offline.length) {
      const more = document.createElement("li"); more.className = "muted";
      more.textContent = t("and {count} more", { count: formatNumber(devices.offline - devices.first_offline.length) });
      items.push(more);
    }
    el("offline-list").replaceChildren(...items);
  }

  function renderOccupancyNow(rows) {
    el("occupancy-empty").hidden = rows.length > 0;
    el("occupancy-table").hidden = rows.length === 0;
    el("occupancy-now").replaceChildren(...rows.map((row) => {
      const tr = document.createElement("tr");
      tr.dataset.zone = row.zone_id; tr.dataset.source = row.source;
      tr.append(cell(row.name, null, true), cell(SOURCE_LABELS[row.source] || row.source),
        cell(formatNumber(row.count), "count", true),
        cell(row.capacity == null ? "—" : formatNumber(row.capacity), null, true),
        cell(clock(Date.parse(row.at), false), null, true));
      return tr;
    }));
  }

  function renderParking(parking) {
    const facts = el("parking-facts");
    facts.replaceChildren();
    fact(facts, t("Entries today"), formatNumber(parking.entries_today));
    fact(facts, t("Exits today"), formatNumber(parking.exits_today));
    const revenue = parking.revenue_today.map((r) => formatMoney(r.amount_minor, r.currency));
    fact(facts, t("Revenue today"), revenue.length ? revenue.join(", ") : formatNumber(0));
    el("garages-empty").hidden = parking.garages.length > 0;
    el("garages-table").hidden = parking.garages.length === 0;
    el("garages").replaceChildren(...parking.garages.map((g) => {
      const tr = document.createElement("tr");
      tr.append(cell(g.name, null, true), cell(formatNumber(g.occupied), null, true),
        cell(g.capacity == null ? "—" : formatNumber(g.capacity), null, true));
      return tr;
    }));
  }

  function renderDoors(doors) {
    const facts = el("door-facts");
    facts.replaceChildren();
    fact(facts, t("Granted"), formatNumber(doors.granted_today));
    fact(facts, t("Denied"), formatNumber(doors.denied_today));
    el("denials-empty").hidden = doors.last_denials.length > 0;
    el("denials").replaceChildren(...doors.last_denials.map((d) => {
      const li = document.createElement("li");
      const when = data(document.createElement("span")); when.textContent = clock(Date.parse(d.at), false) + " ";
      const where = data(document.createElement("span")); where.textContent = d.door || d.device_id;
      li.append(when, where);
      if (d.reason) { // one of sitewarden's reasons in the page's language, else the device's words as data
        const why = document.createElement("span");
        why.textContent = " · " + (denialReason(d.reason) || d.reason);
        li.append(denialReason(d.reason) ? why : data(why));
      }
      return li;
    }));
  }

  // --- charts ---------------------------------------------------------------------------
  function palette() {
    return ["--accent", "--major", "--online", "--critical", "--minor", "--info"].map(css);
  }

  function axisOptions(stacked) {
    const ink = css("--muted"), line = css("--line");
    return {
      x: { stacked: stacked, ticks: { color: ink, autoSkip: true, maxTicksLimit: 8, maxRotation: 0 }, grid: { color: line } },
      y: { stacked: stacked, beginAtZero: true, ticks: { color: ink, precision: 0 }, grid: { color: line } },
    };
  }

  function draw(id, config, empty) {
    const canvas = el(id);
    const card = canvas.closest(".chart-card");
    if (charts[id]) { charts[id].destroy(); delete charts[id]; }
    canvas.parentElement.hidden = empty;
    card.querySelector(".chart-empty").hidden = !empty;
    if (empty || typeof Chart === "undefined") return;
    config.options = Object.assign({
      animation: false, responsive: true, maintainAspectRatio: false,
      plugins: { legend: { labels: { color: css("--ink") } } },
    }, config.options);
    charts[id] = new Chart(canvas, config);
  }

  function textRows(id, rows) {
    el(id).tBodies[0].replaceChildren(...rows.map((values) => {
      const tr = document.createElement("tr");
      tr.append(...values.map((v) => cell(v, null, true))); // names and figures: data
      return tr;
    }));
  }

  // One line per zone and source on a linear time axis (ms) from ``since`` to now, the
  // highest count per slot of ``step`` ms; tick labels are the site's local time.
  function lines(series, since, step) {
    const perKey = new Map();
    for (const point of series) {
      const at = Date.parse(point.interval_start);
      if (at < since) continue;
      const key = point.zone_id + "|" + point.source, slot = at - (at % step);
      if (!perKey.has(key)) perKey.set(key, { point: point, slots: new Map() });
      const slots = perKey.get(key).slots;
      slots.set(slot, Math.max(slots.get(slot) ?? 0, point.count));
    }
    const colours = palette();
    return [...perKey.values()].map(({ point, slots }, index) => {
      const colour = colours[index % colours.length];
      const data = [...slots.entries()].sort((a, b) => a[0] - b[0]).map(([x, y]) => ({ x: x, y: y }));
      return {
        label: (drawn.names[point.zone_id] || point.zone_id) + " · " + (SOURCE_LABELS[point.source] || point.source),
        data: data, borderColor: colour, backgroundColor: colour, borderWidth: 2, tension: 0.2,
        pointRadius: data.length > 48 ? 0 : 3, // a lone reading shows, as a dot
      };
    });
  }

  function timeAxis(since, withDay) {
    const scales = axisOptions(false);
    scales.x = Object.assign(scales.x, {
      type: "linear", min: since, max: Date.now(),
      ticks: Object.assign(scales.x.ticks, { callback: (value) => clock(value, withDay), stepSize: withDay ? 24 * 3600e3 : 3 * 3600e3 }),
    });
    return scales;
  }

  function drawOccupancy() {
    const series = drawn.series || [];
    const now = Date.now();
    const plots = [
      ["occupancy-24h", now - 24 * 3600e3, 5 * 60e3, false],
      ["occupancy-7d", now - 7 * 24 * 3600e3, 3600e3, true],
    ];
    for (const [id, since, step, withDay] of plots) {
      const datasets = lines(series, since, step);
      draw(id, { type: "line", data: { datasets: datasets }, options: { scales: timeAxis(since, withDay) } }, datasets.length === 0);
      textRows(id + "-text", datasets.map((set) => {
        const values = set.data.map((p) => p.y);
        return [set.label, formatNumber(values[values.length - 1]), formatNumber(Math.max(...values)), formatNumber(Math.min(...values))];
      }));
    }
  }

  function drawDays() {
    if (!drawn.days || !el("alarm-days")) return;
    const days = drawn.days;
    const labels = days.map((d) => d.day.slice(5));
    const datasets = SEVERITIES.map((sev) => ({
      label: SEVERITY_LABELS[sev], data: days.map((d) => d[sev]), backgroundColor: css("--" + sev), stack: "alarms",
    }));
    const total = days.reduce((sum, d) => sum + SEVERITIES.reduce((s, sev) => s + d[sev], 0), 0);
    draw("alarm-days", { type: "bar", data: { labels: labels, datasets: datasets }, options: { scales: axisOptions(true) } }, total === 0);
    textRows("alarm-days-text", days.map((d) => [d.day, ...SEVERITIES.map((sev) => formatNumber(d[sev]))]));
  }

  async function refreshSeries(site) {
    const params = new URLSearchParams({ since: new Date(Date.now() - 7 * 24 * 3600e3).toISOString() });
    const series = await fetchJSON("/api/v1/sites/" + encodeURIComponent(site) + "/occupancy?" + params);
    if (site !== select.value) return;
    drawn.series = series;
    seriesAt = Date.now();
    drawOccupancy();
  }

  let latest = 0; // answers to an older request are dropped: the site may have changed
  async function refresh(force) {
    const site = select.value;
    if (!site) return;
    const mine = ++latest;
    try {
      const overview = await fetchJSON("/api/v1/sites/" + encodeURIComponent(site) + "/overview");
      if (mine !== latest) return;
      timeZones[site] = overview.timezone;
      zoneName.textContent = overview.timezone;
      drawn.names = overview.zone_names;
      if (overview.alarms && el("alarm-tiles")) { renderAlarms(overview.alarms, site); drawn.days = overview.alarms.per_day; drawDays(); }
      if (overview.devices && el("offline-list")) renderDevices(overview.devices, site);
      renderOccupancyNow(overview.occupancy);
      if (overview.parking && el("parking-facts")) renderParking(overview.parking);
      if (overview.doors && el("door-facts")) renderDoors(overview.doors);
      if (force || Date.now() - seriesAt > SERIES_EVERY_MS) await refreshSeries(site);
      status.classList.remove("error");
      status.textContent = t("updated {time}", { time: clock(Date.parse(overview.at), false) });
      status.dataset.at = overview.at;
    } catch (error) {
      status.classList.add("error");
      status.textContent = t("not updated");
      showError(error.message);
    }
  }

  let pending;
  function soon() { clearTimeout(pending); pending = setTimeout(() => refresh(false), 300); }

  function redraw() { drawOccupancy(); drawDays(); }

  // The site of the link (?site=), else the one chosen last time in this browser.
  let remembered = null;
  try { remembered = localStorage.getItem("sitewarden-overview-site"); } catch (_) { /* private mode */ }
  const wanted = new URLSearchParams(location.search).get("site") || remembered;
  fillSites(select, false).then((sites) => {
    for (const site of sites) timeZones[site.site_id] = site.timezone;
    if (wanted && sites.some((s) => s.site_id === wanted)) select.value = wanted;
    if (!sites.length) { status.textContent = t("No sites yet"); return undefined; }
    return refresh(true);
  }).catch((error) => showError(error.message));
  select.addEventListener("change", () => {
    try { localStorage.setItem("sitewarden-overview-site", select.value); } catch (_) { /* private mode */ }
    drawn = { series: null, days: null, names: {} };
    refresh(true);
  });
  document.addEventListener("alarm-change", soon);
  const toggle = document.getElementById("theme-toggle");
  if (toggle) toggle.addEventListener("click", () => setTimeout(redraw, 0));
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => setTimeout(redraw, 0));
  setInterval(() => refresh(false), 10000);
})();

"use strict";
// The site plan page: the chosen site's devices on its plan (plan_svg.js draws it),
// coloured and outlined by health, badged by open alarms, kept live by polling the
// device list every few seconds and by the alert stream (alarm_watch.js relays it).
// Click or Enter on a device opens a side panel. Who may change the registry drags a
// device (or moves it with the arrow keys) and the new x/y are saved by the registry API.
(function () {
  const root = document.getElementById("plan-page");
  const select = document.getElementById("site-select");
  const holder = document.getElementById("plan-holder");
  const summary = document.getElementById("plan-summary");
  const zoneNote = document.getElementById("plan-zone");
  const panel = document.getElementById("plan-panel");
  const unplacedList = document.getElementById("plan-unplaced");
  const mayPlace = root.dataset.mayPlace === "yes" && may("registry:write");
  const REFRESH_MS = 3000;
  const sites = {};
  const zones = {}; // site_id -> its zones (names for the plan's labels)
  const backgrounds = {}; // site_id -> its floor-plan image's address, or null
  let devices = [];
  let alarms = {}; // device_id -> its unresolved alarms
  let selected = null;
  let dragging = null; // { g, device, from: {x, y}, moved }
  const pendingMoves = {}; // device_id -> timer of a keyboard move not saved yet

  document.getElementById("plan-legend").append(sitePlan.legend());

  function site() { return sites[select.value]; }

  async function load() {
    const current = site();
    if (!current) return;
    const siteId = current.site_id;
    const params = new URLSearchParams({ site: siteId, limit: "500" });
    for (const state of ["open", "returned", "acknowledged"]) params.append("state", state);
    try {
      const [list, page, zoneList] = await Promise.all([
        fetchJSON("/api/v1/sites/" + encodeURIComponent(siteId) + "/devices"),
        fetchJSON("/api/v1/alerts?" + params),
        zones[siteId] ? Promise.resolve(zones[siteId]) : fetchJSON("/api/v1/sites/" + encodeURIComponent(siteId) + "/zones"),
      ]);
      if (siteId !== select.value) return; // the site changed meanwhile
      zones[siteId] = zoneList;
      devices = list;
      alarms = {};
      for (const alert of page.alerts) {
        if (alert.device_id) (alarms[alert.device_id] = alarms[alert.device_id] || []).push(alert);
      }
      if (!dragging && !Object.keys(pendingMoves).length) render();
    } catch (error) {
      summary.textContent = t("not updated");
      showError(error.message);
    }
  }

  function counts() {
    const byDevice = {};
    for (const [id, list] of Object.entries(alarms)) byDevice[id] = list.length;
    return byDevice;
  }

  let drawn = ""; // what the plan on screen shows: unchanged data is not drawn again
  function render() {
    const current = site();
    const shown = JSON.stringify([current.site_id, devices, counts(), backgrounds[current.site_id] || null, selected]);
    if (shown === drawn && holder.firstChild) return;
    drawn = shown;
    const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest(".plan-device");
    const focusedId = focused ? focused.dataset.device : null;
    const svg = sitePlan.draw(current, devices, { alarms: counts(), zones: zones[current.site_id], background: backgrounds[current.site_id] });
    svg.setAttribute("aria-label", t("Plan of {site}", { site: current.name }));
    for (const g of svg.querySelectorAll(".plan-device")) wire(g);
    holder.replaceChildren(svg);
    if (focusedId) {
      const again = svg.querySelector(`.plan-device[data-device="${CSS.escape(focusedId)}"]`);
      if (again) again.focus();
    }
    renderUnplaced();
    const tally = { online: 0, offline: 0, unknown: 0 };
    for (const device of devices) tally[device.status] = (tally[device.status] || 0) + 1;
    const alarmed = Object.keys(alarms).length;
    summary.textContent = t("{online} online · {offline} offline · {unknown} never seen", {
      online: formatNumber(tally.online), offline: formatNumber(tally.offline), unknown: formatNumber(tally.unknown),
    }) + " · " + t("devices with open alarms: {count}", { count: formatNumber(alarmed) });
    if (selected) showPanel(selected, false);
  }

  function device(id) { return devices.find((d) => d.device_id === id); }

  function wire(g) {
    const id = g.dataset.device;
    const found = device(id);
    g.setAttribute("tabindex", "0");
    g.setAttribute("role", "button");
    g.setAttribute("aria-label", sitePlan.label(found, (alarms[id] || []).length));
    if (id === selected) g.classList.add("selected");
    g.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); showPanel(id, true); return; }
      if (mayPlace && event.key.startsWith("Arrow")) { event.preventDefault(); nudge(g, found, event.key, event.shiftKey); }
    });
    g.addEventListener("pointerdown", (event) => {
      if (!mayPlace || event.button !== 0) return;
      event.preventDefault();
      g.setPointerCapture(event.pointerId);
      dragging = { g, device: found, from: { x: found.x, y: found.y }, start: point(event), moved: false };
      g.classList.add("dragging");
    });
    g.addEventListener("pointermove", (event) => {
      if (!dragging || dragging.g !== g) return;
      const at = point(event);
      if (!dragging.moved && Math.hypot(at.x - dragging.start.x, at.y - dragging.start.y) < 3) return;
      dragging.moved = true;
      const spot = clamp(at.x, at.y);
      sitePlan.place(g, spot.x, spot.y);
    });
    const drop = (event) => {
      if (!dragging || dragging.g !== g) return;
      const drag = dragging;
      dragging = null;
      g.classList.remove("dragging");
      if (event.type === "pointercancel") { sitePlan.place(g, drag.from.x, drag.from.y); return; }
      if (!drag.moved) { showPanel(id, true); return; }
      save(drag.device, Number(g.dataset.x), Number(g.dataset.y), drag.from);
    };
    g.addEventListener("pointerup", drop);
    g.addEventListener("pointercancel", drop);
    g.addEventListener("click", () => { if (!mayPlace) showPanel(id, true); });
  }

  function point(event) {
    const svg = holder.querySelector("svg");
    const matrix = svg.getScreenCTM().inverse();
    const p = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix);
    return { x: p.x, y: p.y };
  }

  function clamp(x, y) {
    const current = site();
    const fit = (value, most) => Math.round(Math.min(Math.max(value, 0), most));
    return { x: fit(x, current.plan_width), y: fit(y, current.plan_height) };
  }

  function nudge(g, found, key, big) {
    const step = (big ? 50 : 10) * Math.max(1, site().plan_width / 1000);
    const from = pendingMoves[found.device_id] ? pendingMoves[found.device_id].from : { x: found.x, y: found.y };
    const dx = { ArrowLeft: -step, ArrowRight: step }[key] || 0;
    const dy = { ArrowUp: -step, ArrowDown: step }[key] || 0;
    const spot = clamp(Number(g.dataset.x) + dx, Number(g.dataset.y) + dy);
    sitePlan.place(g, spot.x, spot.y);
    if (pendingMoves[found.device_id]) clearTimeout(pendingMoves[found.device_id].timer);
    pendingMoves[found.device_id] = {
      from,
      timer: setTimeout(() => {
        delete pendingMoves[found.device_id];
        save(found, spot.x, spot.y, from);
      }, 600),
    };
  }

  // PATCH the device's position; a refusal is shown and the icon goes back.
  async function save(found, x, y, from) {
    const current = site();
    try {
      const stored = await sendJSON("PATCH", "/api/v1/sites/" + encodeURIComponent(current.site_id) + "/devices/" + encodeURIComponent(found.device_id), { x: x, y: y });
      found.x = stored.x; found.y = stored.y;
      document.getElementById("plan-moved").textContent = t("Moved {device}; saved.", { device: found.name });
    } catch (error) {
      showError(t("The device was not moved: {reason}", { reason: error.message }));
      found.x = from.x; found.y = from.y;
    }
    drawn = ""; // the icon moved on screen alone: draw from the data again
    render();
    await load();
  }

  async function placeUnplaced(found) {
    const current = site();
    const spot = clamp(current.plan_width / 2, current.plan_height / 2);
    await save(found, spot.x, spot.y, { x: null, y: null });
    const g = holder.querySelector(`.plan-device[data-device="${CSS.escape(found.device_id)}"]`);
    if (g) g.focus();
  }

  function renderUnplaced() {
    const missing = devices.filter((d) => d.x == null || d.y == null);
    const items = missing.map((found) => {
      const li = document.createElement("li");
      li.dataset.device = found.device_id;
      const open = document.createElement("button");
      open.type = "button"; open.className = "secondary";
      open.textContent = found.name + " (" + found.device_id + ")";
      open.setAttribute("translate", "no");
      open.addEventListener("click", () => showPanel(found.device_id, true));
      const state = document.createElement("span");
      state.className = "status status-" + found.status;
      state.textContent = sitePlan.statusLabel(found.status);
      li.append(open, state);
      if (mayPlace) {
        const put = document.createElement("button");
        put.type = "button";
        put.textContent = t("Place on plan");
        put.addEventListener("click", () => placeUnplaced(found));
        li.append(put);
      }
      return li;
    });
    if (!items.length) {
      const li = document.createElement("li");
      li.className = "muted";
      li.textContent = t("Every device is on the plan.");
      items.push(li);
    }
    unplacedList.replaceChildren(...items);
  }

  function fact(list, name, value, data) {
    const dt = document.createElement("dt"); dt.textContent = name;
    const dd = document.createElement("dd"); dd.textContent = value;
    if (data) dd.setAttribute("translate", "no");
    list.append(dt, dd);
  }

  function showPanel(id, focus) {
    const found = device(id);
    if (!found) { panel.hidden = true; selected = null; return; }
    selected = id;
    for (const g of holder.querySelectorAll(".plan-device")) g.classList.toggle("selected", g.dataset.device === id);
    const current = site();
    panel.hidden = false;
    panel.dataset.device = id;
    document.getElementById("plan-panel-title").textContent = found.name;
    const facts = document.getElementById("plan-panel-facts");
    facts.replaceChildren();
    fact(facts, t("Device"), found.device_id, true);
    fact(facts, t("Kind"), sitePlan.kindLabel(found.kind));
    const zone = (zones[current.site_id] || []).find((z) => z.zone_id === found.zone_id);
    fact(facts, t("Zone"), zone ? zone.name + " (" + zone.zone_id + ")" : found.zone_id || "—", true);
    fact(facts, t("Status"), sitePlan.statusLabel(found.status));
    fact(facts, t("Last seen"), found.last_seen_at ? formatTime(found.last_seen_at, current.timezone) : t("never"), Boolean(found.last_seen_at));
    fact(facts, t("Position"), found.x == null ? t("not placed") : formatNumber(found.x) + ", " + formatNumber(found.y), found.x != null);
    const list = document.getElementById("plan-panel-alarms");
    const open = alarms[id] || [];
    list.replaceChildren(...open.map((alert) => {
      const li = document.createElement("li");
      const link = document.createElement("a");
      link.href = "/alerts#" + encodeURIComponent(alert.alert_id);
      link.textContent = t(alert.severity) + ": ";
      const title = document.createElement("span");
      title.setAttribute("translate", "no");
      title.textContent = alert.title + (alert.count > 1 ? " ×" + alert.count : "");
      link.append(title);
      li.append(link);
      return li;
    }));
    if (!open.length) {
      const li = document.createElement("li");
      li.className = "muted"; li.textContent = t("None");
      list.append(li);
    }
    document.getElementById("plan-panel-link").href = "/devices/" + encodeURIComponent(current.site_id) + "/" + encodeURIComponent(id);
    if (focus) panel.focus();
  }

  document.getElementById("plan-panel-close").addEventListener("click", () => {
    const id = selected;
    panel.hidden = true; selected = null;
    const g = id && holder.querySelector(`.plan-device[data-device="${CSS.escape(id)}"]`);
    if (g) { g.classList.remove("selected"); g.focus(); }
  });

  // --- the optional floor-plan image under the plan ------------------------------------
  function imageAddress(siteId) {
    return "/api/v1/sites/" + encodeURIComponent(siteId) + "/plan-image";
  }

  async function loadBackground(siteId) {
    const info = await fetchJSON(imageAddress(siteId) + "/info");
    backgrounds[siteId] = info ? imageAddress(siteId) + "?" + new URLSearchParams({ v: info.uploaded_at }) : null;
    const remove = document.getElementById("plan-image-remove");
    if (remove) remove.hidden = !info;
  }

  // PUT a file (sent with its own type) or DELETE the image; a refusal is shown.
  async function changeImage(method, file) {
    const siteId = select.value;
    try {
      await sendJSON(method, imageAddress(siteId), file);
      await loadBackground(siteId);
      render();
      return true;
    } catch (error) {
      showError(t("The floor-plan image was not changed: {reason}", { reason: error.message }));
      return false;
    }
  }

  const upload = document.getElementById("plan-upload");
  if (upload && mayPlace) {
    upload.addEventListener("submit", async (event) => {
      event.preventDefault();
      const file = document.getElementById("plan-image-file").files[0];
      if (!file) return;
      if (await changeImage("PUT", file)) upload.reset();
    });
    document.getElementById("plan-image-remove").addEventListener("click", () => changeImage("DELETE"));
  } else if (upload) upload.hidden = true;

  function showSite() {
    const current = site();
    if (!current) return;
    sayTimeZone(zoneNote, current.timezone);
    panel.hidden = true; selected = null;
    holder.replaceChildren();
    loadBackground(current.site_id).catch((error) => showError(error.message)).then(load);
  }

  fillSites(select, false).then((list) => {
    for (const one of list) sites[one.site_id] = one;
    const wanted = new URLSearchParams(location.search).get("site");
    if (wanted && sites[wanted]) select.value = wanted;
    showSite();
  }).catch((error) => showError(error.message));
  select.addEventListener("change", () => {
    history.replaceState(null, "", "/plan?" + new URLSearchParams({ site: select.value }));
    showSite();
  });
  let pending = null;
  document.addEventListener("alarm-change", () => { clearTimeout(pending); pending = setTimeout(load, 150); });
  setInterval(load, REFRESH_MS);
})();

"use strict";
// The alarm console (ISA-18.2): alarms to acknowledge first (returned ones included),
// then by severity and time; a detail panel with the history and every action an
// operator takes on an alarm. Kept live by the alert stream (alarm_watch.js relays it).
(function () {
  const t = window.t || ((text) => text);
  const root = document.getElementById("alarm-console");
  const body = document.getElementById("alerts");
  const status = document.getElementById("alert-status");
  const empty = document.getElementById("empty");
  const siteFilter = document.getElementById("site-filter");
  const severityFilter = document.getElementById("severity-filter");
  const mineFilter = document.getElementById("mine-filter");
  const rates = document.getElementById("rates");
  const detail = document.getElementById("detail");
  const me = root.dataset.username;
  const mayHandle = root.dataset.mayHandle === "yes";
  const zones = {}; // site_id -> timezone
  const STATE_LABELS = {
    unacknowledged: t("Unacknowledged"), acknowledged: t("Acknowledged"),
    returned_unacknowledged: t("Returned, unacknowledged"), shelved: t("Shelved"), resolved: t("Resolved"),
  };
  let view = "active";
  let openId = null;

  function report(message) {
    if (window.showError) { window.showError(message); return; }
    status.textContent = t("Error") + ": " + message;
    status.classList.add("error");
  }

  function siteTime(iso, site) {
    if (!iso) return "";
    const zone = zones[site] || "UTC";
    const text = new Intl.DateTimeFormat(document.documentElement.lang || "en", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
    }).format(new Date(iso));
    return text;
  }

  function where(alert) {
    return [alert.site_id, alert.zone_id, alert.device_id].filter(Boolean).join(" / ");
  }

  async function post(alert, action, payload) {
    try { await sendJSON("POST", "/api/v1/alerts/" + encodeURIComponent(alert) + "/" + action, payload || {}); }
    catch (error) { report(error.message); return false; }
    return true;
  }

  function needsAck(alert) {
    return alert.state === "open" || alert.state === "returned";
  }

  function row(alert) {
    const tr = document.createElement("tr");
    tr.dataset.id = alert.alert_id; tr.dataset.rule = alert.rule_id;
    tr.dataset.state = alert.alarm_state; tr.dataset.severity = alert.severity;
    tr.tabIndex = 0;
    if (needsAck(alert) && alert.alarm_state !== "shelved") tr.classList.add("unacked");
    const actions = document.createElement("td");
    if (mayHandle && needsAck(alert)) {
      const ack = document.createElement("button");
      ack.type = "button"; ack.textContent = t("Acknowledge"); ack.dataset.action = "acknowledge";
      ack.addEventListener("click", async (event) => {
        event.stopPropagation();
        if (await post(alert.alert_id, "acknowledge", {})) refresh();
      });
      actions.append(ack);
    }
    const state = STATE_LABELS[alert.alarm_state] + (alert.escalated_at ? " · " + t("escalated") : "");
    const last = document.createElement("td");
    last.textContent = siteTime(alert.last_at, alert.site_id);
    last.title = zones[alert.site_id] || "UTC";
    last.translate = false;
    tr.append(
      cell(t(alert.severity), "sev sev-" + alert.severity), cell(state, "state"), cell(alert.title, null, true),
      cell(where(alert), null, true), cell(alert.count > 1 ? "×" + alert.count : "1"), last,
      cell(alert.assigned_to || "", null, true), actions,
    );
    tr.addEventListener("click", () => openDetail(alert.alert_id));
    tr.addEventListener("keydown", (event) => { if (event.key === "Enter") openDetail(alert.alert_id); });
    return tr;
  }

  function query() {
    const params = new URLSearchParams({ limit: "200" });
    if (view === "resolved") { params.append("state", "resolved"); params.set("order", "recent"); }
    else {
      for (const state of ["open", "returned", "acknowledged"]) params.append("state", state);
      params.set("order", "priority"); params.set("shelved", view === "shelved" ? "true" : "false");
    }
    if (siteFilter.value) params.set("site", siteFilter.value);
    if (severityFilter.value) params.set("severity", severityFilter.value);
    if (mineFilter.checked) params.set("assigned", me);
    return params;
  }

  let latest = 0; // answers to older requests are dropped: the view may have changed since
  async function refresh() {
    const mine = ++latest;
    try {
      const page = await fetchJSON("/api/v1/alerts?" + query());
      if (mine !== latest) return;
      body.replaceChildren(...page.alerts.map(row));
      empty.hidden = page.alerts.length > 0;
      const waiting = page.alerts.filter((a) => needsAck(a) && a.alarm_state !== "shelved").length;
      status.classList.remove("error");
      status.textContent = t("live") + " · " + page.alerts.length + " " + t("shown") + (view === "active" ? " · " + waiting + " " + t("to acknowledge") : "");
      refreshRates();
    } catch (error) { report(error.message); }
  }

  async function refreshRates() {
    const params = new URLSearchParams({ hours: "24" });
    if (siteFilter.value) params.set("site", siteFilter.value);
    try {
      const list = await fetchJSON("/api/v1/alert-rules/rates?" + params);
      const chips = list.slice(0, 6).map((rate) => {
        const chip = document.createElement("span");
        chip.className = "chip"; chip.dataset.rule = rate.rule_id;
        const title = document.createElement("span");
        title.translate = false; title.textContent = rate.title; // the rule's own title: data
        chip.append(title, ": " + t("{opened} opened, {repeats} repeats, {open} open", {
          opened: formatNumber(rate.opened), repeats: formatNumber(rate.repeats), open: formatNumber(rate.open_now) }));
        return chip;
      });
      const label = document.createElement("span");
      label.className = "muted"; label.textContent = t("Busiest rules, last 24 h") + ":";
      rates.replaceChildren(...(chips.length ? [label, ...chips] : []));
    } catch (_) { /* rates are a hint; the list matters */ }
  }

  // Facts' values are data (names, places, times, zones); their labels are UI text.
  // What each history entry says was done, and the notes the server writes itself (in
  // English, with ids and times as data); a person's own note is shown as written.
  const ACTIONS = {
    opened: t("opened"), repeated: t("repeated"), acknowledged: t("acknowledged"), resolved: t("resolved"),
    returned: t("returned to normal"), noted: t("noted"), shelved: t("shelved"), unshelved: t("unshelved"),
    assigned: t("assigned"), escalated: t("escalated"),
  };
  const SYSTEM_NOTES = [
    [/^by event (\S+)$/, t("by event {id}"), (m) => ({ id: m[1] })],
    [/^cleared by event (\S+)$/, t("cleared by event {id}"), (m) => ({ id: m[1] })],
    [/^had returned to normal before acknowledgement$/, t("had returned to normal before acknowledgement"), () => ({})],
    [/^critical and unacknowledged$/, t("critical and unacknowledged"), () => ({})],
    [/^to nobody$/, t("to nobody"), () => ({})],
  ];

  function data(text) {
    const span = document.createElement("span");
    span.translate = false; span.textContent = text;
    return span;
  }

  function historyEntry(entry, site) {
    const li = document.createElement("li");
    li.append(data(siteTime(entry.at, site)), " · ", data(entry.actor), " · ", ACTIONS[entry.action] || entry.action);
    if (!entry.note) return li;
    li.append(": ");
    const note = document.createElement("span");
    li.append(note);
    const shelved = entry.action === "shelved" && /^until (\S+): ([\s\S]*)$/.exec(entry.note);
    const assigned = entry.action === "assigned" && entry.note !== "to nobody" && /^to (\S+)$/.exec(entry.note);
    const known = SYSTEM_NOTES.find(([pattern]) => pattern.test(entry.note));
    if (shelved) fillText(note, t("until {time}: {reason}"), { time: siteTime(shelved[1], site), reason: shelved[2] });
    else if (assigned) fillText(note, t("to {user}"), { user: assigned[1] });
    else if (known) fillText(note, known[1], known[2](known[0].exec(entry.note)));
    else { note.translate = false; note.textContent = entry.note; } // a person's note: data
    return li;
  }

  function fact(list, name, value, translated) {
    if (value == null || value === "") return;
    const dt = document.createElement("dt"); dt.textContent = name;
    const dd = document.createElement("dd"); dd.textContent = value;
    if (!translated) dd.translate = false;
    list.append(dt, dd);
  }

  async function openDetail(alertId) {
    openId = alertId;
    let alert;
    try { alert = await fetchJSON("/api/v1/alerts/" + encodeURIComponent(alertId)); }
    catch (error) { report(error.message); return; }
    detail.hidden = false;
    detail.dataset.id = alert.alert_id; detail.dataset.state = alert.alarm_state;
    const heading = document.getElementById("detail-title");
    heading.textContent = alert.title; heading.translate = false; // the rule's title: data
    const facts = document.getElementById("detail-facts");
    facts.replaceChildren();
    const site = alert.site_id;
    fact(facts, t("Severity"), t(alert.severity), true);
    fact(facts, t("State"), STATE_LABELS[alert.alarm_state], true);
    fact(facts, t("Where"), where(alert));
    fact(facts, t("Count"), String(alert.count));
    fact(facts, t("First"), siteTime(alert.first_at, site));
    fact(facts, t("Last"), siteTime(alert.last_at, site));
    fact(facts, t("Times in"), zones[site] || "UTC");
    fact(facts, t("Returned to normal"), siteTime(alert.returned_at, site));
    fact(facts, t("Acknowledged"), alert.acknowledged_by ? alert.acknowledged_by + " · " + siteTime(alert.acknowledged_at, site) : "");
    fact(facts, t("Assigned to"), alert.assigned_to);
    if (alert.alarm_state === "shelved") fact(facts, t("Shelved"), t("until") + " " + siteTime(alert.shelved_until, site) + " · " + alert.shelved_by + ": " + alert.shelve_reason);
    fact(facts, t("Resolved"), alert.resolved_by ? alert.resolved_by + " · " + siteTime(alert.resolved_at, site) : "");
    const history = document.getElementById("detail-history");
    history.replaceChildren(...alert.history.map((entry) => historyEntry(entry, site)));
    const links = document.getElementById("detail-links");
    links.replaceChildren();
    if (alert.device_id) {
      const events = document.createElement("a");
      events.href = "/events?" + new URLSearchParams({ site: site, device: alert.device_id });
      events.textContent = t("Events of this device");
      const device = document.createElement("a");
      device.href = "/devices/" + encodeURIComponent(site) + "/" + encodeURIComponent(alert.device_id);
      device.textContent = t("The device");
      links.append(events, " · ", device);
    }
    if (alert.last_event_id) links.append(" · " + t("Last event") + " ", data(alert.last_event_id));
    showTriggers(alert);
    window.alarmPlace.show(alert, { siteTime, report });
    const unresolved = alert.state !== "resolved";
    const show = {
      acknowledge: mayHandle && needsAck(alert), resolve: mayHandle && unresolved,
      "assign-me": mayHandle && unresolved && alert.assigned_to !== me,
      unassign: mayHandle && unresolved && Boolean(alert.assigned_to),
      unshelve: mayHandle && alert.alarm_state === "shelved",
    };
    for (const button of detail.querySelectorAll("#detail-actions button")) button.hidden = !show[button.dataset.action];
    offerAssignees(alert);
    document.getElementById("note-form").hidden = !mayHandle;
    document.getElementById("shelve-form").hidden = !(mayHandle && unresolved && alert.alarm_state !== "shelved");
  }

  // The colleagues the alarm may be given to (the API applies the assign rule): fetched
  // once per alarm opened, so a live refresh does not undo a choice being made.
  const assignForm = document.getElementById("assign-form");
  const assignTo = document.getElementById("assign-to");
  let assigneesFor = null;
  async function offerAssignees(alert) {
    if (!mayHandle || alert.state === "resolved") { assignForm.hidden = true; return; }
    if (assigneesFor !== alert.alert_id) {
      assigneesFor = alert.alert_id; assignForm.hidden = true;
      let people;
      try { people = await fetchJSON("/api/v1/alerts/" + encodeURIComponent(alert.alert_id) + "/assignees"); }
      catch (error) { assigneesFor = null; report(error.message); return; }
      if (detail.dataset.id !== alert.alert_id) return;
      assignTo.replaceChildren(...people.map((person) => {
        const option = new Option(person.display_name, person.display_name);
        option.translate = false; return option; // a user's name: data
      }));
    }
    if (document.activeElement !== assignTo && alert.assigned_to) assignTo.value = alert.assigned_to;
    assignForm.hidden = assignTo.options.length === 0;
  }
  assignForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const id = detail.dataset.id;
    if (await post(id, "assign", { username: assignTo.value })) { await openDetail(id); refresh(); }
  });

  // The events that raised the alarm and kept it up: the device's (or the zone's) events
  // from its first to its last occurrence, telemetry left out.
  async function showTriggers(alert) {
    const list = document.getElementById("detail-events");
    const more = document.getElementById("detail-events-more");
    list.replaceChildren(); more.replaceChildren();
    if (!alert.device_id && !alert.zone_id) return;
    const site = alert.site_id, zone = zones[site] || "UTC";
    const since = new Date(Date.parse(alert.first_at) - 1000).toISOString();
    const until = new Date(Date.parse(alert.last_at) + 1000).toISOString();
    const params = new URLSearchParams({ site, since, until, telemetry: "false", limit: "20" });
    if (alert.device_id) params.set("device", alert.device_id); else params.set("zone", alert.zone_id);
    let page;
    try { page = await fetchJSON("/api/v1/events?" + params); }
    catch (error) { report(error.message); return; }
    if (detail.dataset.id !== alert.alert_id) return; // another alarm was opened meanwhile
    list.replaceChildren(...page.events.map((event) => {
      const li = document.createElement("li");
      li.translate = false; li.dataset.id = event.id;
      li.textContent = siteTime(event.occurred_at, site) + " · " + event.kind + " · " + (event.device_id || "");
      return li;
    }));
    if (!page.events.length) {
      const none = document.createElement("li");
      none.textContent = t("No events in this alarm's time span (raised by a health check)");
      list.append(none);
    }
    const all = document.createElement("a");
    const explorer = new URLSearchParams({
      range: "custom", from: wallClockAt(since, zone), until: wallClockAt(until, zone), site,
    });
    if (alert.device_id) explorer.set("device", alert.device_id); else explorer.set("zone", alert.zone_id);
    all.href = "/events?" + explorer;
    all.textContent = t("Open these events in the explorer");
    more.append(all);
  }

  async function detailAction(action) {
    const id = detail.dataset.id;
    const done = {
      acknowledge: () => post(id, "acknowledge", {}),
      resolve: () => post(id, "resolve", {}),
      "assign-me": () => post(id, "assign", { username: me }),
      unassign: () => post(id, "assign", { username: null }),
      unshelve: () => post(id, "unshelve"),
    }[action];
    if (await done()) { await openDetail(id); refresh(); }
  }

  for (const button of detail.querySelectorAll("#detail-actions button")) {
    button.addEventListener("click", () => detailAction(button.dataset.action));
  }
  document.getElementById("note-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = document.getElementById("note-text");
    if (await post(detail.dataset.id, "notes", { note: text.value })) { text.value = ""; openDetail(detail.dataset.id); }
  });
  document.getElementById("shelve-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const reason = document.getElementById("shelve-reason");
    const minutes = Number(document.getElementById("shelve-minutes").value);
    if (await post(detail.dataset.id, "shelve", { minutes: minutes, reason: reason.value })) {
      reason.value = ""; await openDetail(detail.dataset.id); refresh();
    }
  });
  document.getElementById("detail-close").addEventListener("click", () => { detail.hidden = true; openId = null; assigneesFor = null; window.alarmPlace.forget(); });

  for (const tab of document.querySelectorAll(".tab")) {
    tab.addEventListener("click", () => {
      view = tab.dataset.view;
      for (const other of document.querySelectorAll(".tab")) other.setAttribute("aria-selected", String(other === tab));
      refresh();
    });
  }
  const mute = document.getElementById("mute");
  function showMute() {
    const on = window.alarmWatch && window.alarmWatch.muted();
    mute.textContent = on ? t("Unmute sound") : t("Mute sound");
    mute.setAttribute("aria-pressed", on ? "true" : "false");
  }
  mute.addEventListener("click", () => { if (window.alarmWatch) window.alarmWatch.setMuted(!window.alarmWatch.muted()); showMute(); });
  document.addEventListener("alarm-mute", showMute);
  const notify = document.getElementById("notify");
  function showNotify() {
    const state = "Notification" in window ? Notification.permission : "denied";
    notify.hidden = state === "granted";
    notify.disabled = state === "denied";
    if (state === "denied") notify.textContent = t("Notifications blocked by the browser");
  }
  notify.addEventListener("click", async () => { if ("Notification" in window) await Notification.requestPermission(); showNotify(); });

  let pending = null;
  document.addEventListener("alarm-change", (event) => {
    clearTimeout(pending);
    pending = setTimeout(refresh, 100);
    if (openId && event.detail.alert.alert_id === openId) openDetail(openId);
  });
  for (const control of [siteFilter, severityFilter, mineFilter]) control.addEventListener("change", refresh);

  fetchJSON("/api/v1/sites").then((sites) => {
    for (const site of sites) {
      zones[site.site_id] = site.timezone;
      const option = document.createElement("option");
      option.value = site.site_id; option.textContent = site.name;
      siteFilter.append(option);
    }
    const asked = new URLSearchParams(location.search); // the overview's links: ?site=&severity=
    if (zones[asked.get("site")]) siteFilter.value = asked.get("site");
    if ([...severityFilter.options].some((o) => o.value && o.value === asked.get("severity"))) severityFilter.value = asked.get("severity");
    refresh();
    if (location.hash.length > 1) openDetail(decodeURIComponent(location.hash.slice(1)));
  }).catch((error) => report(error.message));
  showMute(); showNotify();
  setInterval(refresh, 30000);
})();

"use strict";
// A site's access rules (group x zone x weekly windows in site time x validity) and its
// holidays. A rule's group is a person type, one of the site's named access groups (those
// its rules and people use) or a new name typed in; for those who may, adding, changing (the form is filled from a row) and
// deleting them. Every check is the API's.
(function () {
  const $ = (id) => document.getElementById(id);
  const select = $("site-select");
  const zones = {};
  let rules = [];

  function site() { return select.value; }
  function zone() { return zones[site()] || null; }
  function base() { return "/api/v1/access/sites/" + encodeURIComponent(site()); }

  function button(label, className, action) {
    const b = document.createElement("button");
    b.type = "button"; b.textContent = label;
    if (className) b.className = className;
    b.addEventListener("click", action);
    return b;
  }

  async function act(method, url, payload, then) {
    try { const answer = await sendJSON(method, url, payload); await then(); return answer || true; }
    catch (error) { showError(error.message); return null; }
  }

  function validity(rule) {
    if (!rule.valid_from && !rule.valid_until) return t("always");
    return (rule.valid_from ? formatTime(rule.valid_from, zone()) : "…") + " – " + (rule.valid_until ? formatTime(rule.valid_until, zone()) : "…");
  }

  async function loadRules() {
    rules = await fetchJSON(base() + "/rules");
    const rows = rules.map((rule) => {
      const row = document.createElement("tr");
      row.dataset.rule = rule.rule_id;
      const actions = document.createElement("td");
      if (may("access:manage")) {
        actions.append(button(t("Change"), "secondary", () => editRule(rule)),
          button(t("Delete"), "danger", () => {
            if (window.confirm(t("Delete this rule? Its group loses the access it gave."))) act("DELETE", base() + "/rules/" + encodeURIComponent(rule.rule_id), undefined, loadRules);
          }));
      }
      row.append(cell(rule.rule_id, null, true), cell(GROUP_NAMES[rule.group] || rule.group, null, !(rule.group in GROUP_NAMES)),
        cell(rule.zone_id === "*" ? t("every zone") : rule.zone_id, null, rule.zone_id !== "*"),
        cell(describeWindows(rule.windows)), cell(rule.applies_on_holidays ? t("yes") : t("no")),
        cell(validity(rule), null, !!(rule.valid_from || rule.valid_until)), actions);
      return row;
    });
    $("rules").replaceChildren(...rows);
    $("no-rules").hidden = rows.length > 0;
    await loadNamedGroups();
    $("rules-page").dataset.loaded = "1";
  }

  // The site's named access groups: those its rules name and its people are in.
  async function loadNamedGroups() {
    const named = $("named-groups");
    if (!named) return;
    const groups = await fetchJSON(base() + "/groups"); // sorted by name
    const chosen = $("rule-group").value;
    named.replaceChildren(...groups.map((group) => {
      const option = document.createElement("option");
      option.value = group.name; option.textContent = group.name; option.translate = false;
      return option;
    }));
    if (chosen) $("rule-group").value = chosen;
    showNewGroup();
  }

  function showNewGroup() {
    const isNew = $("rule-group").value === "";
    $("new-group-box").hidden = !isNew;
    $("rule-new-group").required = isNew;
  }

  async function loadHolidays() {
    const holidays = await fetchJSON(base() + "/holidays");
    const rows = holidays.map((holiday) => {
      const row = document.createElement("tr");
      const actions = document.createElement("td");
      if (may("access:manage")) {
        actions.append(button(t("Delete"), "danger", () => act("DELETE", base() + "/holidays/" + holiday.day, undefined, loadHolidays)));
      }
      row.append(cell(holiday.day, null, true), cell(holiday.name, null, true), actions);
      return row;
    });
    $("holidays").replaceChildren(...rows);
    $("no-holidays").hidden = rows.length > 0;
  }

  async function loadZones() {
    const zoneSelect = $("rule-zone");
    if (!zoneSelect) return;
    const found = await fetchJSON("/api/v1/sites/" + encodeURIComponent(site()) + "/zones");
    zoneSelect.replaceChildren(zoneSelect.options[0]);
    for (const z of found) {
      const option = document.createElement("option");
      option.value = z.zone_id; option.textContent = z.name || z.zone_id; option.translate = false;
      zoneSelect.append(option);
    }
  }

  // --- the rule form ---------------------------------------------------------------------
  const DAY_KEYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

  function addWindow(window) {
    const row = $("window-template").content.firstElementChild.cloneNode(true);
    const number = $("windows").children.length + 1;
    row.setAttribute("aria-label", t("Window {number}", { number: formatNumber(number) }));
    const days = window ? window.days : [0, 1, 2, 3, 4];
    for (const box of row.querySelectorAll(".days input")) box.checked = days.includes(DAY_KEYS.indexOf(box.value));
    if (window) { row.querySelector(".start").value = window.start; row.querySelector(".end").value = window.end; }
    row.querySelector(".remove-window").addEventListener("click", () => { if ($("windows").children.length > 1) row.remove(); });
    $("windows").append(row);
  }

  function editRule(rule) {
    $("rule-id").value = rule.rule_id;
    $("rule-group").value = rule.group;
    showNewGroup();
    $("rule-zone").value = rule.zone_id;
    $("rule-holidays").checked = rule.applies_on_holidays;
    $("rule-from").value = isoToSiteInput(rule.valid_from, zone());
    $("rule-until").value = isoToSiteInput(rule.valid_until, zone());
    $("windows").replaceChildren();
    for (const w of rule.windows) addWindow(w);
    $("rule-id").focus();
  }

  async function saveRule(event) {
    event.preventDefault();
    const windows = Array.from($("windows").children, (row) => ({
      days: Array.from(row.querySelectorAll(".days input:checked"), (box) => box.value),
      start: row.querySelector(".start").value,
      end: row.querySelector(".end").value.trim(),
    }));
    const group = $("rule-group").value || $("rule-new-group").value.trim();
    const body = { group, zone_id: $("rule-zone").value, windows, applies_on_holidays: $("rule-holidays").checked };
    const from = siteInputToISO($("rule-from").value, zone());
    const until = siteInputToISO($("rule-until").value, zone());
    if (from) body.valid_from = from;
    if (until) body.valid_until = until;
    const saved = await act("PUT", base() + "/rules/" + encodeURIComponent($("rule-id").value.trim()), body, loadRules);
    if (saved) {
      $("rule-state").textContent = t("Saved.");
      if ($("rule-group").value === "") { $("rule-group").value = group; $("rule-new-group").value = ""; showNewGroup(); }
    }
  }

  async function load() {
    history.replaceState(null, "", "/access/rules?" + new URLSearchParams({ site: site() }));
    sayTimeZone($("site-timezone"), zone());
    try { await Promise.all([loadRules(), loadHolidays(), loadZones()]); }
    catch (error) { showError(error.message); }
  }

  select.addEventListener("change", load);
  if ($("rule-form")) {
    addWindow(null);
    $("add-window").addEventListener("click", () => addWindow(null));
    $("rule-group").addEventListener("change", showNewGroup);
    $("rule-form").addEventListener("submit", saveRule);
    $("rule-form").addEventListener("reset", () => setTimeout(() => { $("windows").replaceChildren(); addWindow(null); $("rule-state").textContent = ""; showNewGroup(); }));
    $("holiday-form").addEventListener("submit", (event) => {
      event.preventDefault();
      act("PUT", base() + "/holidays/" + $("holiday-day").value, { name: $("holiday-name").value.trim() }, async () => { $("holiday-form").reset(); await loadHolidays(); });
    });
  }
  const wanted = new URLSearchParams(location.search).get("site");
  fillSites(select, false).then((sites) => {
    for (const s of sites) zones[s.site_id] = s.timezone;
    if (wanted && zones[wanted]) select.value = wanted;
    return load();
  }).catch((error) => showError(error.message));
})();

"use strict";
// The people of a site: filter by group, status and text (kept in the address), names
// opened only through the "show with purpose" step (masked or in full, as the API
// decides by role, and audited there), and enrolment for those who may.
(function () {
  const $ = (id) => document.getElementById(id);
  const select = $("site-select");
  const zones = {};
  let people = [];
  let purpose = null;

  function site() { return select.value; }
  function zone() { return zones[site()] || null; }
  function peopleURL() {
    const query = new URLSearchParams();
    if ($("filter-group").value) query.set("group", $("filter-group").value);
    if (purpose) query.set("purpose", purpose);
    const text = query.toString();
    return "/api/v1/access/sites/" + encodeURIComponent(site()) + "/people" + (text ? "?" + text : "");
  }

  function keepFiltersInAddress() {
    const query = new URLSearchParams({ site: site() });
    for (const [name, id] of [["group", "filter-group"], ["status", "filter-status"], ["q", "filter-text"]]) {
      if ($(id).value) query.set(name, $(id).value);
    }
    history.replaceState(null, "", "/people?" + query.toString());
  }

  function readFiltersFromAddress() {
    const query = new URLSearchParams(location.search);
    $("filter-group").value = query.get("group") || "";
    $("filter-status").value = query.get("status") || "";
    $("filter-text").value = query.get("q") || "";
    return query.get("site");
  }

  function statusOf(person) {
    if (person.barred) return "barred";
    const now = Date.now();
    if (person.valid_from && new Date(person.valid_from).getTime() > now) return "outside";
    if (person.valid_until && new Date(person.valid_until).getTime() <= now) return "outside";
    return "valid";
  }

  const STATUS_WORDS = { barred: t("barred"), valid: t("may pass"), outside: t("outside their pass window") };

  function windowText(person) {
    if (!person.valid_from && !person.valid_until) return t("no time limit");
    const from = person.valid_from ? formatTime(person.valid_from, zone()) : "…";
    const until = person.valid_until ? formatTime(person.valid_until, zone()) : "…";
    return from + " – " + until;
  }

  function nameCell(person) {
    if (person.disclosure === "none" || person.name == null) return cell(t("sealed"), "sealed");
    return cell(person.name, null, true);
  }

  function render() {
    const status = $("filter-status").value;
    const text = $("filter-text").value.trim().toLowerCase();
    const shown = people.filter((p) =>
      (!status || statusOf(p) === status)
      && (!text || p.person_id.toLowerCase().includes(text) || (p.name || "").toLowerCase().includes(text)));
    const rows = shown.map((person) => {
      const row = document.createElement("tr");
      row.dataset.person = person.person_id;
      row.dataset.status = statusOf(person);
      const first = document.createElement("td");
      const link = document.createElement("a");
      link.href = "/people/" + encodeURIComponent(site()) + "/" + encodeURIComponent(person.person_id);
      link.textContent = person.person_id; link.translate = false;
      first.append(link);
      const state = cell(STATUS_WORDS[statusOf(person)], "status status-" + statusOf(person));
      row.append(first, nameCell(person), cell(GROUP_NAMES[person.group] || person.group),
        state, cell(windowText(person), null, !!(person.valid_from || person.valid_until)),
        cell(formatNumber(person.badges), null, true), cell(formatNumber(person.face_templates), null, true));
      return row;
    });
    $("people").replaceChildren(...rows);
    $("no-people").hidden = rows.length > 0;
    $("people-summary").textContent = t("{shown} of {total} people shown", { shown: formatNumber(rows.length), total: formatNumber(people.length) });
    $("people-page").dataset.loaded = "1";
  }

  async function load() {
    keepFiltersInAddress();
    sayTimeZone($("site-timezone"), zone());
    try {
      people = await fetchJSON(peopleURL());
      render();
      if (purpose && $("purpose-state")) fillText($("purpose-state"), t("Shown for: {purpose}"), { purpose });
    } catch (error) { showError(error.message); }
  }

  async function enrol(event) {
    event.preventDefault();
    const body = { name: $("new-name").value.trim(), group: $("new-group").value };
    if ($("new-national-id").value.trim()) body.national_id = $("new-national-id").value.trim();
    if ($("new-phone").value.trim()) body.phone = $("new-phone").value.trim();
    if ($("new-badge").value.trim()) body.badges = [$("new-badge").value.trim()];
    const from = siteInputToISO($("new-from").value, zone());
    const until = siteInputToISO($("new-until").value, zone());
    if (from) body.valid_from = from;
    if (until) body.valid_until = until;
    try {
      const person = await sendJSON("POST", "/api/v1/access/sites/" + encodeURIComponent(site()) + "/people", body);
      $("enrol-form").reset();
      location.assign("/people/" + encodeURIComponent(site()) + "/" + encodeURIComponent(person.person_id));
    } catch (error) { showError(error.message); }
  }

  for (const id of ["filter-status", "filter-text"]) $(id).addEventListener("input", () => { keepFiltersInAddress(); render(); });
  $("filter-group").addEventListener("change", load);
  $("people-filters").addEventListener("submit", (e) => e.preventDefault());
  select.addEventListener("change", () => { purpose = null; load(); });
  wirePurposeStep((stated) => { purpose = stated; load(); });
  if ($("enrol-form")) $("enrol-form").addEventListener("submit", enrol);

  const wanted = readFiltersFromAddress();
  fillSites(select, false).then((sites) => {
    for (const s of sites) zones[s.site_id] = s.timezone;
    if (wanted && zones[wanted]) select.value = wanted;
    return load();
  }).catch((error) => showError(error.message));
})();

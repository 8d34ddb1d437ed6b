"use strict";
// Event explorer, the detail panel: one event's fields and attributes, times in its
// site's timezone, and its personal fields, opened with a stated purpose (the purpose
// step) where the role may. explorer.js opens and closes it (window.explorerDetail) and
// hands over the page's error line. Renders with textContent only.
(function () {
  const { format, SEVERITY, shownClock, zoneOfEvent } = window.explorerFilters;
  // Every UI string this file writes, in one place for the translation catalogue.
  const STRINGS = {
    error: t("Could not load: {message}"),
    detailTitle: t("{kind} at {time}"),
    fieldTime: t("Occurred"),
    fieldReceived: t("Received"),
    fieldUtc: t("Occurred (UTC)"),
    fieldId: t("Event id"),
    fieldKind: t("Kind"),
    fieldSeverity: t("Severity"),
    fieldSite: t("Site"),
    fieldZone: t("Zone"),
    fieldDevice: t("Device"),
    fieldNote: t("Note"),
    fieldDisclosure: t("Values"),
    none: "—",
    noAttributes: t("none"),
    personalNone: t("This event carries no personal fields."),
    personalErased: t("Personal fields were erased (subject request)."),
    personalSealed: t("Personal fields are sealed and hidden. They are shown only for a stated purpose, and the opening is audited."),
    personalSealedNoRole: t("Personal fields are sealed and hidden; your role may not open them."),
    personalMasked: t("Shown masked for your role; opening was recorded in the audit log."),
    personalFull: t("Shown in full; opening was recorded in the audit log."),
    hidden: "••••••",
    image: t("image, {size} kB (not shown)"),
    choosePurpose: t("Choose a purpose first"),
  };

  const $ = (id) => document.getElementById(id);
  const mayOpenPersonal = $("explorer").dataset.mayOpenPersonal === "yes";
  const rowsBody = $("ex-rows");
  let openEventId = null;
  let showError = () => {}; // the page's error line (explorer.js), handed over by wire()

  // A name and its value; values are data (ids, times, what a device sent) unless ``ui``
  // says the value is a translated word, and ``dataName`` marks a name sent by a device.
  function term(list, name, value, { ui = false, dataName = false } = {}) {
    const dt = document.createElement("dt");
    dt.textContent = name;
    if (dataName) dt.translate = false;
    const dd = document.createElement("dd");
    const empty = value == null || value === "";
    dd.textContent = empty ? STRINGS.none : String(value);
    if (!empty && !ui) dd.translate = false;
    list.append(dt, dd);
  }

  function shownValue(key, value) {
    if (typeof value === "string" && (key === "face_crop" || key === "snapshot")) {
      return format(STRINGS.image, { size: Math.round((value.length * 3) / 4 / 1024) });
    }
    return typeof value === "object" && value !== null ? JSON.stringify(value) : value;
  }

  function renderDetail(event) {
    const zone = zoneOfEvent(event);
    const occurred = new Date(event.occurred_at);
    $("ex-detail-title").textContent = format(STRINGS.detailTitle, { kind: event.kind, time: shownClock(occurred, zone) });
    const fields = $("ex-fields");
    fields.replaceChildren();
    term(fields, STRINGS.fieldTime, `${shownClock(occurred, zone)} (${zone})`);
    term(fields, STRINGS.fieldUtc, event.occurred_at);
    term(fields, STRINGS.fieldReceived, `${shownClock(new Date(event.received_at), zone)} (${zone})`);
    term(fields, STRINGS.fieldKind, event.kind);
    term(fields, STRINGS.fieldSeverity, SEVERITY[event.severity] || event.severity, { ui: true });
    term(fields, STRINGS.fieldSite, event.site_id);
    term(fields, STRINGS.fieldZone, event.zone_id);
    term(fields, STRINGS.fieldDevice, event.device_id);
    term(fields, STRINGS.fieldNote, event.note);
    term(fields, STRINGS.fieldId, event.id);
    const attributes = $("ex-attributes");
    attributes.replaceChildren();
    const entries = Object.entries(event.attributes);
    if (!entries.length) term(attributes, STRINGS.noAttributes, "");
    for (const [key, value] of entries) term(attributes, key, shownValue(key, value), { dataName: true });

    const personal = $("ex-personal");
    personal.replaceChildren();
    const state = $("ex-personal-state");
    const openButton = $("ex-open-purpose");
    let canOpen = false;
    if (event.personal) {
      state.textContent = event.disclosure === "full" ? STRINGS.personalFull : STRINGS.personalMasked;
      for (const [key, value] of Object.entries(event.personal)) term(personal, key, shownValue(key, value), { dataName: true });
    } else if (event.personal_state === "sealed") {
      state.textContent = mayOpenPersonal ? STRINGS.personalSealed : STRINGS.personalSealedNoRole;
      term(personal, STRINGS.fieldDisclosure, STRINGS.hidden, { ui: true });
      canOpen = mayOpenPersonal;
    } else {
      state.textContent = event.personal_state === "erased" ? STRINGS.personalErased : STRINGS.personalNone;
    }
    if (openButton) openButton.hidden = !canOpen;
    const form = $("ex-purpose-form");
    if (form) form.hidden = true;
  }

  function showDetailError(message) {
    const box = $("ex-detail-error");
    box.textContent = message;
    box.hidden = !message;
  }

  async function openDetail(eventId, purpose) {
    const panel = $("ex-detail");
    const report = panel.hidden ? showError : showDetailError;
    report("");
    const url = `/api/v1/events/${encodeURIComponent(eventId)}` + (purpose ? "?" + new URLSearchParams({ purpose }) : "");
    let event;
    try {
      event = await fetchJSON(url);
    } catch (error) {
      report(format(STRINGS.error, { message: error.message }));
      return;
    }
    showDetailError("");
    openEventId = eventId;
    renderDetail(event);
    panel.hidden = false;
    panel.focus();
  }

  function closeDetail() {
    const panel = $("ex-detail");
    if (panel.hidden) return;
    panel.hidden = true;
    const row = rowsBody.querySelector(`tr[data-id="${CSS.escape(openEventId || "")}"]`);
    openEventId = null;
    if (row) row.focus();
  }

  function wirePurpose() {
    const button = $("ex-open-purpose");
    const form = $("ex-purpose-form");
    if (!button || !form) return; // the role may not open personal fields: no step at all
    button.addEventListener("click", () => {
      form.hidden = false;
      button.hidden = true;
      $("ex-purpose-kind").focus();
    });
    $("ex-purpose-cancel").addEventListener("click", () => { form.hidden = true; button.hidden = false; });
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const kind = $("ex-purpose-kind").value;
      if (!kind) { showDetailError(STRINGS.choosePurpose); $("ex-purpose-kind").focus(); return; }
      const reference = $("ex-purpose-reference").value.trim();
      openDetail(openEventId, reference ? `${kind}: ${reference}` : kind);
    });
  }

  window.explorerDetail = {
    open: (eventId) => openDetail(eventId),
    close: closeDetail,
    wire(helpers) { showError = helpers.showError; wirePurpose(); },
  };
})();

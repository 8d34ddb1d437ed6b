// The garage page (templates/garage.html): sessions (found by plate with a purpose),
// unpaid exits and payments, and the page itself: the site chooser, the stated purpose
// and the timers that keep it live, all through the parking API. Renders with textContent
// only. The lane cards and occupancy are garage_lanes.js; what the parts share (the site,
// the purpose and the plates it opened) is garage_view.js; money is common.js's.
"use strict";

(function () {
  const view = garageView;
  const lanes = garageLanes;
  const { $, HIDDEN, REASON, zone, when, siteUrl, withPurpose, remember, unknownSubjects, plateCell } = view;
  const LANES_EVERY_MS = 3000;
  const SESSIONS_EVERY_MS = 10000;
  const CHART_EVERY_MS = 60000;
  const SESSION_STATE = { open: t("parked"), closed: t("left"), voided: t("voided") };

  let sites = [];
  let sessionState = "open";
  let lookup = null; // the sessions found by plate, while shown
  let openSessions = new Map(); // session_id -> session, for the unpaid exits' plates
  let lastSessions = [];

  // --- sessions -----------------------------------------------------------------------
  async function loadSessions() {
    if (lookup) { renderSessions(); return; }
    const url = siteUrl("/sessions?" + new URLSearchParams({ state: sessionState, limit: "50" }));
    let sessions = await fetchJSON(url);
    if (unknownSubjects(sessions)) {
      sessions = await fetchJSON(withPurpose(url, true));
      remember(sessions);
    }
    lastSessions = sessions;
    if (sessionState === "open") openSessions = new Map(sessions.map((s) => [s.session_id, s]));
    renderSessions();
  }

  function renderSessions() {
    const sessions = lookup ? lookup.sessions : lastSessions;
    if (lookup) {
      $("sessions-caption").textContent = t("Sessions of the plate you searched for: {count}", { count: formatNumber(sessions.length) });
    } else {
      $("sessions-caption").textContent = sessionState === "open"
        ? t("Vehicles parked now (the latest 50)") : t("Stays that ended (the latest 50)");
    }
    $("sessions-table").tBodies[0].replaceChildren(...sessions.map((session) => {
      const tr = document.createElement("tr");
      tr.dataset.session = session.session_id;
      const state = SESSION_STATE[session.state] || session.state;
      const why = session.state === "closed" && session.closed_reason ? " \u00b7 " + (REASON[session.closed_reason] || session.closed_reason) : "";
      tr.append(
        cell(when(session.entry_at), "", true),
        cell(session.exit_at ? when(session.exit_at) : "\u2014", "", true),
        cell(session.zone_id, "", true),
        plateCell(session.subject_id),
        cell(state + why + (session.lost_ticket ? " \u00b7 " + t("lost ticket") : "")),
        cell(session.state === "open" ? "\u2014" : formatMoney(session.fee_minor, session.currency)),
        cell(formatMoney(session.paid_minor, session.currency)),
        cell(session.due_now_minor == null ? "\u2014" : formatMoney(session.due_now_minor, session.currency)),
      );
      const actions = document.createElement("td");
      if (may("parking:pay") && session.state === "open" && session.due_now_minor) {
        actions.append(payButton(session.session_id));
      }
      tr.append(actions);
      return tr;
    }));
  }

  async function findByPlate(event) {
    event.preventDefault();
    const plate = $("lookup-plate").value.trim();
    const chosen = $("lookup-purpose").value;
    if (!plate) { $("lookup-plate").focus(); return; }
    if (!chosen) { showError(t("Choose a purpose first")); $("lookup-purpose").focus(); return; }
    try {
      const sessions = await sendJSON("POST", "/api/v1/parking/sessions/lookup", { site: view.site.site_id, plate, purpose: chosen, limit: 100 });
      remember(sessions);
      lookup = { plate, sessions };
      $("lookup-clear").hidden = false;
      renderSessions();
    } catch (error) {
      showError(t("The search by plate failed: {message}", { message: error.message }));
    }
  }

  // --- unpaid exits -------------------------------------------------------------------
  async function loadUnpaid() {
    const since = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
    const page = await fetchJSON("/api/v1/events?" + new URLSearchParams({ site: view.site.site_id, kind: "parking.unpaid_exit", since, limit: "100" }));
    const latest = new Map();
    for (const event of page.events) {
      const id = event.attributes.session_id || event.id;
      if (!latest.has(id)) latest.set(id, event);
    }
    const rows = Array.from(latest.values());
    $("unpaid-empty").hidden = rows.length > 0;
    $("unpaid-table").tBodies[0].replaceChildren(...rows.map((event) => {
      const tr = document.createElement("tr");
      const sessionId = event.attributes.session_id;
      const session = sessionId ? openSessions.get(sessionId) : null;
      tr.append(
        cell(when(event.occurred_at), "", true),
        cell(event.device_id, "", true),
        session ? plateCell(session.subject_id) : cell(HIDDEN, "plate", true),
        cell(formatMoney(event.attributes.fee_minor, event.attributes.currency)),
        cell(sessionId ? (session ? t("still parked") : t("left or paid since")) : "\u2014"),
      );
      const actions = document.createElement("td");
      if (may("parking:pay") && session && session.due_now_minor) actions.append(payButton(sessionId));
      tr.append(actions);
      return tr;
    }));
  }

  // --- payments -----------------------------------------------------------------------
  let paying = null;
  function payButton(sessionId) {
    const button = document.createElement("button");
    button.type = "button"; button.className = "pay"; button.textContent = t("Record payment");
    button.addEventListener("click", () => askPayment(sessionId));
    return button;
  }

  async function askPayment(sessionId) {
    try {
      const session = await fetchJSON("/api/v1/parking/sessions/" + encodeURIComponent(sessionId));
      if (session.state !== "open") { showError(t("This stay has ended; nothing to pay.")); return; }
      paying = session;
      fillText($("pay-what"), t("Due now: {due}"), { due: formatMoney(session.due_now_minor, session.currency) });
      $("pay-amount").value = minorToInput(session.due_now_minor || 0, session.currency);
      $("pay-amount").min = $("pay-amount").step = minorToInput(1, session.currency); // one fen, one yen
      $("pay-reference").value = "console-" + Date.now().toString(36);
      $("pay-dialog").showModal();
      $("pay-amount").focus();
    } catch (error) {
      showError(t("The session could not be read: {message}", { message: error.message }));
    }
  }

  async function confirmPayment(event) {
    event.preventDefault();
    const session = paying;
    const amount = inputToMinor($("pay-amount").value, session.currency);
    if (!(amount > 0)) { $("pay-amount").focus(); return; }
    const body = { amount_minor: amount, currency: session.currency, method: $("pay-method").value, reference: $("pay-reference").value.trim() };
    $("pay-dialog").close();
    try {
      const answer = await sendJSON("POST", "/api/v1/parking/sessions/" + encodeURIComponent(session.session_id) + "/payments", body);
      $("garage-status").textContent = answer.recorded
        ? t("Payment recorded: {amount}", { amount: formatMoney(amount, session.currency) })
        : t("That receipt was recorded before; it counts once.");
      await Promise.all([loadSessions(), loadUnpaid()]);
    } catch (error) {
      showError(t("The payment was not recorded: {message}", { message: error.message }));
    }
  }

  // --- the page -----------------------------------------------------------------------
  async function refresh(parts) {
    if (!view.site) return;
    try {
      await Promise.all(parts.map((part) => part()));
      const now = new Date().toISOString(); // the site's clock, as the page says its times are
      $("garage-status").textContent = t("updated {time}", { time: formatTime(now, zone()).split(" ")[1] });
      $("garage-status").dataset.at = now;
    } catch (error) {
      showError(error.message);
    }
  }
  async function refreshChart() {
    const garages = await lanes.loadOccupancy();
    await lanes.loadChart(garages);
  }
  const lanesPart = () => Promise.all([lanes.loadLanes(), lanes.loadOccupancy()]);
  const sessionsPart = async () => { await loadSessions(); await loadUnpaid(); };

  function chooseSite() {
    view.site = sites.find((s) => s.site_id === $("site-select").value) || null;
    lookup = null; lastSessions = []; openSessions = new Map();
    const lookupClear = $("lookup-clear");
    if (lookupClear) lookupClear.hidden = true;
    sayTimeZone($("site-zone"), zone());
    const url = new URL(location.href);
    if (view.site) url.searchParams.set("site", view.site.site_id);
    history.replaceState(null, "", url);
    refresh([lanesPart, sessionsPart, refreshChart]);
  }

  function setState(state) {
    sessionState = state; lookup = null;
    if ($("lookup-clear")) $("lookup-clear").hidden = true;
    $("state-open").setAttribute("aria-pressed", state === "open" ? "true" : "false");
    $("state-closed").setAttribute("aria-pressed", state === "closed" ? "true" : "false");
    refresh([sessionsPart]);
  }

  document.addEventListener("DOMContentLoaded", async () => {
    try {
      sites = await fillSites($("site-select"), false);
    } catch (error) { showError(error.message); return; }
    const wanted = new URL(location.href).searchParams.get("site");
    if (wanted && sites.some((s) => s.site_id === wanted)) $("site-select").value = wanted;
    $("site-select").addEventListener("change", chooseSite);
    $("state-open").addEventListener("click", () => setState("open"));
    $("state-closed").addEventListener("click", () => setState("closed"));
    const platesForm = $("plates-form");
    if (platesForm) {
      platesForm.addEventListener("submit", (event) => {
        event.preventDefault();
        const chosen = $("plates-purpose").value;
        if (!chosen) { showError(t("Choose a purpose first")); $("plates-purpose").focus(); return; }
        view.purpose = chosen;
        $("plates-hide").hidden = false;
        refresh([lanesPart, sessionsPart]);
      });
      $("plates-hide").addEventListener("click", () => {
        view.purpose = null; view.forgetPlates(); lanes.forgetFrames(); $("plates-hide").hidden = true;
        lanes.renderLanes(); renderSessions(); refresh([sessionsPart]);
      });
    }
    const lookupForm = $("lookup-form");
    if (lookupForm) {
      lookupForm.addEventListener("submit", findByPlate);
      $("lookup-clear").addEventListener("click", () => { lookup = null; $("lookup-clear").hidden = true; refresh([sessionsPart]); });
    }
    if ($("open-form")) {
      $("open-form").addEventListener("submit", lanes.confirmOpen);
      $("open-cancel").addEventListener("click", () => $("open-dialog").close());
    }
    if ($("pay-form")) {
      $("pay-form").addEventListener("submit", confirmPayment);
      $("pay-cancel").addEventListener("click", () => $("pay-dialog").close());
    }
    chooseSite();
    setInterval(() => { if (!document.hidden) refresh([lanesPart]); }, LANES_EVERY_MS);
    setInterval(() => { if (!document.hidden) refresh([sessionsPart]); }, SESSIONS_EVERY_MS);
    setInterval(() => { if (!document.hidden && view.site) refreshChart().catch((error) => showError(error.message)); }, CHART_EVERY_MS);
  });
})();

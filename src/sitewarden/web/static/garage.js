// The garage page (templates/garage.html): lanes, occupancy, sessions, unpaid exits,
// payments and opening a lane by hand, all through the parking API. Renders with
// textContent only. Plates open only after the operator states a purpose; each answer
// that opens one is audited by the API, so the page asks with the purpose only when a
// vehicle it has not shown yet appears, and remembers what it was shown.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const LANES_EVERY_MS = 3000;
  const SESSIONS_EVERY_MS = 10000;
  const CHART_EVERY_MS = 60000;
  const HIDDEN = "\u2022\u2022\u2022"; // a plate the page may not or did not open

  const KIND = {
    "parking.entry": t("entered"),
    "parking.exit": t("left"),
    "parking.denied": t("refused"),
    "parking.unpaid_exit": t("kept in"),
    "plate.read": t("read unsure: waits for a person"),
    "parking.manual_open": t("opened by hand"),
  };
  const REASON = {
    ticketless: t("ticketless entry"), permit: t("permit"), allow_list: t("allow list"),
    deny_list: t("deny list"), full: t("garage full"), paid: t("paid"), free: t("free stay"),
    unpaid: t("not paid"), no_entry_record: t("no entry record"), already_exited: t("already left"),
    review: t("held for review"), review_admitted: t("let in, review pending"),
    low_confidence: t("low confidence"), unsure_read: t("unsure read"), entered_again: t("entered again"),
  };
  const GATE = { open: t("open"), closed: t("closed"), held: t("held shut") };
  const DIRECTION = { entry: t("Entry"), exit: t("Exit") };
  const SESSION_STATE = { open: t("parked"), closed: t("left"), voided: t("voided") };

  let sites = [];
  let site = null;
  let purpose = null; // plates shown for this purpose, or not at all
  const plates = new Map(); // subject_id -> the plate as shown (null: not to be shown)
  let sessionState = "open";
  let lookup = null; // the sessions found by plate, while shown
  let openSessions = new Map(); // session_id -> session, for the unpaid exits' plates
  let chart = null;
  let lastLanes = [];
  // device_id -> { read, frame } : the lane's last frame, fetched once per new read (each
  // fetch is audited), shown only with the page's purpose to roles that see plates in full
  const laneFrames = new Map();
  let lastSessions = [];

  function zone() { return site ? site.timezone : null; }
  function when(iso) { return iso ? formatTime(iso, zone()) : "\u2014"; }

  function moneyDigits(currency) {
    try { return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits; }
    catch (_) { return 2; }
  }
  function money(minor, currency) {
    if (minor == null) return "\u2014";
    if (!currency || currency === "XXX") return minor === 0 ? t("free") : formatNumber(minor);
    const digits = moneyDigits(currency);
    try { return new Intl.NumberFormat(pageLocale(), { style: "currency", currency }).format(minor / 10 ** digits); }
    catch (_) { return formatNumber(minor) + " " + currency; }
  }

  async function send(method, url, body) {
    const response = await fetch(url, {
      method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, Accept: "application/json" },
      body: JSON.stringify(body),
    });
    let answer = null;
    try { answer = await response.json(); } catch (_) { /* no body */ }
    if (!response.ok) throw new Error((answer && answer.message) || response.statusText);
    return answer;
  }

  function siteUrl(path) { return "/api/v1/parking/sites/" + encodeURIComponent(site.site_id) + path; }
  function withPurpose(url, open) {
    if (!open || !purpose) return url;
    return url + (url.includes("?") ? "&" : "?") + new URLSearchParams({ purpose });
  }
  function remember(items) {
    for (const item of items) {
      if (item.subject_id && item.disclosure !== "none") plates.set(item.subject_id, item.plate);
    }
  }
  function unknownSubjects(items) {
    return purpose && items.some((item) => item.subject_id && !plates.has(item.subject_id));
  }
  // A plate cell's text: opened (remembered), hidden for the role, or not opened yet.
  function plateOf(subjectId) {
    if (!subjectId) return "";
    const shown = plates.get(subjectId);
    return shown ? shown : HIDDEN;
  }
  function plateCell(subjectId) {
    const td = cell(plateOf(subjectId), "plate", true);
    if (subjectId && !plates.get(subjectId)) td.title = t("Plate hidden: shown only with a purpose, by role");
    return td;
  }

  // --- lanes --------------------------------------------------------------------------
  async function loadLanes() {
    let lanes = await fetchJSON(siteUrl("/lanes/status"));
    const decisions = lanes.flatMap((lane) => lane.decisions);
    if (unknownSubjects(decisions)) {
      lanes = await fetchJSON(withPurpose(siteUrl("/lanes/status"), true));
      remember(lanes.flatMap((lane) => lane.decisions));
    }
    if (purpose && may("personal:read")) await Promise.all(lanes.map(loadLaneFrame));
    lastLanes = lanes;
    renderLanes();
  }

  // The lane's last read (its time and vehicle): a new one is when its frame is fetched.
  function lastRead(lane) {
    const read = lane.decisions.find((decision) => decision.subject_id);
    return read ? read.at + " " + read.subject_id : null;
  }

  async function loadLaneFrame(lane) {
    const read = lastRead(lane);
    const known = laneFrames.get(lane.device_id);
    if (!read || (known && known.read === read)) return;
    laneFrames.set(lane.device_id, { read, frame: null });
    try {
      const url = siteUrl("/lanes/" + encodeURIComponent(lane.device_id) + "/frame?") + new URLSearchParams({ purpose });
      const fetched = await fetchPlateFrame(url);
      if (!fetched) return; // no frame with a plate was read at this lane (or it expired)
      const [width, height] = fetched.response.headers.get("X-Frame-Size").split(",").map(Number);
      const box = fetched.response.headers.get("X-Plate-Box").split(",").map(Number);
      laneFrames.set(lane.device_id, { read, frame: { source: fetched.source, width, height, box } });
    } catch (error) {
      showError(t("The frame could not be opened: {message}", { message: error.message }));
    }
  }

  function laneFramePart(lane) {
    if (!lastRead(lane)) return null;
    if (!may("personal:read")) {
      const note = document.createElement("p");
      note.className = "hint";
      note.textContent = t("The lane's last frame shows the plate in full, which your role does not see.");
      return note;
    }
    const known = purpose ? laneFrames.get(lane.device_id) : null;
    if (!known || !known.frame) return null;
    const { source, width, height, box } = known.frame;
    const figure = document.createElement("div");
    figure.className = "frame-full lane-frame";
    const image = document.createElement("img");
    image.width = width; image.height = height; image.src = source;
    image.alt = t("The last frame at {lane}, the plate outlined", { lane: lane.name });
    const outline = document.createElement("span");
    outline.className = "plate-box"; outline.setAttribute("aria-hidden", "true");
    outlinePlate(outline, width, height, box);
    figure.append(image, outline);
    return figure;
  }

  function decisionLine(decision) {
    const parts = [KIND[decision.kind] || decision.kind];
    if (decision.reason && decision.kind !== "parking.manual_open") parts.push(REASON[decision.reason] || decision.reason);
    if (decision.confidence != null) parts.push(t("confidence {value}", { value: Math.round(decision.confidence * 100) + "%" }));
    if (decision.frames > 1) parts.push(t("read alike in {count} frames", { count: decision.frames }));
    if (decision.fee_minor != null && decision.currency && decision.currency !== "XXX") parts.push(money(decision.fee_minor, decision.currency));
    return parts.join(" \u00b7 ");
  }

  function renderLanes() {
    const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.lane : null;
    const list = $("lanes");
    $("lanes-empty").hidden = lastLanes.length > 0;
    list.replaceChildren(...lastLanes.map((lane) => {
      const item = document.createElement("li");
      item.className = "lane gate-" + lane.gate;
      item.dataset.device = lane.device_id;
      const head = document.createElement("div");
      head.className = "lane-head";
      const name = document.createElement("h3");
      name.textContent = lane.name; name.translate = false;
      const direction = document.createElement("span");
      direction.className = "direction"; direction.textContent = DIRECTION[lane.direction] || lane.direction;
      const gate = document.createElement("span");
      gate.className = "gate-state"; gate.dataset.state = lane.gate;
      gate.textContent = t("Barrier: {state}", { state: GATE[lane.gate] || lane.gate });
      head.append(name, direction, gate);
      item.append(head);

      const last = lane.decisions[0];
      const latest = document.createElement("div");
      latest.className = "latest";
      if (last) {
        const plate = document.createElement("p");
        plate.className = "big-plate"; plate.translate = false;
        plate.textContent = last.subject_id ? plateOf(last.subject_id) : "\u2014";
        const what = document.createElement("p");
        what.className = "decision decision-" + last.kind.replace(".", "-");
        what.textContent = decisionLine(last);
        const at = document.createElement("p");
        at.className = "muted"; at.translate = false; at.textContent = when(last.at);
        latest.append(plate, what, at);
        if (last.kind === "parking.manual_open" && last.operator) {
          const who = document.createElement("p");
          who.className = "muted";
          fillText(who, t("by {operator}"), { operator: last.operator });
          latest.append(who);
        }
      } else {
        const none = document.createElement("p");
        none.className = "muted"; none.textContent = t("No vehicle in the last 7 days");
        latest.append(none);
      }
      item.append(latest);
      const frame = laneFramePart(lane);
      if (frame) item.append(frame);

      if (lane.pending_reviews > 0) {
        const link = document.createElement("a");
        link.href = "/garage/reviews?site=" + encodeURIComponent(lane.site_id);
        link.className = "pending";
        link.textContent = t("Reads waiting for a person: {count}", { count: formatNumber(lane.pending_reviews) });
        item.append(link);
      }
      if (lane.decisions.length > 1) {
        const recent = document.createElement("ol");
        recent.className = "recent";
        recent.setAttribute("aria-label", t("Earlier at this lane"));
        for (const decision of lane.decisions.slice(1)) {
          const row = document.createElement("li");
          const time = document.createElement("span");
          time.translate = false; time.textContent = when(decision.at).split(" ")[1] || when(decision.at);
          const plate = document.createElement("span");
          plate.className = "plate"; plate.translate = false;
          plate.textContent = decision.subject_id ? plateOf(decision.subject_id) : "";
          const what = document.createElement("span");
          what.textContent = decisionLine(decision);
          row.append(time, plate, what);
          recent.append(row);
        }
        item.append(recent);
      }
      if (may("parking:review")) {
        const open = document.createElement("button");
        open.type = "button"; open.className = "open-lane"; open.dataset.lane = lane.device_id;
        open.textContent = t("Open by hand");
        open.addEventListener("click", () => askOpen(lane));
        item.append(open);
      }
      return item;
    }));
    if (focused) {
      const again = list.querySelector('button[data-lane="' + CSS.escape(focused) + '"]');
      if (again) again.focus();
    }
  }

  let opening = null;
  function askOpen(lane) {
    opening = lane;
    $("open-lane").textContent = lane.name;
    $("open-reason").value = "";
    $("open-dialog").showModal();
    $("open-reason").focus();
  }

  async function confirmOpen(event) {
    event.preventDefault();
    const reason = $("open-reason").value.trim();
    if (reason.length < 3) { $("open-reason").focus(); return; }
    const lane = opening;
    $("open-dialog").close();
    try {
      await send("POST", siteUrl("/lanes/" + encodeURIComponent(lane.device_id) + "/open"), { reason });
      fillText($("garage-status"), t("The barrier of {lane} was opened by hand."), { lane: lane.name });
      await loadLanes();
    } catch (error) {
      showError(t("Opening the barrier failed: {message}", { message: error.message }));
    }
  }

  // --- occupancy ----------------------------------------------------------------------
  async function loadOccupancy() {
    const garages = await fetchJSON(siteUrl("/occupancy"));
    $("occupancy-empty").hidden = garages.length > 0;
    $("occupancy-now").replaceChildren(...garages.map((garage) => {
      const item = document.createElement("li");
      const name = document.createElement("span");
      name.className = "garage-name"; name.translate = false; name.textContent = garage.name;
      const count = document.createElement("span");
      count.className = "garage-count";
      count.textContent = garage.capacity
        ? t("{occupied} of {capacity} spaces taken", { occupied: formatNumber(garage.occupied), capacity: formatNumber(garage.capacity) })
        : t("vehicles parked: {occupied}", { occupied: formatNumber(garage.occupied) });
      item.append(name, count);
      if (garage.capacity) {
        const bar = document.createElement("span");
        bar.className = "fill"; bar.setAttribute("aria-hidden", "true");
        const inner = document.createElement("span");
        inner.style.width = Math.min(100, Math.round((100 * garage.occupied) / garage.capacity)) + "%";
        if (garage.occupied >= garage.capacity) bar.classList.add("full");
        bar.append(inner);
        item.append(bar);
      }
      return item;
    }));
    return garages;
  }

  function colour(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888"; }

  async function loadChart(garages) {
    const until = new Date();
    const since = new Date(until.getTime() - 24 * 3600 * 1000);
    const series = await Promise.all(garages.map((garage) => fetchJSON(siteUrl(
      "/garages/" + encodeURIComponent(garage.zone_id) + "/occupancy?" +
      new URLSearchParams({ since: since.toISOString(), until: until.toISOString(), step_minutes: "30" })))));
    const rows = [];
    garages.forEach((garage, index) => {
      for (const point of series[index]) rows.push([point.at, garage.name, point.occupied]);
    });
    $("occupancy-table").tBodies[0].replaceChildren(...rows.map(([at, name, occupied]) => {
      const tr = document.createElement("tr");
      tr.append(cell(when(at), "", true), cell(name, "", true), cell(formatNumber(occupied)));
      return tr;
    }));
    if (!window.Chart) return;
    const labels = (series[0] || []).map((point) => when(point.at).split(" ")[1].slice(0, 5));
    const palette = ["--accent", "--online", "--major", "--critical", "--minor"];
    const datasets = garages.map((garage, index) => ({
      label: garage.name, data: series[index].map((point) => point.occupied),
      borderColor: colour(palette[index % palette.length]), backgroundColor: colour(palette[index % palette.length]),
      pointRadius: 0, tension: 0.2,
    }));
    if (chart) chart.destroy();
    chart = new window.Chart($("occupancy-chart"), {
      type: "line", data: { labels, datasets },
      options: {
        animation: false, maintainAspectRatio: false,
        scales: {
          x: { ticks: { color: colour("--muted"), maxTicksLimit: 8 }, grid: { color: colour("--line") } },
          y: { beginAtZero: true, ticks: { color: colour("--muted"), precision: 0 }, grid: { color: colour("--line") } },
        },
        plugins: { legend: { labels: { color: colour("--ink") } } },
      },
    });
  }

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
        cell(session.state === "open" ? "\u2014" : money(session.fee_minor, session.currency)),
        cell(money(session.paid_minor, session.currency)),
        cell(session.due_now_minor == null ? "\u2014" : money(session.due_now_minor, session.currency)),
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
      const sessions = await send("POST", "/api/v1/parking/sessions/lookup", { site: site.site_id, plate, purpose: chosen, limit: 100 });
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
    const page = await fetchJSON("/api/v1/events?" + new URLSearchParams({ site: site.site_id, kind: "parking.unpaid_exit", since, limit: "100" }));
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
        cell(money(event.attributes.fee_minor, event.attributes.currency)),
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
      const digits = moneyDigits(session.currency);
      fillText($("pay-what"), t("Due now: {due}"), { due: money(session.due_now_minor, session.currency) });
      $("pay-amount").value = ((session.due_now_minor || 0) / 10 ** digits).toFixed(digits);
      $("pay-amount").step = digits ? String(1 / 10 ** digits) : "1";
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
    const digits = moneyDigits(session.currency);
    const amount = Math.round(Number($("pay-amount").value) * 10 ** digits);
    if (!(amount > 0)) { $("pay-amount").focus(); return; }
    const body = { amount_minor: amount, currency: session.currency, method: $("pay-method").value, reference: $("pay-reference").value.trim() };
    $("pay-dialog").close();
    try {
      const answer = await send("POST", "/api/v1/parking/sessions/" + encodeURIComponent(session.session_id) + "/payments", body);
      $("garage-status").textContent = answer.recorded
        ? t("Payment recorded: {amount}", { amount: money(amount, session.currency) })
        : t("That receipt was recorded before; it counts once.");
      await Promise.all([loadSessions(), loadUnpaid()]);
    } catch (error) {
      showError(t("The payment was not recorded: {message}", { message: error.message }));
    }
  }

  // --- the page -----------------------------------------------------------------------
  async function refresh(parts) {
    if (!site) return;
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
    const garages = await loadOccupancy();
    await loadChart(garages);
  }
  const lanesPart = () => Promise.all([loadLanes(), loadOccupancy()]);
  const sessionsPart = async () => { await loadSessions(); await loadUnpaid(); };

  function chooseSite() {
    site = sites.find((s) => s.site_id === $("site-select").value) || null;
    lookup = null; lastSessions = []; openSessions = new Map();
    const lookupClear = $("lookup-clear");
    if (lookupClear) lookupClear.hidden = true;
    sayTimeZone($("site-zone"), zone());
    const url = new URL(location.href);
    if (site) url.searchParams.set("site", site.site_id);
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
        purpose = chosen;
        $("plates-hide").hidden = false;
        refresh([lanesPart, sessionsPart]);
      });
      $("plates-hide").addEventListener("click", () => {
        purpose = null; plates.clear(); laneFrames.clear(); $("plates-hide").hidden = true;
        renderLanes(); renderSessions(); refresh([sessionsPart]);
      });
    }
    const lookupForm = $("lookup-form");
    if (lookupForm) {
      lookupForm.addEventListener("submit", findByPlate);
      $("lookup-clear").addEventListener("click", () => { lookup = null; $("lookup-clear").hidden = true; refresh([sessionsPart]); });
    }
    if ($("open-form")) {
      $("open-form").addEventListener("submit", confirmOpen);
      $("open-cancel").addEventListener("click", () => $("open-dialog").close());
    }
    if ($("pay-form")) {
      $("pay-form").addEventListener("submit", confirmPayment);
      $("pay-cancel").addEventListener("click", () => $("pay-dialog").close());
    }
    chooseSite();
    setInterval(() => { if (!document.hidden) refresh([lanesPart]); }, LANES_EVERY_MS);
    setInterval(() => { if (!document.hidden) refresh([sessionsPart]); }, SESSIONS_EVERY_MS);
    setInterval(() => { if (!document.hidden && site) refreshChart().catch((error) => showError(error.message)); }, CHART_EVERY_MS);
  });
})();

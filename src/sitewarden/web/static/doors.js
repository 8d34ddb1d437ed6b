"use strict";
// Doors: the site's latest reader decisions, polled every few seconds (who as a masked
// reference; names once a purpose is chosen, audited by the API), each door's latest
// held-open or forced state, and a remote unlock with a reason for doors:unlock.
(function () {
  const $ = (id) => document.getElementById(id);
  const POLL_MS = 3000;
  const CREDENTIALS = { badge: t("badge"), face: t("face"), pin: t("PIN"), qr: t("QR code"), remote: t("remote unlock") };
  const DIRECTIONS = { in: t("in"), out: t("out") };
  const STATES = { forced: t("forced open"), held_open: t("held open") };
  let timeZone = null;
  let timer = null;
  let seen = new Set();
  const names = new Map(); // event id -> name, opened with a purpose
  let purpose = null;

  function site() { return $("dr-site").value; }
  function base() { return "/api/v1/access/sites/" + encodeURIComponent(site()) + "/doors"; }

  function decisionRow(d, fresh) {
    const tr = document.createElement("tr");
    tr.dataset.event = d.event_id;
    if (fresh) tr.className = "fresh";
    const name = names.get(d.event_id) || d.name;
    const person = d.person_ref ? (name ? name + " · " + d.person_ref : d.person_ref) : null;
    const whoCell = person ? cell(person, "dr-who", true) : cell(d.credential === "remote" ? t("operator") : t("unknown"), "dr-who");
    const how = [CREDENTIALS[d.credential] || d.credential, DIRECTIONS[d.direction] || d.direction].filter(Boolean).join(" · ");
    const decision = document.createElement("td");
    decision.className = d.granted ? "granted" : "denied";
    if (d.granted) decision.textContent = t("granted");
    else if (denialReason(d.reason)) decision.textContent = t("denied: {reason}", { reason: denialReason(d.reason) });
    else fillText(decision, t("denied: {reason}"), { reason: d.reason || "—" }); // a device's own words: data
    tr.append(cell(formatTime(d.at, timeZone), null, true), cell(d.door || d.device_id, null, true), whoCell, cell(how), decision);
    return tr;
  }

  function stateRow(s) {
    const tr = document.createElement("tr");
    const state = document.createElement("td");
    state.className = "state-" + s.state;
    state.textContent = STATES[s.state] || s.state;
    if (s.open_seconds != null) state.textContent += " · " + t("{seconds} s", { seconds: formatNumber(Math.round(s.open_seconds)) });
    tr.append(cell(s.door || s.device_id, null, true), state, cell(formatTime(s.at, timeZone), null, true));
    return tr;
  }

  async function poll(withPurpose) {
    if (!site()) return;
    const query = new URLSearchParams({ limit: "50" });
    if (withPurpose && purpose) query.set("purpose", purpose);
    try {
      const answer = await fetchJSON(base() + "?" + query.toString());
      if (answer.site_id !== site()) return;
      timeZone = answer.timezone;
      sayTimeZone($("dr-timezone"), timeZone);
      if (withPurpose) for (const d of answer.decisions) if (d.name) names.set(d.event_id, d.name);
      const first = seen.size === 0;
      $("dr-decision-rows").replaceChildren(...answer.decisions.map((d) => decisionRow(d, !first && !seen.has(d.event_id))));
      seen = new Set(answer.decisions.map((d) => d.event_id));
      $("dr-no-decisions").hidden = answer.decisions.length > 0;
      $("dr-state-rows").replaceChildren(...answer.doors.map(stateRow));
      $("dr-states").hidden = answer.doors.length === 0;
      $("dr-no-states").hidden = answer.doors.length > 0;
      const commands = $("dr-commands");
      if (commands) commands.textContent = answer.commands
        ? t("Unlocks are sent to the door's controller on its commands topic.")
        : t("This server has no command channel to the doors (no MQTT broker link): an unlock is recorded as an event and in the audit log, but no door is told to open.");
      fillText($("dr-live"), t("Live: checked every {seconds} seconds, last at {time}"), {
        seconds: POLL_MS / 1000, time: formatTime(new Date().toISOString(), timeZone),
      });
    } catch (error) { showError(error.message); }
  }

  async function fillDoors() {
    const select = $("dr-unlock-door");
    if (!select) return;
    const devices = await fetchJSON("/api/v1/sites/" + encodeURIComponent(site()) + "/devices");
    select.replaceChildren(...devices.filter((d) => d.kind === "access_reader").map((d) => {
      const option = document.createElement("option");
      option.value = d.device_id; option.textContent = d.name + " (" + d.device_id + ")";
      option.setAttribute("translate", "no");
      return option;
    }));
    $("dr-unlock-button").disabled = select.options.length === 0;
  }

  async function unlock(event) {
    event.preventDefault();
    const door = $("dr-unlock-door").value;
    const reason = $("dr-unlock-reason").value.trim();
    if (!door || reason.length < 3) { $("dr-unlock-reason").reportValidity(); return; }
    const url = base() + "/" + encodeURIComponent(door) + "/unlock";
    try {
      const answer = await sendJSON("POST", url, { reason: reason });
      const result = $("dr-unlock-result");
      result.className = "ok";
      fillText(result, answer.sent_to_door ? t("{door} unlocked at {time}: sent to the door.") : t("{door}: unlock recorded at {time}; no door was told (no command channel)."), {
        door: door, time: formatTime(answer.at, timeZone),
      });
      $("dr-unlock-reason").value = "";
      poll(false);
    } catch (error) { showError(error.message); }
  }

  function restart() {
    seen = new Set(); names.clear(); purpose = null;
    if (timer) clearInterval(timer);
    poll(false);
    fillDoors().catch((error) => showError(error.message));
    timer = setInterval(() => { if (!document.hidden) poll(false); }, POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", async () => {
    try { await fillSites($("dr-site"), false); } catch (error) { showError(error.message); return; }
    const wanted = new URLSearchParams(location.search).get("site");
    if (wanted) $("dr-site").value = wanted;
    $("dr-site").addEventListener("change", restart);
    const purposeForm = $("dr-purpose");
    if (purposeForm) purposeForm.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!$("dr-purpose-kind").value) { $("dr-purpose-kind").reportValidity(); return; }
      purpose = $("dr-purpose-kind").value;
      poll(true);
    });
    const unlockForm = $("dr-unlock");
    if (unlockForm) unlockForm.addEventListener("submit", unlock);
    restart();
  });
})();

"use strict";
// A garage's tariff, shown to every reader and edited by managers (amounts typed in major
// units with the currency's digits: 5.00 yuan, 500 yen; stored in minor units: 500 fen,
// 500 yen), and a preview of what a stay costs, asked of the API that runs the exit
// gate's own fee code: the total, and day by day the hours started, the night hours, the
// cap where it bit, and a clock change during the stay.
(function () {
  const $ = (id) => document.getElementById(id);
  const manage = may("parking:manage");
  let site = null;
  let picker = null;
  let zoneId = null;

  const timeZone = () => picker.timeZoneOf(site);
  const AMOUNTS = ["tariff-hourly", "tariff-night", "tariff-cap", "tariff-lost"];
  const currency = () => $("tariff-currency").value.trim().toUpperCase();
  const amount = (id) => inputToMinor($(id).value, currency());
  const tariffUrl = () => garage.parking(site) + "/garages/" + encodeURIComponent(zoneId) + "/tariff";

  // The amount inputs step by one minor unit of the currency typed: 0.01 yuan, 1 yen.
  function stepAmounts() {
    for (const id of AMOUNTS) $(id).step = minorToInput(1, currency());
  }

  function fill(tariff) {
    const code = tariff ? tariff.currency : "CNY";
    $("tariff-currency").value = code;
    stepAmounts();
    $("tariff-hourly").value = tariff ? minorToInput(tariff.hourly_minor, code) : "";
    $("tariff-free").value = tariff ? String(tariff.free_minutes) : "0";
    $("tariff-night").value = tariff ? minorToInput(tariff.night_hourly_minor, code) : "";
    $("tariff-night-start").value = tariff && tariff.night_start ? tariff.night_start.slice(0, 5) : "";
    $("tariff-night-end").value = tariff && tariff.night_end ? tariff.night_end.slice(0, 5) : "";
    $("tariff-cap").value = tariff ? minorToInput(tariff.daily_cap_minor, code) : "";
    $("tariff-lost").value = minorToInput(tariff ? tariff.lost_ticket_minor : 0, code);
    $("tariff-grace").value = tariff ? String(tariff.exit_grace_minutes) : "15";
  }

  function sayState(tariff) {
    const state = $("tariff-state");
    if (!zoneId) { state.textContent = t("This site has no garage (a zone with gate lanes)."); return; }
    if (!tariff) { state.textContent = t("No tariff: parking in this garage is free."); return; }
    fillText(state, t("Saved {time} by {user}"), { time: formatTime(tariff.updated_at, timeZone()), user: tariff.updated_by });
  }

  async function loadTariff() {
    $("preview-result").hidden = true;
    let tariff = null;
    if (zoneId) {
      const response = await fetch(tariffUrl(), { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.ok) tariff = await response.json();
      else if (response.status !== 404) throw new Error((await response.json()).message || response.statusText);
    }
    fill(tariff);
    sayState(tariff);
    $("preview-fee").disabled = !tariff;
    if ($("save-tariff")) $("save-tariff").disabled = !zoneId;
    $("tariffs-page").dataset.loaded = site + "/" + (zoneId || "");
  }

  async function changeSite() {
    site = $("site").value;
    garage.rememberSite(site);
    sayTimeZone($("site-timezone"), timeZone());
    $("garage").replaceChildren();
    const garages = await garage.fillGarages($("garage"), site);
    zoneId = garages.length ? garages[0].zone_id : null;
    await loadTariff();
  }

  async function save(event) {
    event.preventDefault();
    const body = {
      currency: currency(),
      hourly_minor: amount("tariff-hourly"),
      free_minutes: Number($("tariff-free").value),
      night_hourly_minor: amount("tariff-night"),
      night_start: $("tariff-night-start").value || null,
      night_end: $("tariff-night-end").value || null,
      daily_cap_minor: amount("tariff-cap"),
      lost_ticket_minor: amount("tariff-lost") || 0,
      exit_grace_minutes: Number($("tariff-grace").value),
    };
    try {
      const saved = await sendJSON("PUT", tariffUrl(), body);
      fill(saved); sayState(saved);
      $("preview-fee").disabled = false;
      $("save-state").textContent = t("Saved.");
    } catch (error) {
      showError(error.message);
    }
  }

  function note(text) {
    const li = document.createElement("li");
    li.textContent = text;
    return li;
  }

  async function preview(event) {
    event.preventDefault();
    const entry = siteInputToISO($("preview-entry").value, timeZone());
    const exit = siteInputToISO($("preview-exit").value, timeZone());
    const url = garage.parking(site) + "/garages/" + encodeURIComponent(zoneId) + "/fee-preview?entry_at="
      + encodeURIComponent(entry) + "&exit_at=" + encodeURIComponent(exit);
    let fee;
    try { fee = await fetchJSON(url); } catch (error) { showError(error.message); return; }
    const total = $("preview-total");
    total.textContent = formatMoney(fee.fee_minor, fee.currency);
    total.dataset.minor = String(fee.fee_minor);
    const hours = Math.floor(fee.elapsed_minutes / 60), minutes = fee.elapsed_minutes % 60;
    const notes = [note(t("Stay of {hours} h {minutes} min.", { hours: formatNumber(hours), minutes: formatNumber(minutes) }))];
    if (fee.within_free_minutes) notes.push(note(t("Within the free minutes: nothing to pay.")));
    if (fee.days.length > 1) notes.push(note(t("The stay crosses midnight: each calendar day is counted, and capped, on its own.")));
    if (fee.days.some((d) => d.capped)) notes.push(note(t("The daily cap applies on at least one day.")));
    if (fee.clock_change_minutes) notes.push(note(t("The clocks change during this stay ({minutes} min): hours are billed as time that passed, not as the clock shows.", { minutes: formatNumber(fee.clock_change_minutes) })));
    $("preview-notes").replaceChildren(...notes);
    $("preview-days").tBodies[0].replaceChildren(...fee.days.map((d) => {
      const tr = document.createElement("tr");
      if (d.capped) tr.className = "capped";
      tr.append(cell(d.day, null, true), cell(formatNumber(d.slots), null, true), cell(formatNumber(d.night_slots), null, true),
        cell(formatMoney(d.before_cap_minor, fee.currency), null, true),
        cell(formatMoney(d.charged_minor, fee.currency) + (d.capped ? " (" + t("capped") + ")" : "")));
      return tr;
    }));
    $("preview-result").hidden = false;
  }

  async function start() {
    picker = await garage.pickSite($("site"));
    $("site").addEventListener("change", () => changeSite().catch((e) => showError(e.message)));
    $("garage").addEventListener("change", () => { zoneId = $("garage").value; loadTariff().catch((e) => showError(e.message)); });
    $("tariff-currency").addEventListener("input", stepAmounts);
    if (manage && $("save-tariff")) $("tariff-form").addEventListener("submit", save);
    else $("tariff-form").addEventListener("submit", (e) => e.preventDefault());
    $("preview-form").addEventListener("submit", preview);
    if ($("site").value) await changeSite();
  }

  start().catch((error) => showError(error.message));
})();

"use strict";
// Attendance: the attendance API's figures for a site, group and span, by day (each
// person's first in and last out, late and missing punches marked, corrections shown
// with what the readers recorded), by week or by month, and the whole group's totals.
// Names only after a purpose is chosen (the API audits it). Exports are the same API
// answer as CSV or XLSX. Those with access:manage correct a day with a reason.
(function () {
  const $ = (id) => document.getElementById(id);
  let timeZone = null;
  let purpose = null;
  let report = null;
  let correcting = null;

  let sites = [];
  let defaultRange = null; // [since, until] last filled in, while the operator keeps it

  // This month so far on the site's calendar (not the browser's: a guard's browser in
  // another zone, or just after the site's midnight, would miss today's punches).
  function fillDefaultRange() {
    const site = sites.find((s) => s.site_id === $("at-site").value);
    const today = wallClockAt(new Date(), site ? site.timezone : "UTC").slice(0, 10);
    const kept = defaultRange && $("at-since").value === defaultRange[0] && $("at-until").value === defaultRange[1];
    if (defaultRange && !kept) return;
    defaultRange = [today.slice(0, 8) + "01", today];
    [$("at-since").value, $("at-until").value] = defaultRange;
  }

  function clock(iso) {
    if (!iso) return "—";
    const options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: timeZone || undefined };
    try { return new Intl.DateTimeFormat(pageLocale(), options).format(new Date(iso)); }
    catch (_) { return formatTime(iso, timeZone); }
  }

  function localDay(iso) {
    return iso ? wallClockAt(iso, timeZone || undefined).slice(0, 10) : null;
  }

  function clockWithDay(iso, day) {
    if (!iso) return "—";
    const text = clock(iso);
    const on = localDay(iso);
    return on && on !== day ? text + " (" + t("next day") + ")" : text;
  }

  function params(format) {
    const query = new URLSearchParams({
      since: $("at-since").value, until: $("at-until").value,
      group: $("at-group").value, late_after: $("at-late").value || "09:00",
    });
    if (purpose) query.set("purpose", purpose);
    if (format) query.set("format", format);
    return query;
  }

  function base() {
    return "/api/v1/access/sites/" + encodeURIComponent($("at-site").value) + "/attendance";
  }

  function who(row) {
    const td = document.createElement("td");
    td.setAttribute("translate", "no");
    td.textContent = row.name ? row.name + " · " + row.person_ref : row.person_ref;
    return td;
  }

  function mark(text, kind) {
    const span = document.createElement("span");
    span.className = "mark mark-" + kind;
    span.textContent = text;
    return span;
  }

  function marksCell(day) {
    const td = document.createElement("td");
    if (day.late) td.append(mark(t("Late"), "late"));
    if (day.missing_in) td.append(mark(t("Missing in"), "missing"));
    if (day.missing_out) td.append(mark(t("Missing out"), "missing"));
    if (day.corrected) {
      td.append(mark(t("Corrected"), "corrected"));
      const note = document.createElement("span");
      note.className = "recorded";
      const by = day.correction ? day.correction.corrected_by : "";
      const reason = day.correction && day.correction.reason ? day.correction.reason : null;
      fillText(note, reason ? t("by {user}: {reason}") : t("by {user}"), { user: by, reason: reason || "" });
      td.append(note);
      const recorded = document.createElement("span");
      recorded.className = "recorded";
      fillText(recorded, t("Readers recorded: {first} – {last}"), {
        first: clock(day.recorded_first_in), last: clock(day.recorded_last_out),
      });
      td.append(recorded);
    }
    return td;
  }

  function dayRow(day) {
    const tr = document.createElement("tr");
    tr.dataset.person = day.person_ref; tr.dataset.day = day.day;
    tr.append(who(day), cell(day.day, null, true), cell(clock(day.first_in), null, true),
      cell(clockWithDay(day.last_out, day.day), null, true), cell(formatNumber(day.hours), null, true), marksCell(day));
    const actions = document.createElement("td");
    if (may("access:manage")) {
      const button = document.createElement("button");
      button.type = "button"; button.className = "correct";
      button.textContent = t("Correct");
      button.addEventListener("click", () => openCorrection(day));
      actions.append(button);
    }
    tr.append(actions);
    return tr;
  }

  function totalRow(total, withPerson) {
    const tr = document.createElement("tr");
    if (withPerson) tr.append(who(total));
    else tr.append(cell(total.period, null, true), cell(formatNumber(total.people), null, true));
    if (withPerson) tr.append(cell(total.period, null, true));
    tr.append(cell(formatNumber(total.days), null, true), cell(formatNumber(total.hours), null, true),
      cell(formatNumber(total.late), null, true), cell(formatNumber(total.missing), null, true));
    return tr;
  }

  function render() {
    if (!report) return;
    const view = $("at-view").value;
    const byDay = view === "day";
    $("at-days").hidden = !byDay || !report.days.length;
    $("at-periods").hidden = byDay || !report.days.length;
    $("at-empty").hidden = report.days.length > 0;
    $("at-day-rows").replaceChildren(...(byDay ? report.days.map(dayRow) : []));
    const periods = view === "week" ? report.weeks : report.months;
    $("at-period-rows").replaceChildren(...(byDay ? [] : periods.map((p) => totalRow(p, true))));
    const group = report.group_totals[view === "day" ? "days" : view === "week" ? "weeks" : "months"];
    $("at-group-rows").replaceChildren(...group.map((p) => totalRow(p, false)));
    const late = report.days.filter((d) => d.late).length;
    const missing = report.days.filter((d) => d.missing_in || d.missing_out).length;
    const corrected = report.days.filter((d) => d.corrected).length;
    $("at-summary").textContent = t("{days} days · {late} late · {missing} with a missing punch · {corrected} corrected", {
      days: formatNumber(report.days.length), late: formatNumber(late),
      missing: formatNumber(missing), corrected: formatNumber(corrected),
    });
    $("at-csv").href = base() + "?" + params("csv").toString();
    $("at-xlsx").href = base() + "?" + params("xlsx").toString();
  }

  async function load() {
    if (!$("at-site").value || !$("at-since").value || !$("at-until").value) return;
    try {
      report = await fetchJSON(base() + "?" + params().toString());
      timeZone = report.timezone;
      sayTimeZone($("at-timezone"), timeZone);
      render();
    } catch (error) { showError(error.message); }
  }

  function openCorrection(day) {
    correcting = day;
    fillText($("at-correct-who"), t("{person} on {day}"), {
      person: day.name ? day.name + " · " + day.person_ref : day.person_ref, day: day.day,
    });
    $("at-correct-in").value = day.first_in ? clock(day.first_in) : "";
    $("at-correct-out").value = day.last_out ? clock(day.last_out) : "";
    $("at-correct-reason").value = "";
    $("at-correct").showModal();
  }

  async function saveCorrection(event) {
    event.preventDefault();
    if (!correcting) return;
    const reason = $("at-correct-reason").value.trim();
    if (reason.length < 3) { $("at-correct-reason").reportValidity(); return; }
    const body = {
      person_ref: correcting.person_ref, day: correcting.day, reason: reason,
      first_in: $("at-correct-in").value || null, last_out: $("at-correct-out").value || null,
    };
    const url = "/api/v1/access/sites/" + encodeURIComponent($("at-site").value) + "/attendance/corrections";
    try {
      await sendJSON("POST", url, body);
      $("at-correct").close();
      correcting = null;
      await load();
    } catch (error) { showError(error.message); }
  }

  document.addEventListener("DOMContentLoaded", async () => {
    const query = new URLSearchParams(location.search);
    try { sites = await fillSites($("at-site"), false); } catch (error) { showError(error.message); return; }
    if (query.get("site")) $("at-site").value = query.get("site");
    fillDefaultRange();
    for (const [key, id] of [["since", "at-since"], ["until", "at-until"], ["group", "at-group"], ["view", "at-view"]]) {
      if (query.get(key)) $(id).value = query.get(key);
    }
    $("at-filters").addEventListener("submit", (event) => { event.preventDefault(); load(); });
    $("at-site").addEventListener("change", () => { fillDefaultRange(); load(); });
    $("at-group").addEventListener("change", load);
    $("at-view").addEventListener("change", render);
    const purposeForm = $("at-purpose");
    if (purposeForm) {
      purposeForm.addEventListener("submit", (event) => {
        event.preventDefault();
        if (!$("at-purpose-kind").value) { $("at-purpose-kind").reportValidity(); return; }
        purpose = $("at-purpose-kind").value;
        $("at-hide-names").hidden = false;
        load();
      });
      $("at-hide-names").addEventListener("click", () => { purpose = null; $("at-hide-names").hidden = true; load(); });
    }
    const form = $("at-correct-form");
    if (form) {
      form.addEventListener("submit", saveCorrection);
      $("at-correct-cancel").addEventListener("click", () => { $("at-correct").close(); correcting = null; });
    }
    load();
  });
})();

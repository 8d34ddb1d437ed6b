"use strict";
// Shared by the people pages: datetime-local inputs read and written in the SITE's
// timezone (not the browser's) and the "show with purpose" step's wiring. Loaded after
// common.js, before the page's own script.

// Minutes the zone is ahead of UTC at the instant `ms` (e.g. +480 for Asia/Shanghai).
function zoneOffsetMinutes(ms, zone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  const asUTC = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return Math.round((asUTC - ms) / 60000);
}

// "2026-12-04T09:30" typed as the site's wall time -> an ISO instant with "Z"; "" -> null.
function siteInputToISO(value, zone) {
  if (!value) return null;
  const [day, clock] = value.split("T");
  const [y, m, d] = day.split("-").map(Number);
  const [hh, mm] = clock.split(":").map(Number);
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  let instant = wall - zoneOffsetMinutes(wall, zone) * 60000;
  instant = wall - zoneOffsetMinutes(instant, zone) * 60000; // again, across a DST change
  return new Date(instant).toISOString();
}

// An ISO instant -> "YYYY-MM-DDTHH:MM" as the site's wall time, for a datetime-local input.
function isoToSiteInput(iso, zone) {
  if (!iso) return "";
  const ms = new Date(iso).getTime();
  const local = new Date(ms + zoneOffsetMinutes(ms, zone) * 60000);
  return local.toISOString().slice(0, 16);
}

// The "show with purpose" step: the button opens the form; a purpose chosen (and an
// optional reference) calls `open(purpose)`. Returns nothing; absent elements: no step.
function wirePurposeStep(open) {
  const button = document.getElementById("open-purpose");
  const form = document.getElementById("purpose-form");
  if (!button || !form) return;
  const kind = document.getElementById("purpose-kind");
  button.addEventListener("click", () => { form.hidden = false; button.hidden = true; kind.focus(); });
  document.getElementById("purpose-cancel").addEventListener("click", () => { form.hidden = true; button.hidden = false; });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!kind.value) { showError(t("Choose a purpose first")); kind.focus(); return; }
    const reference = document.getElementById("purpose-reference").value.trim();
    form.hidden = true; button.hidden = false;
    open(reference ? kind.value + ": " + reference : kind.value);
  });
}

// Words for the API's values (groups, consent methods), in the page's language.
const GROUP_NAMES = { resident: t("resident"), staff: t("staff"), contractor: t("contractor"), visitor: t("visitor") };
const DAY_SHORT = [t("Mon"), t("Tue"), t("Wed"), t("Thu"), t("Fri"), t("Sat"), t("Sun")];

// A rule's windows in words: "Mon, Tue 08:00–18:00; Sat 09:00–12:00".
function describeWindows(windows) {
  return windows.map((w) => w.days.map((d) => DAY_SHORT[d]).join(", ") + " " + w.start + "–" + w.end).join("; ");
}

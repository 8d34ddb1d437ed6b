"use strict";
// Shared by the people pages: the "show with purpose" step's wiring and words for the
// API's values. Loaded after common.js (whose isoToSiteInput and siteInputToISO read and
// write the pages' datetime-local inputs in the site's timezone), before the page's own
// script.

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

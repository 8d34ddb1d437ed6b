// What the garage page's parts (garage_lanes.js, garage.js) share: the site chosen, the
// purpose stated and the plates it opened, and times in the site's timezone. Money is
// common.js's formatMoney.
// Plates open only after the operator states a purpose; each answer that opens one is
// audited by the API, so the page asks with the purpose only when a vehicle it has not
// shown yet appears, and remembers what it was shown.
"use strict";

var garageView = (function () {
  const $ = (id) => document.getElementById(id);
  const HIDDEN = "\u2022\u2022\u2022"; // a plate the page may not or did not open

  const REASON = {
    ticketless: t("ticketless entry"), permit: t("permit"), allow_list: t("allow list"),
    deny_list: t("deny list"), full: t("garage full"), paid: t("paid"), free: t("free stay"),
    unpaid: t("not paid"), no_entry_record: t("no entry record"), already_exited: t("already left"),
    review: t("held for review"), review_admitted: t("let in, review pending"),
    low_confidence: t("low confidence"), unsure_read: t("unsure read"), entered_again: t("entered again"),
  };

  let site = null;
  let purpose = null; // plates shown for this purpose, or not at all
  const plates = new Map(); // subject_id -> the plate as shown (null: not to be shown)

  function zone() { return site ? site.timezone : null; }
  function when(iso) { return iso ? formatTime(iso, zone()) : "\u2014"; }

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
  function forgetPlates() { plates.clear(); }

  return {
    $, HIDDEN, REASON,
    get site() { return site; }, set site(value) { site = value; },
    get purpose() { return purpose; }, set purpose(value) { purpose = value; },
    zone, when, siteUrl, withPurpose,
    remember, unknownSubjects, plateOf, plateCell, forgetPlates,
  };
})();

"use strict";
// What the privacy centre's pages share: the names of data categories and request
// states in the page's language, and a site's timezone. Each page's own script comes
// after this one.
var privacy = (function () {
  const CATEGORIES = {
    access_events: t("Access events (doors, readers)"),
    plate_reads: t("Licence plate reads and parking"),
    face_crops: t("Face crops and snapshots"),
    operations: t("Alarms and operations"),
    heartbeats: t("Device heartbeats"),
    occupancy_raw: t("Raw occupancy counts"),
    reader_images: t("Reader images kept for disputes"),
    review_frames: t("Gate frames of plate reads in review"),
    lane_frames: t("Last gate frame of each garage lane"),
    consents: t("Consent records"),
    person: t("Enrolment record (person)"),
    vehicle: t("Vehicle record"),
    enrolled_people: t("Enrolled people"),
    vehicles: t("Vehicles"),
  };
  const STATES = {
    open: t("open"), awaiting_confirmation: t("awaiting a second person"), answered: t("answered"),
    active: t("active"), withdrawn: t("withdrawn"), expired: t("expired"),
  };

  function category(name) { return CATEGORIES[name] || name; }
  function state(name) { return STATES[name] || name; }

  // "30 days", "forever" or, for records kept while enrolled, "while enrolled".
  function keptFor(days) {
    if (days == null) return t("while enrolled; erased with the person");
    if (days <= 0) return t("forever");
    return t("{days} days", { days: formatNumber(days) });
  }

  return { category: category, state: state, keptFor: keptFor };
})();

"use strict";
// One person: facts (personal fields only through "show with purpose", as the API masks
// them by role and audits the opening), group and pass window, bar and unbar, badges
// (issue, revoke, report lost), named access groups (a datalist offers the site's known
// ones), the rules of their groups, consent and face enrolment.
// Enrolment stays off until an active consent for access is listed here, and the API
// refuses it without one anyway. The face library lists templates' dates only.
(function () {
  const $ = (id) => document.getElementById(id);
  const root = $("person-page");
  const site = root.dataset.site;
  const personId = root.dataset.person;
  const base = "/api/v1/access/sites/" + encodeURIComponent(site);
  const personURL = base + "/people/" + encodeURIComponent(personId);
  const METHOD_NAMES = { written: t("written, signed"), electronic: t("electronic"), verbal_witnessed: t("verbal, witnessed") };
  const PURPOSE_NAMES = { access: t("Access (face templates)"), face_learning: t("Face learning (templates from reader frames)"), attendance: t("Attendance"), parking: t("Parking"), marketing: t("Marketing") };
  let zone = null;
  let person = null;
  let purpose = null;
  let photos = [];
  let stream = null;

  function fact(id, text, data) {
    const element = $(id);
    element.textContent = text;
    if (data) element.setAttribute("translate", "no"); else element.removeAttribute("translate");
  }

  function personalFact(id, value) {
    if (!person || person.disclosure === "none") { fact(id, t("sealed"), false); $(id).className = "sealed"; return; }
    $(id).className = "";
    fact(id, value == null ? "—" : value, value != null);
  }

  function timeOr(iso, otherwise) { return iso ? formatTime(iso, zone) : otherwise; }

  function showPerson(found) {
    person = found;
    const barred = found.barred;
    const status = $("person-status");
    status.textContent = barred ? t("barred") : t("not barred");
    status.className = "status " + (barred ? "status-offline" : "status-online");
    fact("fact-group", GROUP_NAMES[found.group] || found.group, false);
    fact("fact-groups", found.groups.length ? found.groups.join(", ") : t("none"), found.groups.length > 0);
    personalFact("fact-name", found.name);
    personalFact("fact-national-id", found.national_id);
    personalFact("fact-phone", found.phone);
    fact("fact-from", timeOr(found.valid_from, t("no limit")), !!found.valid_from);
    fact("fact-until", timeOr(found.valid_until, t("no limit")), !!found.valid_until);
    if (barred) {
      const reason = found.bar_reason ? " — " + found.bar_reason : "";
      fact("fact-barred", formatTime(found.barred_at, zone) + " · " + (found.barred_by || "") + reason, true);
      if (!found.bar_reason) {  // the reason is personal: sealed like the name until a purpose opens it
        const sealed = document.createElement("span");
        sealed.className = "sealed"; sealed.setAttribute("translate", "yes");
        sealed.textContent = " — " + t("reason sealed: show with purpose");
        $("fact-barred").append(sealed);
      }
    } else fact("fact-barred", t("no"), false);
    fact("fact-created", formatTime(found.created_at, zone), true);
    if ($("change-form") && !$("change-form").contains(document.activeElement)) {
      $("edit-group").value = found.group;
      $("edit-from").value = isoToSiteInput(found.valid_from, zone);
      $("edit-until").value = isoToSiteInput(found.valid_until, zone);
    }
    if ($("groups-form") && !$("groups-form").contains(document.activeElement)) $("edit-groups").value = found.groups.join(", ");
    if ($("bar-form")) { $("bar-form").hidden = barred; $("unbar-box").hidden = !barred; }
    root.dataset.loaded = "1";
  }

  async function loadPerson() {
    const url = personURL + (purpose ? "?" + new URLSearchParams({ purpose }) : "");
    showPerson(await fetchJSON(url));
    if (purpose && $("purpose-state")) fillText($("purpose-state"), t("Shown for: {purpose}"), { purpose });
  }

  // --- badges ------------------------------------------------------------------------
  function badgeState(badge) {
    if (!badge.revoked_at) return t("active");
    const when = formatTime(badge.revoked_at, zone);
    return badge.revoked_reason === "lost" ? t("reported lost {when}", { when }) : t("revoked {when}", { when });
  }

  function badgeButton(label, className, action) {
    const button = document.createElement("button");
    button.type = "button"; button.textContent = label;
    if (className) button.className = className;
    button.addEventListener("click", action);
    return button;
  }

  async function loadBadges() {
    const badges = await fetchJSON(personURL + "/badges");
    const rows = badges.map((badge) => {
      const row = document.createElement("tr");
      row.dataset.badge = badge.badge_ref;
      row.dataset.state = badge.revoked_at ? (badge.revoked_reason || "revoked") : "active";
      const actions = document.createElement("td");
      if (!badge.revoked_at && may("access:manage")) {
        const ref = encodeURIComponent(badge.badge_ref);
        actions.append(
          badgeButton(t("Revoke"), "danger", () => act("POST", base + "/badges/" + ref + "/revoke", undefined, loadBadges)),
          badgeButton(t("Report lost"), "secondary", () => act("POST", base + "/badges/" + ref + "/lost", undefined, loadBadges)));
      }
      row.append(cell(badge.badge_ref, null, true), cell(formatTime(badge.created_at, zone), null, true), cell(badgeState(badge)), actions);
      return row;
    });
    $("badges").replaceChildren(...rows);
    $("no-badges").hidden = rows.length > 0;
  }

  async function act(method, url, payload, then) {
    try {
      const answer = await sendJSON(method, url, payload);
      await then(answer);
      return answer;
    } catch (error) { showError(error.message); return null; }
  }

  // --- rules of the person's groups, the site's named groups ---------------------------
  async function loadRules() {
    const mine = new Set([person.group, ...person.groups]);
    const rules = (await fetchJSON(base + "/rules")).filter((rule) => mine.has(rule.group));
    const rows = rules.map((rule) => {
      const row = document.createElement("tr");
      row.append(cell(rule.rule_id, null, true), cell(rule.zone_id === "*" ? t("every zone") : rule.zone_id, null, rule.zone_id !== "*"),
        cell(describeWindows(rule.windows)), cell(rule.applies_on_holidays ? t("yes") : t("no")));
      return row;
    });
    $("rules").replaceChildren(...rows);
    $("no-rules").hidden = rows.length > 0;
  }

  async function loadKnownGroups() {
    if (!$("known-groups")) return;
    const groups = await fetchJSON(base + "/groups"); // sorted by name
    $("known-groups").replaceChildren(...groups.map((group) => {
      const option = document.createElement("option");
      option.value = group.name;
      return option;
    }));
  }

  function saveGroups(event) {
    event.preventDefault();
    // Commas (also the Chinese full-width one) or spaces between names.
    const groups = $("edit-groups").value.split(/[\s,，、]+/).filter((name) => name);
    $("groups-state").textContent = "";
    act("PUT", personURL + "/groups", { groups }, async () => {
      $("groups-state").textContent = t("Saved.");
      await Promise.all([loadPerson(), loadRules(), loadKnownGroups()]);
    });
  }

  // --- consent, enrolment, face library ---------------------------------------------------
  function activeAccessConsent(consents) {
    const now = Date.now();
    return consents.find((c) => c.purpose === "access" && !c.withdrawn_at && (!c.expires_at || new Date(c.expires_at).getTime() > now));
  }

  function consentState(consent) {
    if (consent.withdrawn_at) return t("withdrawn {when}", { when: formatTime(consent.withdrawn_at, zone) });
    if (consent.expires_at && new Date(consent.expires_at).getTime() <= Date.now()) return t("expired");
    return t("active");
  }

  let consented = false;

  async function loadConsents() {
    if (!$("consent-table")) { consented = null; return; }
    const consents = await fetchJSON("/api/v1/sites/" + encodeURIComponent(site) + "/consents?" + new URLSearchParams({ subject_id: person.subject_id }));
    const rows = consents.map((consent) => {
      const row = document.createElement("tr");
      row.dataset.consent = consent.consent_id;
      row.dataset.purpose = consent.purpose;
      const actions = document.createElement("td");
      if (!consent.withdrawn_at) {
        actions.append(badgeButton(t("Withdraw"), "danger", () => withdraw(consent)));
      }
      row.append(cell(PURPOSE_NAMES[consent.purpose] || consent.purpose), cell(METHOD_NAMES[consent.method] || consent.method),
        cell(formatTime(consent.given_at, zone), null, true), cell(consent.expires_at ? formatTime(consent.expires_at, zone) : t("until withdrawn"), null, !!consent.expires_at),
        cell(consent.recorded_by, null, true), cell(consentState(consent)), actions);
      return row;
    });
    $("consents").replaceChildren(...rows);
    $("no-consents").hidden = rows.length > 0;
    consented = !!activeAccessConsent(consents);
    updateEnrolButton();
  }

  async function withdraw(consent) {
    const question = consent.purpose === "access"
      ? t("Withdraw this consent? The person's face templates are erased now.")
      : consent.purpose === "face_learning"
        ? t("Withdraw this consent? The face templates learned at readers are erased now.")
        : t("Withdraw this consent?");
    if (!window.confirm(question)) return;
    await act("POST", "/api/v1/sites/" + encodeURIComponent(site) + "/consents/" + encodeURIComponent(consent.consent_id) + "/withdraw", undefined, refreshFaces);
  }

  function updateEnrolButton() {
    const button = $("enrol-face");
    if (!button) return;
    // Without consent:manage this page cannot list consents: the API decides on submit.
    const allowed = consented !== false;
    button.disabled = !allowed || photos.length === 0;
    $("consent-needed").hidden = allowed;
    for (const id of ["face-photos", "camera-start"]) $(id).disabled = !allowed;
  }

  async function loadFaces() {
    const templates = await fetchJSON(personURL + "/faces");
    const items = templates.map((template) => {
      const item = document.createElement("li");
      item.textContent = template.source === "reader"
        ? t("Template learned at a reader {when}", { when: formatTime(template.created_at, zone) })
        : t("Template made {when}", { when: formatTime(template.created_at, zone) });
      return item;
    });
    $("face-library").replaceChildren(...items);
    $("no-faces").hidden = items.length > 0;
    if ($("erase-faces")) $("erase-faces").hidden = items.length === 0;
  }

  async function refreshFaces() { await Promise.all([loadConsents(), loadFaces(), loadPerson()]); }

  async function recordConsent(event) {
    event.preventDefault();
    const body = {
      subject_id: person.subject_id,
      purpose: $("consent-purpose").value,
      method: $("consent-method").value,
      given_at: siteInputToISO($("consent-given").value, zone),
    };
    const until = siteInputToISO($("consent-until").value, zone);
    if (until) body.expires_at = until;
    const answer = await act("POST", "/api/v1/sites/" + encodeURIComponent(site) + "/consents", body, loadConsents);
    if (answer) { $("consent-form").reset(); $("consent-given").value = isoToSiteInput(new Date().toISOString(), zone); }
  }

  function setPhotos(list, said) {
    photos = list;
    $("face-state").textContent = said;
    updateEnrolButton();
  }

  async function startCamera() {
    if (stream && stream.active) return;  // already on: a second stream would never be stopped
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
    } catch (error) { showError(t("The camera could not be opened: {reason}", { reason: error.message })); return; }
    const video = $("camera-view");
    video.srcObject = stream; video.hidden = false;
    await video.play();
    $("camera-take").hidden = false;
    $("camera-state").textContent = t("Camera on: face the camera, then take the photo.");
  }

  function takePhoto() {
    const video = $("camera-view");
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth; canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    canvas.toBlob((blob) => {
      for (const track of stream.getTracks()) track.stop();
      video.hidden = true; $("camera-take").hidden = true;
      $("camera-state").textContent = "";
      setPhotos([new File([blob], "camera.jpg", { type: "image/jpeg" })], t("One photo taken with the camera."));
    }, "image/jpeg", 0.92);
  }

  async function enrolFace(event) {
    event.preventDefault();
    const form = new FormData();
    for (const file of photos) form.append("photos", file);
    $("face-state").textContent = t("Enrolling…");
    const answer = await act("POST", personURL + "/faces", form, refreshFaces);
    $("face-state").textContent = answer ? t("Face templates enrolled: {count}.", { count: formatNumber(answer.templates) }) : "";
    if (answer) { photos = []; $("face-photos").value = ""; updateEnrolButton(); }
  }

  // --- wiring --------------------------------------------------------------------------
  function wire() {
    wirePurposeStep((stated) => { purpose = stated; loadPerson().catch((error) => showError(error.message)); });
    if ($("change-form")) {
      $("change-form").addEventListener("submit", (event) => {
        event.preventDefault();
        const body = { group: $("edit-group").value };
        const from = siteInputToISO($("edit-from").value, zone);
        const until = siteInputToISO($("edit-until").value, zone);
        if (from) body.valid_from = from;
        if (until) body.valid_until = until;
        act("PATCH", personURL, body, async () => { $("change-state").textContent = t("Saved."); await Promise.all([loadPerson(), loadRules()]); });
      });
      $("clear-window").addEventListener("click", () =>
        act("PATCH", personURL, { clear_window: true }, async () => { $("edit-from").value = ""; $("edit-until").value = ""; $("change-state").textContent = t("Saved."); await loadPerson(); }));
      $("bar-form").addEventListener("submit", (event) => {
        event.preventDefault();
        act("POST", personURL + "/bar", { reason: $("bar-reason").value.trim() }, async () => { $("bar-reason").value = ""; await loadPerson(); });
      });
      $("unbar-person").addEventListener("click", () => act("DELETE", personURL + "/bar", undefined, loadPerson));
      $("groups-form").addEventListener("submit", saveGroups);
      $("badge-form").addEventListener("submit", (event) => {
        event.preventDefault();
        act("POST", personURL + "/badges", { badge_id: $("badge-number").value.trim() }, async () => { $("badge-number").value = ""; await loadBadges(); });
      });
      $("face-photos").addEventListener("change", () => {
        const files = Array.from($("face-photos").files).slice(0, 5);
        setPhotos(files, files.length ? t("Photos chosen: {count}.", { count: formatNumber(files.length) }) : "");
      });
      $("camera-start").addEventListener("click", startCamera);
      $("camera-take").addEventListener("click", takePhoto);
      $("face-form").addEventListener("submit", enrolFace);
      $("erase-faces").addEventListener("click", () => {
        if (window.confirm(t("Erase this person's face templates? They can no longer pass by face."))) act("DELETE", personURL + "/faces", undefined, refreshFaces);
      });
    }
    if ($("consent-form")) {
      $("consent-given").value = isoToSiteInput(new Date().toISOString(), zone);
      $("consent-form").addEventListener("submit", recordConsent);
    }
  }

  (async () => {
    try {
      const sites = await fetchJSON("/api/v1/sites");
      const found = sites.find((s) => s.site_id === site);
      zone = found ? found.timezone : null;
      sayTimeZone($("site-timezone"), zone);
      await loadPerson();
      wire();
      await Promise.all([loadBadges(), loadRules(), loadConsents(), loadFaces(), loadKnownGroups()]);
      updateEnrolButton();
      root.dataset.ready = "1";
    } catch (error) { showError(error.message); }
  })();
})();

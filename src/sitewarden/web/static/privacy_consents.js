"use strict";
// Consents: each consent of a site with its purpose, evidence, expiry and state, and
// withdrawing one (for access, the person's face templates and images go at once).
// Subjects appear by their pseudonymous ids. Times are the site's.
(function () {
  const $ = (id) => document.getElementById(id);
  const PURPOSES = { access: t("access"), face_learning: t("face learning"), attendance: t("attendance"), parking: t("parking"), marketing: t("marketing") };
  const METHODS = { written: t("written"), electronic: t("electronic"), verbal_witnessed: t("verbal, witnessed") };
  let sites = [];
  let timeZone = null;
  let withdrawing = null;

  function site() { return $("cs-site").value; }

  async function load() {
    const purpose = $("cs-purpose").value;
    const url = "/api/v1/sites/" + encodeURIComponent(site()) + "/consent-register" + (purpose ? "?consent_purpose=" + encodeURIComponent(purpose) : "");
    const consents = await fetchJSON(url);
    const rows = consents.map((consent) => {
      const tr = document.createElement("tr");
      tr.dataset.id = consent.consent_id;
      tr.dataset.state = consent.state;
      const evidence = cell((METHODS[consent.method] || consent.method) + (consent.evidence ? ": " : ""));
      if (consent.evidence) {
        const ref = document.createElement("span");
        ref.translate = false; ref.textContent = consent.evidence;
        evidence.append(ref);
      }
      const recorded = document.createElement("div");
      recorded.className = "muted";
      fillText(recorded, t("recorded by {who}"), { who: consent.recorded_by });
      evidence.append(recorded);
      const actions = cell("");
      if (consent.state === "active") {
        const button = document.createElement("button");
        button.type = "button"; button.className = "danger"; button.textContent = t("Withdraw");
        button.setAttribute("aria-label", t("Withdraw consent for {purpose} of {subject}", { purpose: PURPOSES[consent.purpose] || consent.purpose, subject: consent.subject_id }));
        button.addEventListener("click", () => ask(consent));
        actions.append(button);
      }
      tr.append(
        cell(consent.subject_id, null, true),
        cell(PURPOSES[consent.purpose] || consent.purpose),
        evidence,
        cell(formatTime(consent.given_at, timeZone), null, true),
        consent.expires_at ? cell(formatTime(consent.expires_at, timeZone), null, true) : cell(t("until withdrawn")),
        stateCell(consent),
        actions,
      );
      return tr;
    });
    $("cs-rows").replaceChildren(...rows);
    $("cs-empty").hidden = rows.length > 0;
  }

  // "withdrawn 2026-12-04 09:30:12 (zone)": the words translated, the time as data.
  function stateCell(consent) {
    const td = cell("", "state-" + consent.state);
    if (consent.state === "withdrawn") fillText(td, t("withdrawn {time}"), { time: formatTime(consent.withdrawn_at, timeZone) });
    else td.textContent = privacy.state(consent.state);
    return td;
  }

  function ask(consent) {
    withdrawing = consent;
    const text = consent.purpose === "access"
      ? t("Consent for {purpose} of {subject} ends now, and the person's face templates and face images are erased at once.")
      : t("Consent for {purpose} of {subject} ends now.");
    fillText($("cs-dialog-text"), text, { purpose: PURPOSES[consent.purpose] || consent.purpose, subject: consent.subject_id });
    $("cs-dialog").showModal();
  }

  $("cs-cancel").addEventListener("click", () => $("cs-dialog").close());
  $("cs-confirm").addEventListener("click", async () => {
    $("cs-dialog").close();
    try {
      await sendJSON("POST", "/api/v1/sites/" + encodeURIComponent(withdrawing.site_id) + "/consents/" + encodeURIComponent(withdrawing.consent_id) + "/withdraw");
      await load();
    } catch (error) { showError(error.message); }
  });

  async function changeSite() {
    const chosen = sites.find((s) => s.site_id === site());
    timeZone = chosen ? chosen.timezone : null;
    sayTimeZone($("cs-timezone"), timeZone);
    try { await load(); } catch (error) { showError(error.message); }
  }

  (async function start() {
    try {
      sites = await fillSites($("cs-site"), false);
      const wanted = new URLSearchParams(location.search).get("site");
      if (wanted && sites.some((s) => s.site_id === wanted)) $("cs-site").value = wanted;
      $("cs-site").addEventListener("change", changeSite);
      $("cs-purpose").addEventListener("change", changeSite);
      await changeSite();
    } catch (error) { showError(error.message); }
  })();
})();

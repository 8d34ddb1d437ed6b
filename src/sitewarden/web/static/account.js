"use strict";
// One's own account: who one is, the second factor (set it up on its own page, with a QR
// code), one's API keys (a new key is shown once, in a dialog; revoking one refuses it at
// once) and the sessions one is signed in with, with signing out of all the others.
(function () {
  const $ = (id) => document.getElementById(id);

  function fact(id, text, data) {
    const element = $(id);
    element.textContent = text;
    if (data) element.setAttribute("translate", "no"); else element.removeAttribute("translate");
  }

  async function loadMe() {
    const me = await fetchJSON("/api/v1/me");
    fact("fact-role", accounts.ROLES[me.role] || me.role, false);
    fact("fact-sites", accounts.sitesText(me.site_scope), me.site_scope != null);
    fact("fact-login", accounts.time(me.last_login_at, t("never")), !!me.last_login_at);
    $("totp-state").textContent = me.totp_enabled
      ? t("On: you sign in with a code from your authenticator app.")
      : t("Off: you sign in with your password only.");
    $("totp-enrol").hidden = me.totp_enabled;
  }

  async function loadKeys() {
    const keys = await fetchJSON("/api/v1/me/api-keys");
    $("keys").tBodies[0].replaceChildren(...keys.map((key) => accounts.keyRow(key, revokeKey)));
    $("no-keys").hidden = keys.length > 0;
  }

  async function revokeKey(key, button) {
    button.disabled = true;
    try {
      await sendJSON("DELETE", "/api/v1/me/api-keys/" + encodeURIComponent(key.key_id));
      await loadKeys();
    } catch (error) { showError(error.message); button.disabled = false; }
  }

  // The start of the chosen day in the browser's timezone, as an ISO time with its offset.
  function expiryOf(value) {
    if (!value) return null;
    const [year, month, day] = value.split("-").map(Number);
    return new Date(year, month - 1, day).toISOString();
  }

  function wireKeys() {
    const all = $("key-all");
    const boxes = () => $("key-scopes").querySelectorAll("input");
    all.addEventListener("change", () => { for (const box of boxes()) box.disabled = all.checked; });
    $("create-key").addEventListener("submit", async (submitted) => {
      submitted.preventDefault();
      const scopes = all.checked ? null : Array.from(boxes()).filter((box) => box.checked).map((box) => box.value);
      if (scopes != null && scopes.length === 0) { showError(t("Choose at least one permission, or everything.")); return; }
      $("create-key-submit").disabled = true;
      try {
        const created = await sendJSON("POST", "/api/v1/me/api-keys", {
          name: $("key-name").value.trim(), scopes: scopes, expires_at: expiryOf($("key-expires").value),
        });
        $("create-key").reset();
        for (const box of boxes()) box.disabled = true;
        $("new-key").textContent = created.token;
        accounts.openDialog("key-dialog");
        await loadKeys();
      } catch (error) {
        showError(error.message);
      } finally {
        $("create-key-submit").disabled = false;
      }
    });
    $("key-close").addEventListener("click", () => { $("new-key").textContent = ""; $("key-dialog").close(); });
  }

  async function loadSessions() {
    const sessions = await fetchJSON("/api/v1/me/sessions");
    $("sessions").tBodies[0].replaceChildren(...sessions.map((session) => {
      const row = document.createElement("tr");
      if (session.current) row.className = "current";
      row.append(
        cell(accounts.time(session.created_at), null, true),
        session.client_address ? cell(session.client_address, null, true) : cell(t("not recorded")),
        session.user_agent ? cell(session.user_agent, "agent", true) : cell(t("not recorded")),
        cell(accounts.time(session.expires_at), null, true),
        cell(session.current ? t("this browser") : ""),
      );
      return row;
    }));
    $("end-others").disabled = sessions.every((session) => session.current);
  }

  function wireSessions() {
    $("end-others").addEventListener("click", async () => {
      $("end-others").disabled = true;
      try {
        const answer = await sendJSON("POST", "/api/v1/me/sessions/end-others");
        $("sessions-state").textContent = t("Signed out of {count} other sessions.", { count: formatNumber(answer.ended) });
        await loadSessions();
      } catch (error) { showError(error.message); $("end-others").disabled = false; }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    accounts.sayZone($("account-timezone"));
    wireKeys();
    wireSessions();
    Promise.all([loadMe(), loadKeys(), loadSessions()]).catch((error) => showError(error.message));
  });
})();

"use strict";
// One user: what the account is, and for those who may manage users, its role and sites,
// disabling or enabling it, resetting its password (a one-time password shown once) or
// its second factor, and revoking its API keys. The API enforces the scoped-admin rules.
(function () {
  const $ = (id) => document.getElementById(id);
  const root = $("user-page");
  const userId = root.dataset.user;
  const self = root.dataset.self === "yes";
  const base = "/api/v1/users/" + encodeURIComponent(userId);
  const manage = may("users:manage");
  let current = null;

  function fact(id, text, data) {
    const element = $(id);
    element.textContent = text;
    if (data) element.setAttribute("translate", "no"); else element.removeAttribute("translate");
  }

  function show(user) {
    current = user;
    $("user-name").textContent = user.username;
    const state = $("user-state");
    state.textContent = user.disabled ? t("disabled") : t("active");
    state.className = "status " + (user.disabled ? "status-offline" : "status-online");
    fact("fact-role", accounts.ROLES[user.role] || user.role, false);
    fact("fact-sites", accounts.sitesText(user.site_scope), user.site_scope != null);
    fact("fact-totp", user.totp_enabled ? t("on") : t("off"), false);
    fact("fact-password", user.must_change_password ? t("must be changed at the next sign-in") : t("chosen by the user"), false);
    fact("fact-created", accounts.time(user.created_at), true);
    fact("fact-login", accounts.time(user.last_login_at, t("never")), !!user.last_login_at);
    if (manage) {
      const edit = $("edit-user");
      if (!edit.contains(document.activeElement)) {
        $("edit-role").value = user.role;
        accounts.setScope("edit", user.site_scope);
      }
      $("toggle-disabled").textContent = user.disabled ? t("Enable") : t("Disable");
      $("toggle-disabled").className = user.disabled ? "" : "danger";
    }
  }

  async function load() {
    show(await fetchJSON(base));
    const keys = await fetchJSON(base + "/api-keys");
    $("user-keys").tBodies[0].replaceChildren(...keys.map((key) => accounts.keyRow(key, manage ? revokeKey : null)));
    $("no-keys").hidden = keys.length > 0;
  }

  async function revokeKey(key, button) {
    button.disabled = true;
    try {
      await sendJSON("DELETE", base + "/api-keys/" + encodeURIComponent(key.key_id));
      await load();
    } catch (error) { showError(error.message); button.disabled = false; }
  }

  // A confirmation dialog; `action` runs on "yes".
  function confirmThen(title, text, yes, action) {
    $("confirm-title").textContent = title;
    $("confirm-text").textContent = text;
    $("confirm-yes").textContent = yes;
    const dialog = accounts.openDialog("confirm-dialog");
    $("confirm-yes").onclick = async () => {
      dialog.close();
      try { await action(); await load(); } catch (error) { showError(error.message); }
    };
  }

  function wireManage() {
    if (!manage) return;
    $("confirm-no").addEventListener("click", () => $("confirm-dialog").close());
    if (self) {
      $("self-note").hidden = false;
      for (const id of ["toggle-disabled", "reset-password", "reset-totp"]) $(id).hidden = true;
    }
    $("edit-user").addEventListener("submit", async (submitted) => {
      submitted.preventDefault();
      const scope = accounts.chosenScope("edit");
      if (scope != null && scope.length === 0) { showError(t("Choose at least one site, or every site.")); return; }
      const change = { role: $("edit-role").value };
      const same = JSON.stringify(scope) === JSON.stringify(current.site_scope);
      if (!same) change.site_scope = scope;
      $("save-state").textContent = "";
      try {
        show(await sendJSON("PATCH", base, change));
        $("save-state").textContent = t("Saved.");
      } catch (error) { showError(error.message); }
    });
    $("toggle-disabled").addEventListener("click", () => {
      if (current.disabled) {
        confirmThen(t("Enable this user?"), t("They can sign in again; their old API keys stay revoked."), t("Enable"),
          () => sendJSON("PATCH", base, { disabled: false }));
      } else {
        confirmThen(t("Disable this user?"), t("Their sessions end now and their API keys are revoked for good."), t("Disable"),
          () => sendJSON("PATCH", base, { disabled: true }));
      }
    });
    $("reset-password").addEventListener("click", () => {
      confirmThen(t("Reset this user's password?"), t("Their sessions end; they sign in with a one-time password and must choose a new one."), t("Reset password"),
        async () => {
          const reset = await sendJSON("POST", base + "/password-reset");
          $("one-time-password").textContent = reset.password;
          accounts.openDialog("password-dialog");
        });
    });
    $("reset-totp").addEventListener("click", () => {
      confirmThen(t("Reset this user's second factor?"), t("Their sessions end; they set up an authenticator app again at their next sign-in."), t("Reset second factor"),
        () => sendJSON("POST", base + "/totp-reset"));
    });
    $("password-close").addEventListener("click", () => {
      $("one-time-password").textContent = "";
      $("password-dialog").close();
    });
  }

  document.addEventListener("DOMContentLoaded", async () => {
    accounts.sayZone($("user-timezone"));
    wireManage();
    try {
      if (manage) await accounts.fillScope("edit");
      await load();
    } catch (error) { showError(error.message); }
  });
})();

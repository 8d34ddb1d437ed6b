"use strict";
// The users an administrator may see (the API leaves out those outside its scope): role,
// sites, state, second factor and last sign-in, each row leading to the user's page; for
// those who may manage users, creating one, whose one-time password is shown once.
(function () {
  const $ = (id) => document.getElementById(id);
  const body = $("users").tBodies[0];

  function stateText(user) {
    if (user.disabled) return t("disabled");
    if (user.must_change_password) return t("must change password");
    return t("active");
  }

  function userRow(user) {
    const row = document.createElement("tr");
    row.dataset.user = user.username;
    const name = document.createElement("td");
    const link = document.createElement("a");
    link.href = "/users/" + encodeURIComponent(user.user_id);
    link.textContent = user.username; link.translate = false;
    name.append(link);
    row.append(
      name,
      cell(accounts.ROLES[user.role] || user.role),
      user.site_scope == null ? cell(t("every site")) : cell(user.site_scope.join(", "), null, true),
      cell(stateText(user), user.disabled ? "status status-offline" : null),
      cell(user.totp_enabled ? t("on") : t("off")),
      user.last_login_at ? cell(accounts.time(user.last_login_at), null, true) : cell(t("never")),
    );
    return row;
  }

  async function load() {
    const users = await fetchJSON("/api/v1/users");
    body.replaceChildren(...users.map(userRow));
    $("no-users").hidden = users.length > 0;
  }

  function wireCreate() {
    const button = $("new-user");
    if (!button) return;
    const dialog = $("create-dialog");
    accounts.fillScope("create").catch((error) => showError(error.message));
    button.addEventListener("click", () => { accounts.openDialog("create-dialog"); $("create-username").focus(); });
    $("create-cancel").addEventListener("click", () => dialog.close());
    $("create-user").addEventListener("submit", async (submitted) => {
      submitted.preventDefault();
      const scope = accounts.chosenScope("create");
      if (scope != null && scope.length === 0) { showError(t("Choose at least one site, or every site.")); return; }
      $("create-submit").disabled = true;
      try {
        const created = await sendJSON("POST", "/api/v1/users", {
          username: $("create-username").value.trim(), role: $("create-role").value, site_scope: scope,
        });
        dialog.close();
        $("create-user").reset();
        accounts.setScope("create", null);
        $("password-user").textContent = created.username;
        $("one-time-password").textContent = created.password;
        accounts.openDialog("password-dialog");
        await load();
      } catch (error) {
        showError(error.message);
      } finally {
        $("create-submit").disabled = false;
      }
    });
    $("password-close").addEventListener("click", () => {
      $("one-time-password").textContent = "";
      $("password-dialog").close();
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    accounts.sayZone($("users-timezone"));
    wireCreate();
    load().catch((error) => showError(error.message));
  });
})();

"use strict";
// What the accounts pages (users.js, user.js, account.js) share: role names, the
// browser's timezone (accounts belong to no one site, so their times are the reader's
// own, said so on the page), the site-scope checkboxes and the API key table. Secrets
// (one-time passwords, new keys) are shown in a dialog once and kept nowhere else.
var accounts = (function () {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const ROLES = {
    admin: t("administrator"), operator: t("operator"), privacy_officer: t("privacy officer"),
    auditor: t("auditor"), viewer: t("viewer"),
  };

  function time(iso, otherwise) {
    return iso ? formatTime(iso, zone) : otherwise;
  }

  function sayZone(element) {
    fillText(element, t("Times in your browser's timezone: {zone}"), { zone: zone });
  }

  function sitesText(scope) {
    return scope == null ? t("every site") : scope.join(", ");
  }

  // The site checkboxes of a scope fieldset (_account_macros.html): the sites the signed-in
  // operator sees; "every site" (for admins without a scope) greys them out.
  async function fillScope(prefix) {
    const holder = document.getElementById(prefix + "-sites");
    const all = document.getElementById(prefix + "-all-sites");
    const sites = await fetchJSON("/api/v1/sites");
    for (const site of sites) {
      const label = document.createElement("label");
      label.className = "check";
      const box = document.createElement("input");
      box.type = "checkbox"; box.value = site.site_id; box.name = prefix + "-site";
      const name = document.createElement("span");
      name.translate = false; name.textContent = site.name + " (" + site.site_id + ")";
      label.append(box, " ", name);
      holder.append(label);
    }
    const sync = () => { for (const box of holder.querySelectorAll("input")) box.disabled = !!(all && all.checked); };
    if (all) all.addEventListener("change", sync);
    sync();
  }

  function setScope(prefix, scope) {
    const all = document.getElementById(prefix + "-all-sites");
    if (all) { all.checked = scope == null; all.dispatchEvent(new Event("change")); }
    for (const box of document.getElementById(prefix + "-sites").querySelectorAll("input")) {
      box.checked = scope != null && scope.includes(box.value);
    }
  }

  // The scope chosen: null for every site, else the checked sites.
  function chosenScope(prefix) {
    const all = document.getElementById(prefix + "-all-sites");
    if (all && all.checked) return null;
    return Array.from(document.getElementById(prefix + "-sites").querySelectorAll("input:checked"), (box) => box.value);
  }

  function keyState(key) {
    if (key.revoked_at) return t("revoked {time}", { time: time(key.revoked_at) });
    if (key.expires_at && new Date(key.expires_at) <= new Date()) return t("expired");
    return t("active");
  }

  // One row of an API key table; `revoke` (a function) adds the Revoke button to live keys.
  function keyRow(key, revoke) {
    const row = document.createElement("tr");
    row.dataset.key = key.key_id;
    const actions = document.createElement("td");
    if (revoke && !key.revoked_at) {
      const button = document.createElement("button");
      button.type = "button"; button.className = "danger"; button.textContent = t("Revoke");
      button.setAttribute("aria-label", t("Revoke key {name}", { name: key.name }));
      button.addEventListener("click", () => revoke(key, button));
      actions.append(button);
    }
    row.append(
      cell(key.name, null, true),
      cell(key.key_id, null, true),
      key.scopes == null ? cell(t("everything the role may do")) : cell(key.scopes.join(", "), null, true),
      cell(time(key.created_at), null, true),
      key.expires_at ? cell(time(key.expires_at), null, true) : cell(t("never")),
      cell(keyState(key), key.revoked_at ? "muted" : null),
      actions,
    );
    return row;
  }

  function openDialog(id) {
    const dialog = document.getElementById(id);
    if (dialog && !dialog.open) dialog.showModal();
    return dialog;
  }

  return { time, sayZone, sitesText, fillScope, setScope, chosenScope, keyRow, openDialog, ROLES, zone };
})();

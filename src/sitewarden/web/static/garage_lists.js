"use strict";
// Lists and permits of a site: every allow and deny entry and permit with its plate
// masked (in full after a purpose, for roles that may), its window in the site's time and
// its state; for managers, adding, editing, expiring and deleting with a reason, and CSV
// import (refused whole when any row is wrong, each bad row listed) and export.
(function () {
  const $ = (id) => document.getElementById(id);
  const manage = may("parking:manage");
  const TYPES = { allow: t("Allow list"), deny: t("Deny list"), permit: t("Permit") };
  const KINDS = { resident: t("Resident"), staff: t("Staff"), visitor: t("Visitor"), other: t("Other") };
  const STATES = { active: t("active"), upcoming: t("not yet valid"), expired: t("expired") };
  let site = null;
  let picker = null;
  let purpose = null;
  let rules = [];
  let editing = null; // the rule being edited, or null when adding
  let pendingAction = null;

  const zone = () => picker.timeZoneOf(site);
  const when = (iso) => (iso ? formatTime(iso, zone()) : "—");

  function row(rule) {
    const tr = document.createElement("tr");
    tr.dataset.id = rule.rule_id; tr.dataset.type = rule.type; tr.dataset.state = rule.state;
    tr.append(
      cell(TYPES[rule.type], "kind-" + rule.type),
      cell(rule.plate == null ? (rule.disclosure === "erased" ? t("erased") : t("hidden")) : rule.plate, "plate", rule.plate != null),
      cell(rule.zone_id || t("every garage"), null, !!rule.zone_id),
    );
    if (rule.type === "permit") tr.append(cell(KINDS[rule.permit_kind] || rule.permit_kind));
    else tr.append(cell(rule.reason, null, true));
    tr.append(cell(when(rule.valid_from), null, !!rule.valid_from), cell(when(rule.valid_until), null, !!rule.valid_until),
      cell(STATES[rule.state], "state-" + rule.state));
    if (manage) {
      const td = document.createElement("td");
      const edit = button(t("Edit"), () => startEdit(rule));
      const expire = button(t("Expire"), () => ask(rule, "expire"));
      expire.disabled = rule.state === "expired";
      const remove = button(t("Delete"), () => ask(rule, "delete"));
      remove.className = "danger";
      td.append(edit, expire, remove);
      tr.append(td);
    }
    return tr;
  }

  function button(text, action) {
    const b = document.createElement("button");
    b.type = "button"; b.textContent = text;
    b.addEventListener("click", action);
    return b;
  }

  async function load() {
    let url = garage.parking(site) + "/vehicle-rules";
    if (purpose) url += "?purpose=" + encodeURIComponent(purpose);
    rules = await fetchJSON(url);
    $("rules").replaceChildren(...rules.map(row));
    const active = rules.filter((r) => r.state === "active").length;
    $("rules-summary").textContent = rules.length
      ? t("{count} entries and permits, {active} in force", { count: formatNumber(rules.length), active: formatNumber(active) })
      : t("No list entries or permits yet.");
    $("lists-page").dataset.loaded = site;
  }

  async function changeSite() {
    site = $("site").value;
    garage.rememberSite(site);
    sayTimeZone($("site-timezone"), zone());
    purpose = null;
    if ($("purpose-state")) $("purpose-state").textContent = "";
    if (manage) await garage.fillGarages($("rule-garage"), site);
    await load();
  }

  // --- adding and editing --------------------------------------------------------------
  function showKind() {
    const permit = $("rule-type").value === "permit";
    $("rule-kind-field").hidden = !permit;
    $("rule-from").required = permit; $("rule-until").required = permit;
  }

  function startEdit(rule) {
    editing = rule;
    $("rule-form-heading").textContent = t("Change an entry or permit");
    $("rule-type").value = rule.type;
    for (const option of $("rule-type").options) option.disabled = (option.value === "permit") !== (rule.type === "permit");
    $("rule-plate").value = rule.plate || "";
    $("rule-plate").disabled = true;
    $("rule-garage").value = rule.zone_id || "";
    if (rule.permit_kind) $("rule-kind").value = rule.permit_kind;
    $("rule-from").value = isoToSiteInput(rule.valid_from, zone());
    $("rule-until").value = isoToSiteInput(rule.valid_until, zone());
    $("rule-reason").value = rule.type === "permit" ? "" : rule.reason;
    $("save-rule").textContent = t("Save changes");
    $("cancel-edit").hidden = false;
    showKind();
    $("rule-type").focus();
  }

  function stopEdit() {
    editing = null;
    $("rule-form").reset();
    $("rule-form-heading").textContent = t("Add an entry or permit");
    for (const option of $("rule-type").options) option.disabled = false;
    $("rule-plate").disabled = false;
    $("save-rule").textContent = t("Add");
    $("cancel-edit").hidden = true;
    showKind();
  }

  async function saveRule(event) {
    event.preventDefault();
    const type = $("rule-type").value;
    const body = {
      type: type,
      zone_id: $("rule-garage").value || null,
      permit_kind: type === "permit" ? $("rule-kind").value : null,
      reason: $("rule-reason").value.trim(),
      valid_from: siteInputToISO($("rule-from").value, zone()),
      valid_until: siteInputToISO($("rule-until").value, zone()),
    };
    try {
      if (editing) {
        await sendJSON("PATCH", garage.parking(site) + "/vehicle-rules/" + encodeURIComponent(editing.rule_id), body);
        $("rule-state").textContent = t("Saved.");
      } else {
        body.plate = $("rule-plate").value.trim();
        await sendJSON("POST", garage.parking(site) + "/vehicle-rules", body);
        $("rule-state").textContent = t("Added.");
      }
      stopEdit();
      await load();
    } catch (error) {
      showError(error.message);
    }
  }

  // --- expiring and deleting, each with a reason ---------------------------------------
  function ask(rule, action) {
    pendingAction = { rule: rule, action: action };
    const plate = rule.plate || rule.rule_id;
    if (action === "expire") {
      $("reason-dialog-title").textContent = t("End this entry now?");
      fillText($("reason-dialog-text"), t("{plate} stops counting at the gate from now on; the entry stays on record."), { plate });
      $("confirm-reason").textContent = t("Expire");
    } else {
      $("reason-dialog-title").textContent = t("Delete this entry?");
      fillText($("reason-dialog-text"), t("{plate} is removed from the list; the audit log keeps that you did it."), { plate });
      $("confirm-reason").textContent = t("Delete");
    }
    $("reason-input").value = "";
    $("reason-dialog").showModal();
  }

  async function confirmAction(event) {
    event.preventDefault();
    const pending = pendingAction;
    const reason = $("reason-input").value.trim();
    if (!pending || !reason) return;
    $("reason-dialog").close();
    const url = garage.parking(site) + "/vehicle-rules/" + encodeURIComponent(pending.rule.rule_id);
    try {
      if (pending.action === "expire") await sendJSON("POST", url + "/expire", { reason: reason });
      else await sendJSON("DELETE", url + "?reason=" + encodeURIComponent(reason));
      await load();
    } catch (error) {
      showError(error.message);
    }
  }

  // --- CSV ---------------------------------------------------------------------------
  async function importRules(event) {
    event.preventDefault();
    const file = $("import-file").files[0];
    if (!file) return;
    const list = $("import-problem-list");
    $("import-problems").hidden = true; list.replaceChildren();
    $("import-state").textContent = t("Checking…");
    try {
      const stored = await sendJSON("POST", garage.parking(site) + "/vehicle-rules/import",
        { csv: await file.text(), reason: $("import-reason").value.trim() });
      $("import-state").textContent = t("Imported {count} rows.", { count: formatNumber(stored.stored) });
      $("import-form").reset();
      await load();
    } catch (error) {
      $("import-state").textContent = "";
      const problems = (error.answer && error.answer.problems) || [];
      if (!problems.length) { showError(error.message); return; }
      $("import-problems-title").textContent = t("Nothing was imported: {count} rows are wrong. Correct them and import the file again.", { count: formatNumber(problems.length) });
      list.replaceChildren(...problems.map((p) => {
        const li = document.createElement("li");
        li.dataset.line = String(p.line);
        fillText(li, t("Line {line}: {problem}"), { line: p.line, problem: p.problem });
        return li;
      }));
      $("import-problems").hidden = false;
    }
  }

  function exportRules(event) {
    event.preventDefault();
    const why = $("export-purpose").value;
    if (!why) return;
    location.assign(garage.parking(site) + "/vehicle-rules/export?purpose=" + encodeURIComponent(why));
  }

  async function start() {
    picker = await garage.pickSite($("site"));
    $("site").addEventListener("change", () => changeSite().catch((e) => showError(e.message)));
    const purposeForm = $("purpose-form");
    if (purposeForm) purposeForm.addEventListener("submit", (event) => {
      event.preventDefault();
      purpose = $("purpose").value || null;
      if (!purpose) return;
      load().then(() => { $("purpose-state").textContent = t("Plates shown in full; recorded in the audit log."); })
        .catch((e) => showError(e.message));
    });
    if (manage) {
      $("rule-type").addEventListener("change", showKind);
      $("rule-form").addEventListener("submit", saveRule);
      $("cancel-edit").addEventListener("click", stopEdit);
      $("reason-form").addEventListener("submit", confirmAction);
      $("cancel-reason").addEventListener("click", () => $("reason-dialog").close());
      $("import-form").addEventListener("submit", importRules);
      const exportForm = $("export-form");
      if (exportForm) exportForm.addEventListener("submit", exportRules);
      showKind();
    }
    if (site === null && $("site").value) await changeSite();
  }

  start().catch((error) => showError(error.message));
})();

"use strict";
// Alerts: the list from the API, kept live by the SSE stream; acknowledge and resolve.
(function () {
  const body = document.getElementById("alerts");
  const status = document.getElementById("alert-status");
  const filter = document.getElementById("state-filter");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  async function act(alert, action) {
    const note = window.prompt(action === "acknowledge" ? "Note (what you are doing):" : "Note (how it ended):", "");
    if (note === null) return;
    const response = await fetch("/api/v1/alerts/" + encodeURIComponent(alert.alert_id) + "/" + action, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ note: note || null }),
    });
    if (!response.ok) status.textContent = "error: " + ((await response.json()).message || response.statusText);
    refresh();
  }

  function button(label, alert, action) {
    const b = document.createElement("button");
    b.type = "button"; b.textContent = label; b.dataset.action = action;
    b.addEventListener("click", () => act(alert, action));
    return b;
  }

  async function refresh() {
    const params = new URLSearchParams({ limit: "200" });
    if (filter.value === "active") { params.append("state", "open"); params.append("state", "acknowledged"); }
    else params.append("state", "resolved");
    try {
      const page = await fetchJSON("/api/v1/alerts?" + params);
      body.replaceChildren(...page.alerts.map((alert) => {
        const tr = document.createElement("tr");
        tr.dataset.state = alert.state; tr.dataset.rule = alert.rule_id;
        const where = [alert.site_id, alert.zone_id, alert.device_id].filter(Boolean).join(" / ");
        const actions = document.createElement("td");
        if (alert.state === "open") actions.append(button("Acknowledge", alert, "acknowledge"));
        if (alert.state !== "resolved") actions.append(button("Resolve", alert, "resolve"));
        tr.append(cell(formatTime(alert.last_at)), cell(alert.severity, "sev sev-" + alert.severity),
          cell(alert.state + (alert.escalated_at ? " (escalated)" : "")), cell(alert.title), cell(where),
          cell(alert.count), actions);
        return tr;
      }));
      status.textContent = "live · " + page.alerts.length + " shown";
    } catch (error) {
      status.textContent = "error: " + error.message;
    }
  }

  const stream = new EventSource("/api/v1/alerts/stream");
  stream.addEventListener("alert", refresh);
  stream.onerror = () => { status.textContent = "reconnecting…"; };
  filter.addEventListener("change", refresh);
  refresh();
  setInterval(refresh, 30000);
})();

// The garage page's live part: each lane's card (its barrier, last decisions and last
// frame), opening a lane by hand, and the garages' occupancy now and over the day.
// garage.js loads and draws these through window.garageLanes; garage_view.js holds what
// they share with the rest of the page (the site, the purpose and the plates it opened).
"use strict";

var garageLanes = (function () {
  const view = garageView;
  const { $, REASON, when, siteUrl, withPurpose, remember, unknownSubjects, plateOf } = view;

  const KIND = {
    "parking.entry": t("entered"),
    "parking.exit": t("left"),
    "parking.denied": t("refused"),
    "parking.unpaid_exit": t("kept in"),
    "plate.read": t("read unsure: waits for a person"),
    "parking.manual_open": t("opened by hand"),
  };
  const GATE = { open: t("open"), closed: t("closed"), held: t("held shut") };
  const DIRECTION = { entry: t("Entry"), exit: t("Exit") };

  let chart = null;
  let lastLanes = [];
  // device_id -> { read, frame } : the lane's last frame, fetched once per new read (each
  // fetch is audited), shown only with the page's purpose to roles that see plates in full
  const laneFrames = new Map();

  // --- lanes --------------------------------------------------------------------------
  async function loadLanes() {
    let lanes = await fetchJSON(siteUrl("/lanes/status"));
    const decisions = lanes.flatMap((lane) => lane.decisions);
    if (unknownSubjects(decisions)) {
      lanes = await fetchJSON(withPurpose(siteUrl("/lanes/status"), true));
      remember(lanes.flatMap((lane) => lane.decisions));
    }
    if (view.purpose && may("personal:read")) await Promise.all(lanes.map(loadLaneFrame));
    lastLanes = lanes;
    renderLanes();
  }

  // The lane's last read (its time and vehicle): a new one is when its frame is fetched.
  function lastRead(lane) {
    const read = lane.decisions.find((decision) => decision.subject_id);
    return read ? read.at + " " + read.subject_id : null;
  }

  async function loadLaneFrame(lane) {
    const read = lastRead(lane);
    const known = laneFrames.get(lane.device_id);
    if (!read || (known && known.read === read)) return;
    laneFrames.set(lane.device_id, { read, frame: null });
    try {
      const url = siteUrl("/lanes/" + encodeURIComponent(lane.device_id) + "/frame?") + new URLSearchParams({ purpose: view.purpose });
      const fetched = await fetchPlateFrame(url);
      if (!fetched) return; // no frame with a plate was read at this lane (or it expired)
      const [width, height] = fetched.response.headers.get("X-Frame-Size").split(",").map(Number);
      const box = fetched.response.headers.get("X-Plate-Box").split(",").map(Number);
      laneFrames.set(lane.device_id, { read, frame: { source: fetched.source, width, height, box } });
    } catch (error) {
      showError(t("The frame could not be opened: {message}", { message: error.message }));
    }
  }

  function laneFramePart(lane) {
    if (!lastRead(lane)) return null;
    if (!may("personal:read")) {
      const note = document.createElement("p");
      note.className = "hint";
      note.textContent = t("The lane's last frame shows the plate in full, which your role does not see.");
      return note;
    }
    const known = view.purpose ? laneFrames.get(lane.device_id) : null;
    if (!known || !known.frame) return null;
    const { source, width, height, box } = known.frame;
    const figure = document.createElement("div");
    figure.className = "frame-full lane-frame";
    const image = document.createElement("img");
    image.width = width; image.height = height; image.src = source;
    image.alt = t("The last frame at {lane}, the plate outlined", { lane: lane.name });
    const outline = document.createElement("span");
    outline.className = "plate-box"; outline.setAttribute("aria-hidden", "true");
    outlinePlate(outline, width, height, box);
    figure.append(image, outline);
    return figure;
  }

  function decisionLine(decision) {
    const parts = [KIND[decision.kind] || decision.kind];
    if (decision.reason && decision.kind !== "parking.manual_open") parts.push(REASON[decision.reason] || decision.reason);
    if (decision.confidence != null) parts.push(t("confidence {value}", { value: Math.round(decision.confidence * 100) + "%" }));
    if (decision.frames > 1) parts.push(t("read alike in {count} frames", { count: decision.frames }));
    if (decision.fee_minor != null && decision.currency && decision.currency !== "XXX") parts.push(formatMoney(decision.fee_minor, decision.currency));
    return parts.join(" \u00b7 ");
  }

  function renderLanes() {
    const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.lane : null;
    const list = $("lanes");
    $("lanes-empty").hidden = lastLanes.length > 0;
    list.replaceChildren(...lastLanes.map((lane) => {
      const item = document.createElement("li");
      item.className = "lane gate-" + lane.gate;
      item.dataset.device = lane.device_id;
      const head = document.createElement("div");
      head.className = "lane-head";
      const name = document.createElement("h3");
      name.textContent = lane.name; name.translate = false;
      const direction = document.createElement("span");
      direction.className = "direction"; direction.textContent = DIRECTION[lane.direction] || lane.direction;
      const gate = document.createElement("span");
      gate.className = "gate-state"; gate.dataset.state = lane.gate;
      gate.textContent = t("Barrier: {state}", { state: GATE[lane.gate] || lane.gate });
      head.append(name, direction, gate);
      item.append(head);

      const last = lane.decisions[0];
      const latest = document.createElement("div");
      latest.className = "latest";
      if (last) {
        const plate = document.createElement("p");
        plate.className = "big-plate"; plate.translate = false;
        plate.textContent = last.subject_id ? plateOf(last.subject_id) : "\u2014";
        const what = document.createElement("p");
        what.className = "decision decision-" + last.kind.replace(".", "-");
        what.textContent = decisionLine(last);
        const at = document.createElement("p");
        at.className = "muted"; at.translate = false; at.textContent = when(last.at);
        latest.append(plate, what, at);
        if (last.kind === "parking.manual_open" && last.operator) {
          const who = document.createElement("p");
          who.className = "muted";
          fillText(who, t("by {operator}"), { operator: last.operator });
          latest.append(who);
        }
      } else {
        const none = document.createElement("p");
        none.className = "muted"; none.textContent = t("No vehicle in the last 7 days");
        latest.append(none);
      }
      item.append(latest);
      const frame = laneFramePart(lane);
      if (frame) item.append(frame);

      if (lane.pending_reviews > 0) {
        const link = document.createElement("a");
        link.href = "/garage/reviews?site=" + encodeURIComponent(lane.site_id);
        link.className = "pending";
        link.textContent = t("Reads waiting for a person: {count}", { count: formatNumber(lane.pending_reviews) });
        item.append(link);
      }
      if (lane.decisions.length > 1) {
        const recent = document.createElement("ol");
        recent.className = "recent";
        recent.setAttribute("aria-label", t("Earlier at this lane"));
        for (const decision of lane.decisions.slice(1)) {
          const row = document.createElement("li");
          const time = document.createElement("span");
          time.translate = false; time.textContent = when(decision.at).split(" ")[1] || when(decision.at);
          const plate = document.createElement("span");
          plate.className = "plate"; plate.translate = false;
          plate.textContent = decision.subject_id ? plateOf(decision.subject_id) : "";
          const what = document.createElement("span");
          what.textContent = decisionLine(decision);
          row.append(time, plate, what);
          recent.append(row);
        }
        item.append(recent);
      }
      if (may("parking:review")) {
        const open = document.createElement("button");
        open.type = "button"; open.className = "open-lane"; open.dataset.lane = lane.device_id;
        open.textContent = t("Open by hand");
        open.addEventListener("click", () => askOpen(lane));
        item.append(open);
      }
      return item;
    }));
    if (focused) {
      const again = list.querySelector('button[data-lane="' + CSS.escape(focused) + '"]');
      if (again) again.focus();
    }
  }

  let opening = null;
  function askOpen(lane) {
    opening = lane;
    $("open-lane").textContent = lane.name;
    $("open-reason").value = "";
    $("open-dialog").showModal();
    $("open-reason").focus();
  }

  async function confirmOpen(event) {
    event.preventDefault();
    const reason = $("open-reason").value.trim();
    if (reason.length < 3) { $("open-reason").focus(); return; }
    const lane = opening;
    $("open-dialog").close();
    try {
      await sendJSON("POST", siteUrl("/lanes/" + encodeURIComponent(lane.device_id) + "/open"), { reason });
      fillText($("garage-status"), t("The barrier of {lane} was opened by hand."), { lane: lane.name });
      await loadLanes();
    } catch (error) {
      showError(t("Opening the barrier failed: {message}", { message: error.message }));
    }
  }

  // --- occupancy ----------------------------------------------------------------------
  async function loadOccupancy() {
    const garages = await fetchJSON(siteUrl("/occupancy"));
    $("occupancy-empty").hidden = garages.length > 0;
    $("occupancy-now").replaceChildren(...garages.map((garage) => {
      const item = document.createElement("li");
      const name = document.createElement("span");
      name.className = "garage-name"; name.translate = false; name.textContent = garage.name;
      const count = document.createElement("span");
      count.className = "garage-count";
      count.textContent = garage.capacity
        ? t("{occupied} of {capacity} spaces taken", { occupied: formatNumber(garage.occupied), capacity: formatNumber(garage.capacity) })
        : t("vehicles parked: {occupied}", { occupied: formatNumber(garage.occupied) });
      item.append(name, count);
      if (garage.capacity) {
        const bar = document.createElement("span");
        bar.className = "fill"; bar.setAttribute("aria-hidden", "true");
        const inner = document.createElement("span");
        inner.style.width = Math.min(100, Math.round((100 * garage.occupied) / garage.capacity)) + "%";
        if (garage.occupied >= garage.capacity) bar.classList.add("full");
        bar.append(inner);
        item.append(bar);
      }
      return item;
    }));
    return garages;
  }

  function colour(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888"; }

  async function loadChart(garages) {
    const until = new Date();
    const since = new Date(until.getTime() - 24 * 3600 * 1000);
    const series = await Promise.all(garages.map((garage) => fetchJSON(siteUrl(
      "/garages/" + encodeURIComponent(garage.zone_id) + "/occupancy?" +
      new URLSearchParams({ since: since.toISOString(), until: until.toISOString(), step_minutes: "30" })))));
    const rows = [];
    garages.forEach((garage, index) => {
      for (const point of series[index]) rows.push([point.at, garage.name, point.occupied]);
    });
    $("occupancy-table").tBodies[0].replaceChildren(...rows.map(([at, name, occupied]) => {
      const tr = document.createElement("tr");
      tr.append(cell(when(at), "", true), cell(name, "", true), cell(formatNumber(occupied)));
      return tr;
    }));
    if (!window.Chart) return;
    const labels = (series[0] || []).map((point) => when(point.at).split(" ")[1].slice(0, 5));
    const palette = ["--accent", "--online", "--major", "--critical", "--minor"];
    const datasets = garages.map((garage, index) => ({
      label: garage.name, data: series[index].map((point) => point.occupied),
      borderColor: colour(palette[index % palette.length]), backgroundColor: colour(palette[index % palette.length]),
      pointRadius: 0, tension: 0.2,
    }));
    if (chart) chart.destroy();
    chart = new window.Chart($("occupancy-chart"), {
      type: "line", data: { labels, datasets },
      options: {
        animation: false, maintainAspectRatio: false,
        scales: {
          x: { ticks: { color: colour("--muted"), maxTicksLimit: 8 }, grid: { color: colour("--line") } },
          y: { beginAtZero: true, ticks: { color: colour("--muted"), precision: 0 }, grid: { color: colour("--line") } },
        },
        plugins: { legend: { labels: { color: colour("--ink") } } },
      },
    });
  }

  function forgetFrames() { laneFrames.clear(); }

  return { loadLanes, renderLanes, confirmOpen, loadOccupancy, loadChart, forgetFrames };
})();

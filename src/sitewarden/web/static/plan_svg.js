"use strict";
// Drawing a site plan as SVG: the plan's own coordinates (Site.plan_width × plan_height)
// are the SVG's viewBox, each placed device an icon at its x/y. Shared by the site plan
// page (plan.js) and the alarm detail (alerts.js). Colour is never the only cue: each
// kind has its own shape and glyph, each status its own outline (solid, dashed, dotted)
// and open alarms a badge with their count. Rendering uses textContent only.
(function () {
  const SVG = "http://www.w3.org/2000/svg";
  // Shape and a short glyph per DeviceKind; the glyph is a symbol (explained by the
  // legend), so it is marked translate="no" like other data.
  const KINDS = {
    access_reader: { shape: "square", glyph: "R", label: () => t("Access reader") },
    door_contact: { shape: "square", glyph: "D", label: () => t("Door contact") },
    plate_camera: { shape: "diamond", glyph: "LP", label: () => t("Plate camera") },
    camera: { shape: "diamond", glyph: "C", label: () => t("Camera") },
    people_counter: { shape: "circle", glyph: "P", label: () => t("People counter") },
    wifi_counter: { shape: "circle", glyph: "W", label: () => t("Wi-Fi counter") },
    smoke_detector: { shape: "triangle", glyph: "S", label: () => t("Smoke detector") },
    sprinkler_sensor: { shape: "triangle", glyph: "SP", label: () => t("Sprinkler sensor") },
    equipment_sensor: { shape: "circle", glyph: "E", label: () => t("Equipment sensor") },
    gateway: { shape: "square", glyph: "G", label: () => t("Gateway") },
  };
  const STATUS = { online: () => t("online"), offline: () => t("offline"), unknown: () => t("never seen") };

  function el(name, attributes) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, String(value));
    return node;
  }

  function kindOf(kind) {
    return KINDS[kind] || { shape: "circle", glyph: "?", label: () => kind };
  }

  // The icon's outline, centred on 0,0 with "radius" r.
  function shape(name, r) {
    if (name === "square") return el("rect", { x: -r * 0.85, y: -r * 0.85, width: r * 1.7, height: r * 1.7, rx: r * 0.2 });
    if (name === "diamond") return el("polygon", { points: [[0, -r * 1.15], [r * 1.15, 0], [0, r * 1.15], [-r * 1.15, 0]].join(" ") });
    if (name === "triangle") return el("polygon", { points: [[0, -r * 1.2], [r * 1.1, r * 0.8], [-r * 1.1, r * 0.8]].join(" ") });
    return el("circle", { r: r });
  }

  function iconSize(site) {
    return Math.max(8, Math.max(site.plan_width, site.plan_height) / 55);
  }

  // One device's icon: a <g> moved to its x/y by a transform; data-* say what it shows.
  function icon(device, r, alarms) {
    const kind = kindOf(device.kind);
    const g = el("g", { class: "plan-device status-" + device.status, "data-device": device.device_id, "data-status": device.status });
    g.append(el("circle", { class: "plan-focus", r: r * 1.6 })); // shown on focus and when chosen
    g.append(shape(kind.shape, r));
    const glyph = el("text", { class: "plan-glyph", "text-anchor": "middle", "dominant-baseline": "central", "font-size": r * (kind.glyph.length > 1 ? 0.8 : 1.1), translate: "no" });
    glyph.textContent = kind.glyph;
    g.append(glyph);
    if (alarms > 0) {
      g.dataset.alarms = String(alarms);
      g.classList.add("has-alarms");
      const badge = el("g", { class: "plan-alarm", transform: `translate(${r * 1.1},${-r * 1.1})` });
      badge.append(el("circle", { r: r * 0.75 }));
      const count = el("text", { "text-anchor": "middle", "dominant-baseline": "central", "font-size": r * 0.85 });
      count.textContent = "!" + (alarms > 1 ? formatNumber(alarms) : "");
      badge.append(count);
      g.append(badge);
    }
    const title = el("title");
    title.textContent = label(device, alarms);
    title.setAttribute("translate", "no");
    g.append(title);
    place(g, device.x, device.y);
    return g;
  }

  // "North gate camera (ng-camera), camera, offline, 2 open alarms": what the icon says
  // without its colour, for screen readers and the tooltip.
  function label(device, alarms) {
    const parts = [device.name + " (" + device.device_id + ")", kindOf(device.kind).label(), (STATUS[device.status] || (() => device.status))()];
    if (alarms > 0) parts.push(t("open alarms: {count}", { count: formatNumber(alarms) }));
    return parts.join(", ");
  }

  function place(g, x, y) {
    g.dataset.x = String(x); g.dataset.y = String(y);
    g.setAttribute("transform", `translate(${x},${y})`);
  }

  // The plan of `site` with its placed `devices`; `alarms` counts open alarms by device
  // id; `highlight` (a device id) draws that device larger and ringed, the others faint.
  function draw(site, devices, options) {
    const opts = options || {};
    const alarms = opts.alarms || {};
    const svg = el("svg", {
      class: "plan-svg", viewBox: `0 0 ${site.plan_width} ${site.plan_height}`,
      role: "group", preserveAspectRatio: "xMidYMid meet",
      // Names said here are data (site, zone and device names and ids) mixed with words
      // from t(); the same words show outside the plan, in the legend and the panel.
      translate: "no",
    });
    svg.append(el("rect", { class: "plan-floor", x: 0, y: 0, width: site.plan_width, height: site.plan_height }));
    if (opts.background) { // the site's floor-plan image, under everything else
      svg.append(el("image", {
        class: "plan-image", href: opts.background, x: 0, y: 0, width: site.plan_width,
        height: site.plan_height, preserveAspectRatio: "xMidYMid meet",
      }));
    }
    const r = iconSize(site) * (opts.scale || 1);
    if (opts.zones) svg.append(zoneLabels(opts.zones, devices, r));
    const layer = el("g", { class: "plan-devices" });
    for (const device of devices) {
      if (device.x == null || device.y == null) continue;
      const g = icon(device, r, alarms[device.device_id] || 0);
      if (opts.highlight) {
        if (device.device_id === opts.highlight) {
          g.classList.add("highlight");
          g.insertBefore(el("circle", { class: "plan-ring", r: r * 1.9 }), g.firstChild);
        } else g.classList.add("faint");
      }
      layer.append(g);
    }
    const chosen = opts.highlight && layer.querySelector(".highlight");
    if (chosen) layer.append(chosen); // drawn last: on top of its neighbours
    svg.append(layer);
    return svg;
  }

  // Zones have no outline of their own: each zone's name is written above its devices.
  function zoneLabels(zones, devices, r) {
    const layer = el("g", { class: "plan-zones", "aria-hidden": "true" });
    for (const zone of zones) {
      const inside = devices.filter((d) => d.zone_id === zone.zone_id && d.x != null && d.y != null);
      if (!inside.length) continue;
      const x = inside.reduce((sum, d) => sum + d.x, 0) / inside.length;
      const top = Math.min(...inside.map((d) => d.y));
      const bottom = Math.max(...inside.map((d) => d.y));
      // Above the zone's devices, or below them where the plan's edge leaves no room.
      const y = top - r * 2.2 >= r ? top - r * 2.2 : bottom + r * 2.6;
      const text = el("text", { class: "plan-zone-label", x: x, y: y, "text-anchor": "middle", "font-size": r * 0.9, translate: "no" });
      text.textContent = zone.name;
      layer.append(text);
    }
    return layer;
  }

  // The legend: one small SVG sample per kind and per status, with words.
  function legend(kinds) {
    const list = document.createElement("ul");
    list.className = "plan-legend";
    const sample = (kind, status, alarms) => {
      const svg = el("svg", { viewBox: "-14 -14 28 28", width: 24, height: 24, "aria-hidden": "true", class: "plan-svg plan-sample" });
      svg.append(icon({ device_id: "", name: "", kind: kind, status: status, x: 0, y: 0 }, 9, alarms));
      svg.querySelector("title").remove();
      if (alarms) svg.setAttribute("viewBox", "-14 -22 36 36");
      return svg;
    };
    const item = (svg, text) => {
      const li = document.createElement("li");
      const span = document.createElement("span");
      span.textContent = text;
      li.append(svg, span);
      list.append(li);
    };
    for (const kind of kinds || Object.keys(KINDS)) item(sample(kind, "online", 0), kindOf(kind).label());
    for (const status of ["online", "offline", "unknown"]) item(sample("equipment_sensor", status, 0), STATUS[status]() + " · " + outlineWord(status));
    item(sample("equipment_sensor", "online", 1), t("open alarm (with count)"));
    return list;
  }

  function outlineWord(status) {
    return { online: t("solid outline"), offline: t("dashed outline"), unknown: t("dotted outline") }[status];
  }

  window.sitePlan = { draw, legend, label, place, iconSize, kindLabel: (kind) => kindOf(kind).label(), statusLabel: (status) => (STATUS[status] || (() => status))() };
})();

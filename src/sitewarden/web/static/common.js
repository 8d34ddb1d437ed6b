// Shared helpers for sitewarden pages. Rendering uses textContent only (no HTML injection).
// base.html loads this file on every page; a page's own script comes after it.
//
// - t("English text", {name: value}): the text in the page's language (base.html renders
//   the catalogue's JS strings as the #i18n-strings data block); {name} is filled in.
//   Pass string literals only, so `pybabel extract -k t` finds them (docs/console.md).
// - formatTime(iso, timeZone), formatNumber(n): by the page's locale (<html lang>).
// - currencyDigits("JPY"): the digits of a currency's minor unit (CNY 2, JPY 0, KWD 3).
// - formatMoney(minor, currency): an amount in minor units as money, "CN¥12.50", "¥500".
// - minorToInput(minor, currency), inputToMinor(text, currency): minor units to and from
//   a number input's text in major units (1250 CNY <-> "12.50", 500 JPY <-> "500").
// - wallClockAt(instant, zone): an instant as the zone's wall clock, "2026-12-04T09:30:12".
// - wallClockToDate(text, zone): a wall clock in the zone back to its instant (a Date).
// - isoToSiteInput(iso, zone), siteInputToISO(value, zone): a datetime-local input in a
//   site's timezone to and from an ISO instant ("2026-12-04T09:30" <-> "…T01:30:00Z").
// - showError(message): a banner (role=alert) that stays until the operator dismisses it.
// - may("alerts:handle"): whether the signed-in operator may use a permission.
// - denialReason("not_enrolled"): a door decision's reason code in the page's language.
// - fetchJSON(url): a GET's JSON. sendJSON(method, url, payload): a change with the
//   session's CSRF token (payload as JSON, or a FormData or file as it is); the answer's
//   JSON, null for 204. Both go to the sign-in page on 401 and otherwise throw an Error
//   carrying the API's message (sendJSON's also carries the parsed answer as `.answer`).
"use strict";

var sitewardenStrings = (function () {
  const block = document.getElementById("i18n-strings");
  try { return block ? JSON.parse(block.textContent) : {}; } catch (_) { return {}; }
})();

var sitewardenPermissions = (function () {
  const block = document.getElementById("operator-permissions");
  try { return new Set(block ? JSON.parse(block.textContent) : []); } catch (_) { return new Set(); }
})();

function t(text, values) {
  const translated = Object.prototype.hasOwnProperty.call(sitewardenStrings, text) ? sitewardenStrings[text] : text;
  if (!values) return translated;
  return translated.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

function may(permission) {
  return sitewardenPermissions.has(permission);
}

// The reasons a door decision gives (sitewarden's own, and those a controller may send as
// the same codes, docs/access.md), in the page's language; a device's own words are null.
const DENIAL_REASONS = {
  not_enrolled: t("not enrolled"), outside_schedule: t("outside the schedule"), holiday: t("holiday"),
  not_permitted: t("not permitted here"), barred: t("barred"), expired: t("expired"),
  not_yet_valid: t("not yet valid"), revoked: t("badge revoked"), no_clear_face: t("no clear face"),
  face_too_small: t("face too small"), ambiguous: t("ambiguous face"), no_consent: t("no consent"),
};

function denialReason(code) {
  return Object.prototype.hasOwnProperty.call(DENIAL_REASONS, code) ? DENIAL_REASONS[code] : null;
}

function pageLocale() {
  return document.documentElement.lang || "en";
}

async function fetchJSON(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (response.status === 401) { window.location.assign("/login?next=" + encodeURIComponent(location.pathname)); throw new Error(t("signed out")); }
  if (!response.ok) {
    let message = response.statusText;
    try { message = (await response.json()).message || message; } catch (_) { /* not JSON */ }
    throw new Error(message);
  }
  return response.json();
}

// One place for every change the console sends (POST/PUT/PATCH/DELETE): the CSRF token
// the session cookie needs, a 401 handled as fetchJSON does, and a refusal as an Error
// with the API's message and its whole answer (e.g. an import's `problems`) as `.answer`.
async function sendJSON(method, url, payload) {
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const options = { method: method, credentials: "same-origin", headers: { "X-CSRF-Token": csrf, Accept: "application/json" } };
  if (payload instanceof FormData) options.body = payload;
  else if (payload instanceof Blob) { options.headers["Content-Type"] = payload.type || "application/octet-stream"; options.body = payload; }
  else if (payload !== undefined) { options.headers["Content-Type"] = "application/json"; options.body = JSON.stringify(payload); }
  const response = await fetch(url, options);
  if (response.status === 401) { window.location.assign("/login?next=" + encodeURIComponent(location.pathname)); throw new Error(t("signed out")); }
  if (!response.ok) {
    let answer = {};
    try { answer = (await response.json()) || {}; } catch (_) { /* not JSON */ }
    const error = new Error(answer.message || response.statusText || String(response.status));
    error.answer = answer;
    throw error;
  }
  return response.status === 204 ? null : response.json();
}

// A table cell; `data` marks values that are data, not UI text (ids, names, kinds), so
// translation tools and the zh-CN page test leave them alone.
function cell(text, className, data) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  if (className) td.className = className;
  if (data) td.setAttribute("translate", "no");
  return td;
}

// A translated sentence into an element, its {placeholders} filled with data (a timezone,
// a name) in spans marked translate="no", so the sentence is UI text and the data is not.
function fillText(element, template, values) {
  const parts = template.split(/\{(\w+)\}/);
  element.replaceChildren(...parts.map((part, i) => {
    if (i % 2 === 0) return document.createTextNode(part);
    const span = document.createElement("span");
    span.translate = false; span.textContent = String(values[part]);
    return span;
  }));
}

// "Times in the site's timezone: Asia/Shanghai", the zone's name marked as data.
function sayTimeZone(element, zone) {
  if (!zone) { element.replaceChildren(); return; }
  fillText(element, t("Times in the site's timezone: {zone}"), { zone });
}

// "2026-12-04 09:30:12 (Asia/Shanghai)" in English, "2026/12/04 09:30:12 (Asia/Shanghai)"
// in Chinese: the time where the site is, saying which zone that is. Without a zone (times
// of the server, not of a site: retention runs, records generated), the browser's own,
// named the same way.
function formatTime(iso, timeZone) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return String(iso);
  const options = { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" };
  if (timeZone) options.timeZone = timeZone;
  let parts;
  try { parts = new Intl.DateTimeFormat(pageLocale(), options).formatToParts(when); }
  catch (_) { delete options.timeZone; timeZone = null; parts = new Intl.DateTimeFormat(pageLocale(), options).formatToParts(when); }
  const part = Object.fromEntries(parts.map((p) => [p.type, p.value]));
  const dateSeparator = pageLocale().startsWith("zh") ? "/" : "-";
  const text = [part.year, part.month, part.day].join(dateSeparator) + " " + [part.hour, part.minute, part.second].join(":");
  const zone = timeZone || new Intl.DateTimeFormat().resolvedOptions().timeZone;
  return zone ? text + " (" + zone + ")" : text;
}

function formatNumber(value) {
  return new Intl.NumberFormat(pageLocale()).format(value);
}

// --- money: amounts are integers in the minor units of an ISO 4217 currency ------------

// Digits after the point, as Intl (CLDR) knows the currency; 2 for a code it refuses.
function currencyDigits(currency) {
  try { return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits; }
  catch (_) { return 2; }
}

// "—" for no amount; with no currency (XXX: no tariff) "free" for 0, else the bare number.
function formatMoney(minor, currency) {
  if (minor == null) return "\u2014";
  if (!currency || currency === "XXX") return minor === 0 ? t("free") : formatNumber(minor);
  try { return new Intl.NumberFormat(pageLocale(), { style: "currency", currency }).format(minor / 10 ** currencyDigits(currency)); }
  catch (_) { return formatNumber(minor) + " " + currency; }
}

// "" for no amount. minorToInput(1, currency) is one minor unit: the input's step.
function minorToInput(minor, currency) {
  if (minor == null) return "";
  const digits = currencyDigits(currency);
  return (minor / 10 ** digits).toFixed(digits);
}

// null for an empty input (or one that is no number).
function inputToMinor(text, currency) {
  const major = String(text == null ? "" : text).trim() === "" ? NaN : Number(text);
  return Number.isFinite(major) ? Math.round(major * 10 ** currencyDigits(currency)) : null;
}

// --- the wall clock where a site is (not the browser's) --------------------------------

// "" for no instant (or an unreadable one).
function wallClockAt(instant, zone) {
  const when = instant == null || instant === "" ? null : new Date(instant);
  if (!when || Number.isNaN(when.getTime())) return "";
  const p = Object.fromEntries(new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(when).map((part) => [part.type, part.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
}

// Seconds are optional; null for "" or text of another form. The zone's offset is taken
// twice, the second time at the first guess, so a wall clock just after a DST change
// gets the offset in force then.
function wallClockToDate(text, zone) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(text || "");
  if (!m) return null;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
  const offsetAt = (ms) => Date.parse(wallClockAt(ms, zone) + "Z") - Math.floor(ms / 1000) * 1000;
  return new Date(wall - offsetAt(wall - offsetAt(wall)));
}

// For datetime-local inputs to the minute: "" for none.
function isoToSiteInput(iso, zone) {
  return wallClockAt(iso, zone).slice(0, 16);
}

// null for an empty input; the instant with "Z" and no milliseconds.
function siteInputToISO(value, zone) {
  const instant = wallClockToDate(value, zone);
  return instant ? instant.toISOString().replace(".000Z", "Z") : null;
}

async function fillSites(select, withAll) {
  const sites = await fetchJSON("/api/v1/sites");
  for (const site of sites) {
    const option = document.createElement("option");
    option.value = site.site_id; option.textContent = site.name;
    option.setAttribute("translate", "no");
    select.appendChild(option);
  }
  if (!withAll && sites.length) select.value = sites[0].site_id;
  return sites;
}

// Errors stay until dismissed: a refresh that works does not hide one that came before.
// The same message again raises a count on its banner rather than stacking banners.
function showError(message) {
  const holder = document.getElementById("error-banners");
  const text = String(message);
  if (!holder) { window.alert(text); return; }
  for (const banner of holder.children) {
    if (banner.dataset.message === text) {
      const count = Number(banner.dataset.count) + 1;
      banner.dataset.count = String(count);
      banner.querySelector(".count").textContent = t("({count} times)", { count: formatNumber(count) });
      return;
    }
  }
  const banner = document.createElement("div");
  banner.className = "banner"; banner.setAttribute("role", "alert");
  banner.dataset.message = text; banner.dataset.count = "1";
  const body = document.createElement("span");
  body.textContent = t("Error:") + " " + text + " ";
  const count = document.createElement("span");
  count.className = "count";
  const dismiss = document.createElement("button");
  dismiss.type = "button"; dismiss.textContent = t("Dismiss");
  dismiss.addEventListener("click", () => banner.remove());
  banner.append(body, count, dismiss);
  holder.append(banner);
}

(function () {
  if (window.sitewardenFrame) return; // a template that still loads common.js itself
  window.sitewardenFrame = true;

  // Theme: light or dark as chosen (cookie, so the server renders it without a flash),
  // else the system's preference. The "Dark theme" button is pressed while dark shows.
  const root = document.documentElement;
  const dark = window.matchMedia("(prefers-color-scheme: dark)");
  const isDark = () => (root.dataset.theme ? root.dataset.theme === "dark" : dark.matches);

  function label(button) {
    button.setAttribute("aria-pressed", isDark() ? "true" : "false");
  }

  document.addEventListener("DOMContentLoaded", () => {
    const toggle = document.getElementById("theme-toggle");
    if (toggle) {
      label(toggle);
      toggle.addEventListener("click", () => {
        const theme = isDark() ? "light" : "dark";
        root.dataset.theme = theme;
        document.cookie = "sitewarden_theme=" + theme + "; path=/; max-age=31536000; samesite=lax";
        label(toggle);
      });
      dark.addEventListener("change", () => label(toggle));
    }
    // On phones each table row becomes a card (app.css) whose cells name their column:
    // every cell gets its header's text as data-label, also in rows added later and in
    // tables a page adds later (from a <template>).
    const labelGrid = (table) => {
      table.dataset.labelled = "1";
      const headers = Array.from(table.querySelectorAll("thead th"), (th) => th.textContent.trim());
      const label = () => {
        for (const row of table.querySelectorAll("tbody tr")) {
          Array.from(row.cells).forEach((td, index) => { if (headers[index]) td.dataset.label = headers[index]; });
        }
      };
      for (const body of table.tBodies) new MutationObserver(label).observe(body, { childList: true });
      label();
    };
    const labelNewGrids = () => document.querySelectorAll("table.grid:not([data-labelled])").forEach(labelGrid);
    labelNewGrids();
    new MutationObserver(labelNewGrids).observe(document.body, { childList: true, subtree: true });
    // The navigation folds into a menu button on narrow screens (app.css).
    const menu = document.querySelector(".nav-toggle");
    const nav = document.getElementById("site-nav");
    if (menu && nav) {
      menu.addEventListener("click", () => {
        const open = menu.getAttribute("aria-expanded") !== "true";
        menu.setAttribute("aria-expanded", open ? "true" : "false");
        nav.classList.toggle("open", open);
      });
    }
    // The navigation's menus: one open at a time; a click elsewhere or Escape closes them.
    const menus = Array.from(document.querySelectorAll("details.nav-menu"));
    const closeMenus = (except) => menus.forEach((m) => { if (m !== except) m.open = false; });
    menus.forEach((m) => m.addEventListener("toggle", () => { if (m.open) closeMenus(m); }));
    document.addEventListener("click", (event) => {
      if (!menus.some((m) => m.contains(event.target))) closeMenus(null);
    });
    document.addEventListener("keydown", (event) => {
      const open = menus.find((m) => m.open);
      if (event.key === "Escape" && open) { open.open = false; open.querySelector("summary").focus(); }
    });
  });
})();

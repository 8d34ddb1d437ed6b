"use strict";
// Shared by the garage's set-up pages (lists, tariffs, revenue): the site and garage
// pickers, and times typed in the site's timezone (datetime-local inputs) turned into
// instants and back. Money is common.js's (formatMoney and the like).
var garage = (function () {
  function parking(site) {
    return "/api/v1/parking/sites/" + encodeURIComponent(site);
  }

  // The site picker, preselected from ?site= (so a link or a reload keeps the site).
  async function pickSite(select) {
    const sites = await fillSites(select, false);
    const wanted = new URLSearchParams(location.search).get("site");
    if (wanted && sites.some((s) => s.site_id === wanted)) select.value = wanted;
    const zones = new Map(sites.map((s) => [s.site_id, s.timezone]));
    return { sites: sites, timeZoneOf: (id) => zones.get(id) || null };
  }

  function rememberSite(site) {
    const url = new URL(location.href);
    url.searchParams.set("site", site);
    history.replaceState(null, "", url);
  }

  // The garages (zones with lanes) of a site into a select, after any options it has.
  async function fillGarages(select, site) {
    const garages = await fetchJSON(parking(site) + "/occupancy");
    for (const extra of Array.from(select.querySelectorAll("option[data-garage]"))) extra.remove();
    for (const g of garages) {
      const option = document.createElement("option");
      option.value = g.zone_id; option.textContent = g.name + " (" + g.zone_id + ")";
      option.dataset.garage = "1"; option.setAttribute("translate", "no");
      select.appendChild(option);
    }
    return garages;
  }

  function offsetMinutes(instant, timeZone) {
    const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", {
      timeZone: timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    }).formatToParts(instant).map((p) => [p.type, p.value]));
    const asUtc = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
    return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60000);
  }

  // "2026-12-04T08:30" on the site's wall clock -> an ISO instant with Z ("" when empty).
  function siteLocalToIso(value, timeZone) {
    if (!value) return "";
    const [day, clock] = value.split("T");
    const [y, m, d] = day.split("-").map(Number);
    const [hh, mm] = clock.split(":").map(Number);
    const wall = Date.UTC(y, m - 1, d, hh, mm);
    let guess = wall - offsetMinutes(new Date(wall), timeZone) * 60000;
    guess = wall - offsetMinutes(new Date(guess), timeZone) * 60000; // across a DST change
    return new Date(guess).toISOString().replace(".000Z", "Z");
  }

  // An instant -> "2026-12-04T08:30" on the site's wall clock, for a datetime-local input.
  function isoToSiteLocal(iso, timeZone) {
    if (!iso) return "";
    const instant = new Date(iso);
    const local = new Date(instant.getTime() + offsetMinutes(instant, timeZone) * 60000);
    return local.toISOString().slice(0, 16);
  }

  return { parking, pickSite, rememberSite, fillGarages, siteLocalToIso, isoToSiteLocal };
})();

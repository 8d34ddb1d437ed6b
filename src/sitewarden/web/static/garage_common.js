"use strict";
// Shared by the garage's set-up pages (lists, tariffs, revenue): the parking API's
// address and the site and garage pickers. Money and times in the site's timezone are
// common.js's (formatMoney, siteInputToISO and the like).
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

  return { parking, pickSite, rememberSite, fillGarages };
})();

// Shared helpers for sitewarden pages. Rendering uses textContent only (no HTML injection).
"use strict";

async function fetchJSON(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (response.status === 401) { window.location.assign("/login?next=" + encodeURIComponent(location.pathname)); throw new Error("signed out"); }
  if (!response.ok) {
    let message = response.statusText;
    try { message = (await response.json()).message || message; } catch (_) { /* not JSON */ }
    throw new Error(message);
  }
  return response.json();
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  if (className) td.className = className;
  return td;
}

function formatTime(iso) {
  const when = new Date(iso);
  return when.toLocaleString("sv-SE", { hour12: false });
}

async function fillSites(select, withAll) {
  const sites = await fetchJSON("/api/v1/sites");
  for (const site of sites) {
    const option = document.createElement("option");
    option.value = site.site_id; option.textContent = site.name;
    select.appendChild(option);
  }
  if (!withAll && sites.length) select.value = sites[0].site_id;
  return sites;
}

"use strict";
// Payments per day, week (from Monday) or month of the site's calendar: a bar chart
// (chart.js) with the same figures in a table below it, the range's totals, and the CSV
// of exactly these figures from the API.
(function () {
  const $ = (id) => document.getElementById(id);
  const DEFAULT_DAYS = { day: 30, week: 84, month: 365 };
  let site = null;
  let picker = null;
  let period = "day";
  let chart = null;

  const timeZone = () => picker.timeZoneOf(site);
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";

  // Today on the site's calendar, as "YYYY-MM-DD".
  function siteToday() {
    return wallClockAt(new Date(), timeZone()).slice(0, 10);
  }

  function addDays(day, count) {
    const d = new Date(day + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + count);
    return d.toISOString().slice(0, 10);
  }

  function defaultRange() {
    const today = siteToday();
    $("revenue-to").value = today;
    $("revenue-from").value = addDays(today, 1 - DEFAULT_DAYS[period]);
  }

  function query() {
    const since = siteInputToISO($("revenue-from").value + "T00:00", timeZone());
    const until = siteInputToISO(addDays($("revenue-to").value, 1) + "T00:00", timeZone());
    return "?period=" + period + "&since=" + encodeURIComponent(since) + "&until=" + encodeURIComponent(until);
  }

  // Every period's first day from ``from`` to ``to`` (days "YYYY-MM-DD"), as the API
  // names them: a week from its Monday, a month from its first day.
  function periodStarts(from, to) {
    const first = new Date(from + "T00:00:00Z");
    if (period === "week") first.setUTCDate(first.getUTCDate() - ((first.getUTCDay() + 6) % 7));
    if (period === "month") first.setUTCDate(1);
    const starts = [];
    for (const d = first; d.toISOString().slice(0, 10) <= to && starts.length < 500;) {
      starts.push(d.toISOString().slice(0, 10));
      if (period === "day") d.setUTCDate(d.getUTCDate() + 1);
      else if (period === "week") d.setUTCDate(d.getUTCDate() + 7);
      else d.setUTCMonth(d.getUTCMonth() + 1);
    }
    return starts;
  }

  function draw(rows) {
    if (chart) { chart.destroy(); chart = null; }
    $("revenue-chart").parentElement.hidden = !rows.length;
    if (!rows.length || typeof Chart === "undefined") return;
    const currencies = [...new Set(rows.map((r) => r.currency))];
    const starts = periodStarts($("revenue-from").value, $("revenue-to").value); // gaps as zero
    const colours = [css("--accent"), css("--major"), css("--info")];
    chart = new Chart($("revenue-chart"), {
      type: "bar",
      data: {
        labels: starts,
        datasets: currencies.map((currency, i) => ({
          label: currency, maxBarThickness: 48,
          backgroundColor: colours[i % colours.length],
          data: starts.map((s) => { const r = rows.find((x) => x.start === s && x.currency === currency); return r ? r.amount_minor / 10 ** currencyDigits(currency) : 0; }),
        })),
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        plugins: { legend: { labels: { color: css("--ink") } } },
        scales: {
          x: { ticks: { color: css("--muted"), autoSkip: true, maxRotation: 0 }, grid: { color: css("--line") } },
          y: { beginAtZero: true, ticks: { color: css("--muted") }, grid: { color: css("--line") } },
        },
      },
    });
  }

  function totals(rows) {
    const byCurrency = new Map();
    for (const r of rows) {
      const sum = byCurrency.get(r.currency) || { amount: 0, payments: 0 };
      sum.amount += r.amount_minor; sum.payments += r.payments;
      byCurrency.set(r.currency, sum);
    }
    const items = [];
    for (const [currency, sum] of byCurrency) {
      const amount = document.createElement("div");
      const dt = document.createElement("dt"); dt.textContent = t("Total");
      const dd = document.createElement("dd"); dd.textContent = formatMoney(sum.amount, currency);
      dd.setAttribute("translate", "no"); dd.dataset.minor = String(sum.amount); dd.dataset.currency = currency;
      dd.className = "revenue-total";
      amount.append(dt, dd);
      const count = document.createElement("div");
      const dt2 = document.createElement("dt"); dt2.textContent = t("Payments");
      const dd2 = document.createElement("dd"); dd2.textContent = formatNumber(sum.payments); dd2.setAttribute("translate", "no");
      count.append(dt2, dd2);
      items.push(amount, count);
    }
    $("revenue-totals").replaceChildren(...items);
  }

  async function load() {
    const q = query();
    const rows = await fetchJSON(garage.parking(site) + "/revenue/periods" + q);
    $("revenue-table").tBodies[0].replaceChildren(...rows.map((r) => {
      const tr = document.createElement("tr");
      tr.dataset.start = r.start; tr.dataset.minor = String(r.amount_minor);
      tr.append(cell(r.start, null, true), cell(r.currency, null, true),
        cell(formatMoney(r.amount_minor, r.currency), null, true), cell(formatNumber(r.payments), null, true));
      return tr;
    }));
    $("revenue-empty").hidden = rows.length > 0;
    totals(rows);
    draw(rows);
    $("revenue-csv").href = garage.parking(site) + "/revenue/export" + q;
    $("revenue-page").dataset.loaded = site + q;
  }

  async function changeSite() {
    site = $("site").value;
    garage.rememberSite(site);
    sayTimeZone($("site-timezone"), timeZone());
    defaultRange();
    await load();
  }

  async function start() {
    picker = await garage.pickSite($("site"));
    $("site").addEventListener("change", () => changeSite().catch((e) => showError(e.message)));
    for (const button of document.querySelectorAll("[data-period]")) {
      button.addEventListener("click", () => {
        period = button.dataset.period;
        for (const other of document.querySelectorAll("[data-period]")) other.setAttribute("aria-pressed", String(other === button));
        defaultRange();
        load().catch((e) => showError(e.message));
      });
    }
    $("revenue-form").addEventListener("submit", (event) => { event.preventDefault(); load().catch((e) => showError(e.message)); });
    if ($("site").value) await changeSite();
  }

  start().catch((error) => showError(error.message));
})();

"use strict";
// Retention: the published schedule (one sentence per category), what the next run will
// delete (counted now with the run's own conditions) and the runs recorded so far.
(function () {
  const $ = (id) => document.getElementById(id);
  const TRIGGERS = { job: t("the background job"), cli: t("the command line") };

  function policyLine(category, days) {
    const li = document.createElement("li");
    const values = { category: privacy.category(category), days: formatNumber(days) };
    li.textContent = days <= 0
      ? t("{category}: kept until the person's data is erased; no fixed period is set.", values)
      : t("{category}: destroyed {days} days after it was recorded.", values);
    return li;
  }

  (async function start() {
    try {
      const overview = await fetchJSON("/api/v1/retention");
      const lines = Object.entries(overview.schedule).map(([category, days]) => policyLine(category, days));
      if (overview.reader_image_days > 0) lines.push(policyLine("reader_images", overview.reader_image_days));
      $("rt-policy").replaceChildren(...lines);
      const categories = Object.keys(overview.schedule);
      if (overview.due.reader_images) categories.push("reader_images");
      if (overview.due.review_frames) categories.push("review_frames");
      if (overview.due.lane_frames) categories.push("lane_frames");
      $("rt-rows").replaceChildren(...categories.map((category) => {
        const tr = document.createElement("tr");
        tr.dataset.category = category;
        const days = category === "reader_images" ? overview.reader_image_days
          : ["review_frames", "lane_frames"].includes(category) ? overview.schedule.plate_reads : overview.schedule[category];
        tr.append(cell(privacy.category(category)), cell(privacy.keptFor(days)), cell(formatNumber(overview.due[category] || 0), null, true));
        return tr;
      }));
      fillText($("rt-counted"), t("Counted at {time}; a run starts every {minutes} minutes."),
        { time: formatTime(overview.counted_at), minutes: formatNumber(Math.round(overview.interval_s / 60)) });
      $("rt-run-rows").replaceChildren(...overview.runs.map((run) => {
        const tr = document.createElement("tr");
        const deleted = Object.entries(run.deleted).filter(([, n]) => n > 0)
          .map(([category, n]) => privacy.category(category) + ": " + formatNumber(n)).join("; ");
        tr.append(
          cell(formatTime(run.started_at), null, true), cell(formatTime(run.finished_at), null, true),
          cell(TRIGGERS[run.trigger] || run.trigger), cell(deleted || t("nothing was due")),
        );
        return tr;
      }));
      $("rt-no-runs").hidden = overview.runs.length > 0;
    } catch (error) { showError(error.message); }
  })();
})();

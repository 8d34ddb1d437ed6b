// The plate review queue (templates/reviews.html), driven from the keyboard: j/k or the
// arrows move, Enter confirms the reader's guess, c corrects (the field takes focus,
// Enter saves, Esc goes back), r rejects. After each decision the next read is selected
// and focus returns to the queue, so a guard clears it without the mouse. The guesses
// open with the queue's purpose (audited by the API) only when a read appears that the
// page has not shown yet. The gate's frame kept with a read is shown, with the plate
// outlined and enlarged, only to a role that sees plates in full (personal:read): it is
// opened once per read with the queue's purpose (audited). 1-9 pick a candidate.
// Renders with textContent only.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const PURPOSE = "Plate review queue"; // stated in the audit log for every guess opened
  const EVERY_MS = 4000;
  const HIDDEN = "\u2022\u2022\u2022";
  const REASON = {
    low_confidence: t("read with low confidence"),
    unsure_read: t("the reader was unsure between readings"),
  };
  const DIRECTION = { entry: t("Entry"), exit: t("Exit") };
  const GATE_REASON = {
    ticketless: t("ticketless entry"), permit: t("permit"), allow_list: t("allow list"),
    deny_list: t("deny list"), full: t("garage full"), paid: t("paid"), free: t("free stay"),
    unpaid: t("not paid"), no_entry_record: t("no entry record"), already_exited: t("already left"),
  };

  let sites = [];
  let site = null;
  let reviews = [];
  const guesses = new Map(); // review_id -> {plate, disclosure, candidates}
  const frames = new Map(); // review_id -> the frame as a data: URL (opened once, audited)
  const CROP_WIDTH = 480; // the enlarged plate's width in canvas pixels, at most 4x
  let selected = 0;
  let busy = false;
  let checkTimer = null;

  function zone() { return site ? site.timezone : null; }
  function siteUrl(path) { return "/api/v1/parking/sites/" + encodeURIComponent(site.site_id) + path; }

  async function load() {
    if (!site) return;
    const url = siteUrl("/reviews?state=pending&limit=200");
    try {
      let found = await fetchJSON(url);
      if (found.some((review) => !guesses.has(review.review_id))) {
        found = await fetchJSON(url + "&" + new URLSearchParams({ purpose: PURPOSE }));
        for (const review of found) guesses.set(review.review_id, { plate: review.plate, disclosure: review.disclosure, candidates: review.candidates || [] });
      }
      const current = reviews[selected] ? reviews[selected].review_id : null;
      reviews = found.slice().sort((a, b) => a.created_at.localeCompare(b.created_at)); // oldest first
      const keep = reviews.findIndex((review) => review.review_id === current);
      selected = keep >= 0 ? keep : Math.min(selected, Math.max(0, reviews.length - 1));
      render();
    } catch (error) {
      showError(error.message);
    }
  }

  function render() {
    $("review-count").textContent = t("Waiting for review: {count}", { count: formatNumber(reviews.length) });
    $("review-count").dataset.at = new Date().toISOString();
    $("queue-empty").hidden = reviews.length > 0;
    const queue = $("queue");
    queue.replaceChildren(...reviews.map((review, index) => {
      const item = document.createElement("li");
      item.id = "review-" + review.review_id;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", index === selected ? "true" : "false");
      item.dataset.review = review.review_id;
      const guess = guesses.get(review.review_id);
      const plate = document.createElement("strong");
      plate.className = "plate"; plate.translate = false;
      plate.textContent = guess && guess.plate ? guess.plate : HIDDEN;
      const where = document.createElement("span");
      where.className = "muted"; where.translate = false;
      where.textContent = " " + review.device_id + " \u00b7 " + formatTime(review.created_at, zone()).split(" ")[1];
      item.append(plate, where);
      item.addEventListener("click", () => { selected = index; render(); queue.focus(); });
      return item;
    }));
    if (reviews.length) queue.setAttribute("aria-activedescendant", "review-" + reviews[selected].review_id);
    else queue.removeAttribute("aria-activedescendant");
    renderDetail();
  }

  function renderFits(list, fits) {
    if (!fits.length) {
      const none = document.createElement("li");
      none.textContent = t("fits none of this site's formats");
      list.replaceChildren(none);
      return;
    }
    list.replaceChildren(...fits.map((fit) => {
      const item = document.createElement("li");
      fillText(item, t("{display}: format {format} ({description})"), { display: fit.display, format: fit.format, description: fit.description || fit.format });
      return item;
    }));
  }

  async function fitsOf(plate) {
    return sendJSON("POST", siteUrl("/plate-check"), { plate });
  }

  function renderDetail() {
    const review = reviews[selected];
    $("review-detail").hidden = !review;
    if (!review) return;
    const guess = guesses.get(review.review_id) || { plate: null, disclosure: "none" };
    $("review-guess").textContent = guess.plate || HIDDEN;
    $("review-guess-note").textContent = guess.disclosure === "masked"
      ? t("Shown masked for your role: confirm only if the visible part and the vehicle agree, else correct it.")
      : guess.plate ? "" : t("The guess is not shown to your role.");
    $("fact-lane").textContent = review.device_id;
    $("fact-direction").textContent = DIRECTION[review.direction] || review.direction;
    $("fact-time").textContent = formatTime(review.created_at, zone());
    $("fact-confidence").textContent = Math.round(review.confidence * 100) + "%";
    $("fact-reason").textContent = REASON[review.reason] || review.reason;
    renderCandidates(guess);
    renderFrame(review);
    const fits = $("guess-fits");
    fits.replaceChildren();
    if (guess.disclosure === "full" && guess.plate) {
      fitsOf(guess.plate).then((found) => { if (reviews[selected] === review) renderFits(fits, found); })
        .catch((error) => showError(error.message));
    } else {
      const item = document.createElement("li");
      item.textContent = t("shown once the plate is typed in full (Correct)");
      fits.replaceChildren(item);
    }
  }

  function candidatesOf(guess) {
    return guess.candidates && guess.candidates.length ? guess.candidates : guess.plate ? [guess.plate] : [];
  }

  function renderCandidates(guess) {
    const list = candidatesOf(guess);
    const masked = list.length > 1 && guess.disclosure !== "full";
    $("candidates-note").hidden = !masked;
    $("candidates").replaceChildren(...(list.length ? list.map((plate, index) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "plate";
      const key = document.createElement("kbd");
      key.translate = false; key.textContent = String(index + 1);
      const text = document.createElement("span");
      text.translate = false; text.textContent = " " + plate;
      button.append(key, text);
      // a masked plate cannot be sent as the plate read: only the guess is confirmed
      button.disabled = index > 0 && masked;
      if (button.disabled) button.setAttribute("aria-describedby", "candidates-note");
      button.addEventListener("click", () => pick(index));
      item.append(button);
      return item;
    }) : [Object.assign(document.createElement("li"), { textContent: t("not shown to your role") })]));
  }

  function frameNote(text) { $("frame-note").textContent = text; }

  async function renderFrame(review) {
    $("frame-box").hidden = true;
    if (!review.frame) { frameNote(t("No frame was kept for this read: compare with the vehicle or the lane's camera.")); return; }
    if (!may("personal:read")) { frameNote(t("The gate's frame shows the plate in full, which your role does not see: compare with the vehicle at the lane.")); return; }
    frameNote("");
    let source = frames.get(review.review_id);
    if (!source) {
      try {
        const url = siteUrl("/reviews/" + encodeURIComponent(review.review_id) + "/frame?" + new URLSearchParams({ purpose: PURPOSE }));
        const fetched = await fetchPlateFrame(url);
        if (!fetched) { frameNote(t("The frame of this read is no longer kept.")); return; }
        source = fetched.source;
        frames.set(review.review_id, source);
      } catch (error) {
        showError(t("The frame could not be opened: {message}", { message: error.message }));
        return;
      }
    }
    if (reviews[selected] !== review) return; // another read was selected meanwhile
    showFrame(review, source);
  }

  function showFrame(review, source) {
    const { width, height, box } = review.frame;
    const [x, y, w, h] = box;
    const image = $("frame-image");
    outlinePlate($("frame-plate-box"), width, height, box);
    image.alt = t("The gate's frame at {lane}, the plate outlined", { lane: review.device_id });
    image.width = width; image.height = height;
    image.onload = () => {
      if (reviews[selected] !== review) return;
      // the crop with a margin of a quarter of the plate's height, enlarged up to 4x
      const margin = Math.round(h / 4);
      const left = Math.max(0, x - margin), top = Math.max(0, y - margin);
      const cw = Math.min(width, x + w + margin) - left, ch = Math.min(height, y + h + margin) - top;
      const scale = Math.min(4, CROP_WIDTH / cw);
      const canvas = $("frame-crop");
      canvas.width = Math.round(cw * scale); canvas.height = Math.round(ch * scale);
      const context = canvas.getContext("2d");
      context.imageSmoothingQuality = "high";
      context.drawImage(image, left, top, cw, ch, 0, 0, canvas.width, canvas.height);
      canvas.dataset.drawn = review.review_id;
    };
    image.src = source;
    $("frame-box").hidden = false;
  }

  function pick(index) {
    const review = reviews[selected];
    if (!review) return;
    const guess = guesses.get(review.review_id) || {};
    const list = candidatesOf(guess);
    if (index >= list.length) return;
    if (index === 0) { confirmGuess(); return; } // the reader's own guess, opened by the API
    if (guess.disclosure !== "full") return; // a masked candidate cannot be sent as a plate
    resolve({ plate: list[index] }, t("Corrected to {plate} at {lane}: {outcome}."));
  }

  function move(step) {
    if (!reviews.length) return;
    selected = Math.max(0, Math.min(reviews.length - 1, selected + step));
    closeCorrection();
    render();
    const item = $("review-" + reviews[selected].review_id);
    if (item) item.scrollIntoView({ block: "nearest" });
  }

  function openCorrection() {
    if (!reviews[selected]) return;
    $("correct-form").hidden = false;
    $("correct-fits-box").hidden = false;
    $("correct-fits").replaceChildren();
    const input = $("correct-plate");
    const guess = guesses.get(reviews[selected].review_id);
    input.value = guess && guess.disclosure === "full" && guess.plate ? guess.plate : "";
    input.focus(); input.select();
    if (input.value) checkTyped();
  }

  function closeCorrection() {
    $("correct-form").hidden = true;
    $("correct-fits-box").hidden = true;
  }

  function checkTyped() {
    clearTimeout(checkTimer);
    const plate = $("correct-plate").value.trim();
    if (!plate) { $("correct-fits").replaceChildren(); return; }
    checkTimer = setTimeout(async () => {
      try { renderFits($("correct-fits"), await fitsOf(plate)); } catch (error) { showError(error.message); }
    }, 200);
  }

  function sayResult(template, values) {
    fillText($("review-result"), template, values);
  }

  function outcome(answer) {
    const decision = answer.decision;
    if (!decision) return t("rejected");
    const why = GATE_REASON[decision.reason] || decision.reason;
    return decision.open ? t("the gate opened ({reason})", { reason: why }) : t("the gate stayed shut ({reason})", { reason: why });
  }

  async function resolve(body, describe) {
    const review = reviews[selected];
    if (!review || busy) return;
    busy = true;
    try {
      const answer = await sendJSON("POST", siteUrl("/reviews/" + encodeURIComponent(review.review_id) + "/resolve"), body);
      const shown = body.plate || (guesses.get(review.review_id) || {}).plate || HIDDEN;
      sayResult(describe, { plate: shown, lane: review.device_id, outcome: outcome(answer) });
      reviews.splice(selected, 1);
      guesses.delete(review.review_id);
      frames.delete(review.review_id);
      selected = Math.min(selected, Math.max(0, reviews.length - 1));
      closeCorrection();
      render();
      $("queue").focus();
    } catch (error) {
      showError(t("The review was not saved: {message}", { message: error.message }));
    } finally {
      busy = false;
    }
  }

  const confirmGuess = () => resolve({ confirm: true }, t("Confirmed {plate} at {lane}: {outcome}."));
  const reject = () => resolve({ dismiss: true }, t("Rejected the read at {lane}."));
  function saveCorrection(event) {
    event.preventDefault();
    const plate = $("correct-plate").value.trim();
    if (!plate) { $("correct-plate").focus(); return; }
    resolve({ plate }, t("Corrected to {plate} at {lane}: {outcome}."));
  }

  function onKey(event) {
    if (event.ctrlKey || event.altKey || event.metaKey || document.querySelector("dialog[open]")) return;
    const target = event.target;
    if (target && target.id === "correct-plate") {
      if (event.key === "Escape") { event.preventDefault(); closeCorrection(); $("queue").focus(); }
      return;
    }
    if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
    const onControl = target && /^(BUTTON|A|SUMMARY)$/.test(target.tagName);
    switch (event.key) {
      case "j": case "ArrowDown": event.preventDefault(); move(1); break;
      case "k": case "ArrowUp": event.preventDefault(); move(-1); break;
      case "Enter": if (!onControl) { event.preventDefault(); confirmGuess(); } break;
      case "c": event.preventDefault(); openCorrection(); break;
      case "r": event.preventDefault(); reject(); break;
      case "1": case "2": case "3": case "4": case "5": case "6": case "7": case "8": case "9":
        event.preventDefault(); pick(Number(event.key) - 1); break;
      default: break;
    }
  }

  function chooseSite() {
    site = sites.find((s) => s.site_id === $("site-select").value) || null;
    reviews = []; selected = 0;
    sayTimeZone($("site-zone"), zone());
    const url = new URL(location.href);
    if (site) url.searchParams.set("site", site.site_id);
    history.replaceState(null, "", url);
    load().then(() => $("queue").focus());
  }

  document.addEventListener("DOMContentLoaded", async () => {
    try { sites = await fillSites($("site-select"), false); } catch (error) { showError(error.message); return; }
    const wanted = new URL(location.href).searchParams.get("site");
    if (wanted && sites.some((s) => s.site_id === wanted)) $("site-select").value = wanted;
    $("site-select").addEventListener("change", chooseSite);
    $("review-confirm").addEventListener("click", confirmGuess);
    $("review-correct").addEventListener("click", openCorrection);
    $("review-reject").addEventListener("click", reject);
    $("correct-form").addEventListener("submit", saveCorrection);
    $("correct-cancel").addEventListener("click", () => { closeCorrection(); $("queue").focus(); });
    $("correct-plate").addEventListener("input", checkTyped);
    document.addEventListener("keydown", onKey);
    chooseSite();
    setInterval(() => { if (!document.hidden && !busy) load(); }, EVERY_MS);
  });
})();

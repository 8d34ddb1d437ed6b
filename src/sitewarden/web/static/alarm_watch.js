"use strict";
// The alarm watch, on every console page of an operator who may read alarms: a banner
// that stays while major or critical alarms wait for acknowledgement (ISA-18.2: returned
// ones too), a sound and a browser notification when one is raised or comes back. Sound
// can be muted for this browser session; shelved alarms make no sound and no banner.
(function () {
  const t = window.t || ((text) => text);
  const root = document.documentElement;
  const MUTE_KEY = "sitewarden.alarm-muted";
  const LOUD = new Set(["major", "critical"]);
  const CUE_GAP_MS = 3000; // an alarm flood makes one sound every few seconds, not a din
  let audio = null;
  let lastCue = 0;
  const known = new Map(); // alert_id -> its state when last seen

  function muted() { return sessionStorage.getItem(MUTE_KEY) === "1"; }
  function setMuted(value) {
    sessionStorage.setItem(MUTE_KEY, value ? "1" : "0");
    document.dispatchEvent(new CustomEvent("alarm-mute", { detail: value }));
  }

  function beep(severity) {
    if (muted()) return;
    try {
      audio = audio || new AudioContext();
      if (audio.state === "suspended") audio.resume();
      const tones = severity === "critical" ? [880, 660, 880] : [660];
      tones.forEach((hz, n) => {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.frequency.value = hz; gain.gain.value = 0.15;
        osc.connect(gain).connect(audio.destination);
        const start = audio.currentTime + n * 0.25;
        osc.start(start); osc.stop(start + 0.2);
      });
    } catch (_) { /* no audio device: the banner and the notification remain */ }
  }

  function where(alert) {
    return [alert.site_id, alert.zone_id, alert.device_id].filter(Boolean).join(" / ");
  }

  function cue(alert) {
    const now = Date.now();
    if (now - lastCue >= CUE_GAP_MS) { lastCue = now; beep(alert.severity); }
    if ("Notification" in window && Notification.permission === "granted") {
      try {
        new Notification(t(alert.severity) + ": " + alert.title, {
          body: where(alert), tag: alert.alert_id, requireInteraction: alert.severity === "critical",
        });
      } catch (_) { /* notifications not available here */ }
    }
    root.dataset.lastAlarmCue = alert.alert_id;
  }

  function shelved(alert) { return alert.shelved_until && new Date(alert.shelved_until) > new Date(); }

  // A change worth a cue: a loud alarm raised, escalated, or active again after it had
  // returned to normal; repeats of an active alarm stay quiet (flood protection).
  function onChange(payload) {
    const alert = payload.alert;
    const before = known.get(alert.alert_id);
    known.set(alert.alert_id, alert.state);
    if (!LOUD.has(alert.severity) || alert.state !== "open" || shelved(alert)) return;
    const raised = payload.change === "opened" || payload.change === "escalated";
    const back = payload.change === "repeated" && before === "returned";
    if (raised || back) cue(alert);
  }

  let banner = null;
  function renderBanner(alerts) {
    if (!alerts.length) { if (banner) { banner.remove(); banner = null; } return; }
    if (!banner) {
      banner = document.createElement("div");
      banner.id = "alarm-banner"; banner.className = "alarm-banner"; banner.setAttribute("role", "alert");
      // Below the header: the skip link and the navigation stay first in the Tab order.
      const header = document.querySelector("header.top");
      if (header) header.after(banner); else document.body.prepend(banner);
    }
    const worst = alerts[0];
    banner.dataset.severity = worst.severity;
    const text = document.createElement("span");
    const what = document.createElement("span");
    what.setAttribute("translate", "no"); // data: the rule's title and the place
    what.textContent = worst.title + " (" + where(worst) + ")";
    text.append((alerts.length === 1 ? t("1 alarm to acknowledge") : alerts.length + " " + t("alarms to acknowledge"))
      + " · " + t(worst.severity) + ": ", what);
    const link = document.createElement("a");
    link.href = "/alerts#" + encodeURIComponent(worst.alert_id); link.textContent = t("Open alarms");
    const mute = document.createElement("button");
    mute.type = "button"; mute.className = "secondary";
    mute.textContent = muted() ? t("Sound off") : t("Sound on");
    mute.setAttribute("aria-pressed", muted() ? "true" : "false");
    mute.addEventListener("click", () => setMuted(!muted()));
    banner.replaceChildren(text, link, mute);
  }

  let pending = null;
  function refreshBanner() {
    clearTimeout(pending);
    pending = setTimeout(async () => {
      const params = new URLSearchParams({ order: "priority", severity: "major", shelved: "false", limit: "50" });
      params.append("state", "open"); params.append("state", "returned");
      try {
        const page = await fetchJSON("/api/v1/alerts?" + params);
        for (const alert of page.alerts) if (!known.has(alert.alert_id)) known.set(alert.alert_id, alert.state);
        renderBanner(page.alerts);
      } catch (_) { /* the next change tries again */ }
    }, 150);
  }

  const stream = new EventSource("/api/v1/alerts/stream");
  stream.addEventListener("alert", (message) => {
    const payload = JSON.parse(message.data);
    onChange(payload);
    refreshBanner();
    document.dispatchEvent(new CustomEvent("alarm-change", { detail: payload }));
  });
  document.addEventListener("alarm-mute", refreshBanner);
  // Audio may only start after a person interacted with the page (browsers' autoplay rule).
  document.addEventListener("click", () => { if (audio && audio.state === "suspended") audio.resume(); });
  window.alarmWatch = { muted, setMuted, refresh: refreshBanner };
  refreshBanner();
  setInterval(refreshBanner, 30000); // shelving ends by time, not by a change
})();

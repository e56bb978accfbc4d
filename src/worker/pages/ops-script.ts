// /ui/ops.js: keeps the operator console live on a wall screen. Every few seconds it fetches the
// panels (server-rendered HTML, escaped there) and swaps them in; when a refresh fails the header
// says since when the figures are stale instead of silently showing old numbers as current.
export const OPS_JS = `"use strict";
(() => {
  const every = Number(document.body.dataset.refresh || "15") * 1000;
  const label = document.getElementById("freshness");
  let lastGood = Date.now();
  const show = (text, stale) => {
    if (!label) return;
    label.textContent = text;
    label.classList.toggle("stale", stale);
    label.classList.toggle("muted", !stale);
  };
  const refresh = async () => {
    try {
      const res = await fetch("/ops/panels", { headers: { accept: "text/html" }, credentials: "same-origin" });
      if (res.status === 401 || res.redirected) { location.href = "/ops/sign-in"; return; }
      if (!res.ok) throw new Error("HTTP " + res.status);
      const doc = new DOMParser().parseFromString(await res.text(), "text/html");
      const fresh = doc.getElementById("panels");
      const panels = document.getElementById("panels");
      if (!fresh || !panels) throw new Error("no panels in the answer");
      panels.replaceWith(document.importNode(fresh, true));
      lastGood = Date.now();
      show("live, updated " + new Date().toISOString().slice(11, 19) + " UTC", false);
    } catch (err) {
      const since = Math.round((Date.now() - lastGood) / 1000);
      show("STALE for " + since + " s: " + (err && err.message ? err.message : err), true);
    }
  };
  setInterval(refresh, every);
})();
`;

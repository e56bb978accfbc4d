// /ui/review.js: the review desk's keyboard shortcuts, selection and in-place decisions. The page
// works without it (plain forms, a page load per decision); with it a reviewer goes through the
// queue with the keyboard. Small vanilla JS, served as a file so the CSP can forbid inline script.
// It never builds HTML from strings: text goes through textContent.
export const REVIEW_JS = `"use strict";
(() => {
  const items = () => [...document.querySelectorAll("article.item:not(.done)")];
  let current = null;
  const flash = (text, error) => {
    const box = document.getElementById("flash");
    const p = document.createElement("p");
    p.className = error ? "flash error" : "flash";
    p.textContent = text;
    box.replaceChildren(p);
  };
  const focusItem = (item) => {
    if (!item) return;
    if (current) current.classList.remove("focused");
    current = item;
    item.classList.add("focused");
    item.focus({ preventScroll: true });
    item.scrollIntoView({ block: "nearest", behavior: "smooth" });
    // Play the focused video (muted), pause the others: one moving picture at a time.
    for (const v of document.querySelectorAll("video")) {
      if (item.contains(v)) v.play().catch(() => {});
      else v.pause();
    }
  };
  const move = (step) => {
    const list = items();
    if (list.length === 0) return;
    const i = list.indexOf(current);
    focusItem(list[Math.min(list.length - 1, Math.max(0, i < 0 ? 0 : i + step))]);
  };
  const selected = () => [...document.querySelectorAll("input.select:checked")];
  const updateCount = () => {
    const count = document.getElementById("selected-count");
    if (count) count.textContent = String(selected().length);
  };
  const setCounts = (counts) => {
    for (const [status, n] of Object.entries(counts || {})) {
      for (const el of document.querySelectorAll(".count-" + status)) el.textContent = String(n);
    }
  };
  const markDone = (key, status) => {
    for (const item of document.querySelectorAll("article.item")) {
      if (item.dataset.key !== key) continue;
      item.classList.add("done");
      item.classList.remove("focused");
      const badge = item.querySelector(".status");
      if (badge) { badge.textContent = status; badge.className = "status " + status; }
      for (const b of item.querySelectorAll("button, input")) b.disabled = true;
      const v = item.querySelector("video");
      if (v) v.pause();
    }
  };
  const submit = async (form, submitter) => {
    const body = new URLSearchParams(new FormData(form, submitter));
    for (const b of form.querySelectorAll("button")) b.disabled = true;
    try {
      const res = await fetch(form.getAttribute("action"), {
        method: "POST",
        headers: { accept: "application/json", "x-csrf-token": body.get("csrf") || "" },
        body,
        credentials: "same-origin",
      });
      if (res.status === 401) { location.href = "/review/sign-in"; return; }
      const answer = await res.json().catch(() => ({}));
      if (!res.ok) {
        flash(answer.detail || answer.title || "The decision failed (" + res.status + ")", true);
        return;
      }
      for (const d of answer.decided) markDone(d.creative_key, d.status);
      setCounts(answer.counts);
      const n = answer.decided.length;
      const pending = answer.decided.filter((d) => d.replica !== "published").length;
      flash((answer.action === "approve" ? "Approved " : "Rejected ") + n + (n === 1 ? " creative" : " creatives") +
        (pending ? " (" + pending + " still being published to auctions, retried automatically)" : "") +
        ". Auctions see a decision within about 70 s.");
      const refused = answer.refused || [];
      if (refused.length) {
        flash("Approved " + n + ". Not approved, because the file could not be fetched and copied; still pending: " +
          refused.map((r) => r.creative_key + ": " + r.detail).join(" "), true);
      }
      for (const c of selected()) c.checked = false;
      updateCount();
      const next = items()[0];
      if (next) focusItem(next);
    } catch (err) {
      flash("The decision could not be sent: " + err, true);
    } finally {
      for (const b of form.querySelectorAll("button")) b.disabled = false;
    }
  };
  document.addEventListener("submit", (event) => {
    const form = event.target;
    // getAttribute: the forms have fields named "action", which shadow form.action.
    if (!(form instanceof HTMLFormElement) || form.getAttribute("action") !== "/review/decide") return;
    event.preventDefault();
    const submitter = event.submitter;
    if (form.id === "bulk") {
      if (selected().length === 0) { flash("Select creatives first (x, or the checkboxes).", true); return; }
    } else if (submitter && submitter.value === "reject") {
      const reason = form.querySelector("input[name=reason]");
      if (reason && reason.value.trim().length < 3) {
        flash("A rejection needs a reason (3 characters or more).", true);
        reason.focus();
        return;
      }
    }
    submit(form, submitter);
  });
  document.addEventListener("change", (event) => {
    const el = event.target;
    if (el && el.id === "select-all") {
      for (const c of document.querySelectorAll("article.item:not(.done) input.select")) c.checked = el.checked;
    }
    updateCount();
  });
  document.addEventListener("click", (event) => {
    const item = event.target instanceof Element ? event.target.closest("article.item") : null;
    if (item && item !== current && !item.classList.contains("done")) focusItem(item);
  });
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const typing = event.target instanceof HTMLInputElement && event.target.type === "text";
    if (typing) {
      if (event.key === "Escape") event.target.blur();
      if (event.key === "Enter" && event.target.name === "reason") {
        // Enter in a reason field rejects: the reason is what a rejection needs.
        event.preventDefault();
        const reject = event.target.form.querySelector("button[value=reject]");
        if (reject) reject.click();
      }
      return;
    }
    const form = current && current.querySelector("form.decide[action$='/review/decide']");
    switch (event.key) {
      case "j": case "ArrowDown": move(1); break;
      case "k": case "ArrowUp": move(-1); break;
      case "a": {
        const b = form && form.querySelector("button[value=approve]");
        if (b) b.click();
        break;
      }
      case "r": {
        const reason = form && form.querySelector("input[name=reason]");
        if (reason) reason.focus();
        break;
      }
      case "x": {
        const box = current && current.querySelector("input.select");
        if (box) { box.checked = !box.checked; updateCount(); }
        break;
      }
      case "A": {
        const b = document.getElementById("bulk-approve");
        if (b) b.click();
        break;
      }
      case "o": {
        const d = current && current.querySelector("details.audit");
        if (d) d.open = !d.open;
        break;
      }
      case "1": case "2": case "3": {
        const tab = document.querySelector("nav.tabs a[data-shortcut='" + event.key + "']");
        if (tab) location.href = tab.href;
        break;
      }
      default: return;
    }
    event.preventDefault();
  });
  focusItem(items()[0]);
})();
`;

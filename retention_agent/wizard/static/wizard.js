// The wizard works without this file; it only makes two things smoother:
// choosing all or no photos without reloading, and the export's progress bar.
"use strict";

function updateCount(form) {
  const count = document.getElementById("count");
  if (!count) return;
  const boxes = form.querySelectorAll('input[name="item"]');
  const chosen = Array.from(boxes).filter((box) => box.checked).length;
  count.textContent = count.dataset.template
    .replace("{chosen}", String(chosen))
    .replace("{total}", String(boxes.length));
}

function setUpChoosing() {
  const form = document.getElementById("photos");
  if (!form) return;
  form.querySelectorAll("[data-select]").forEach((button) => {
    button.addEventListener("click", (event) => {
      event.preventDefault();
      const on = button.dataset.select === "all";
      form.querySelectorAll('input[name="item"]').forEach((box) => { box.checked = on; });
      updateCount(form);
    });
  });
  form.addEventListener("change", () => updateCount(form));
}

function setUpProgress() {
  const box = document.getElementById("progress");
  if (!box) return;
  const bar = box.querySelector("progress");
  const text = box.querySelector(".progress-text");
  async function poll() {
    try {
      const response = await fetch(box.dataset.url, { cache: "no-store" });
      const state = await response.json();
      bar.max = Math.max(state.total, 1);
      bar.value = state.done;
      text.textContent = box.dataset.template
        .replace("{done}", String(state.done))
        .replace("{total}", String(state.total));
      if (!state.running) { window.location.reload(); return; }
    } catch (error) {
      // The page reloads on the next tick; a missed poll changes nothing.
    }
    window.setTimeout(poll, 400);
  }
  window.setTimeout(poll, 300);
}

document.addEventListener("DOMContentLoaded", () => {
  setUpChoosing();
  setUpProgress();
});

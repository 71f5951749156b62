// Progressive enhancement only: every page works without this file.
// Buttons with data-confirm ask before submitting their form.
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const message = button && button.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// A running batch: refresh its progress bar every two seconds.
const progress = document.querySelector("progress[data-progress-url]");
if (progress && progress.dataset.progressUrl) {
  const issued = document.getElementById("batch-issued");
  const tick = async () => {
    try {
      const r = await fetch(progress.dataset.progressUrl, { credentials: "same-origin" });
      if (!r.ok) return;
      const n = await r.json();
      progress.value = n.issued;
      if (issued) issued.textContent = String(n.issued);
      if (n.state === "running") {
        setTimeout(tick, 2000);
      } else {
        window.location.reload();
      }
    } catch (_) {
      setTimeout(tick, 5000);
    }
  };
  setTimeout(tick, 2000);
}

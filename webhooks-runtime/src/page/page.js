(() => {
  "use strict";
  const needsSecret = document.body.dataset.secretRequired === "true";
  const form = document.getElementById("secret-form");
  const input = document.getElementById("secret-input");
  const formError = document.getElementById("secret-error");
  const status = document.getElementById("activity-status");
  const tbody = document.querySelector("#deliveries tbody");
  const result = document.getElementById("replay-result");
  const opened = new Set();
  const KEY = "webhooks-secret";
  let secret = sessionStorage.getItem(KEY) || "";

  const headers = () => (secret ? { "X-Webhook-Secret": secret } : {});
  const cell = (text, className) => {
    const td = document.createElement("td");
    if (className) td.className = className;
    if (text !== undefined) td.textContent = text;
    return td;
  };

  function askForSecret(message) {
    secret = "";
    sessionStorage.removeItem(KEY);
    form.hidden = false;
    formError.textContent = message || "";
    status.textContent = "Enter the webhook secret to see the deliveries and replay them.";
    tbody.replaceChildren();
  }

  function row(d) {
    const tr = document.createElement("tr");
    tr.dataset.id = d.id;
    const time = cell(new Date(d.time).toLocaleTimeString([], { hour12: false }), "nowrap");
    time.title = d.time;
    tr.appendChild(time);
    tr.appendChild(cell(d.endpoint, "wrap"));
    tr.appendChild(cell(d.scope ? `${d.scope} ${d.action}` : "—", "wrap"));
    tr.appendChild(cell(d.repo || "—", "wrap"));
    const statusCell = cell(undefined, "nowrap");
    const badge = document.createElement("span");
    badge.className = "badge status " + (d.status < 400 ? "ok" : d.status < 500 ? "rejected" : "error");
    badge.textContent = d.status;
    statusCell.appendChild(badge);
    if (d.replayOf) {
      const tag = document.createElement("span");
      tag.className = "tag";
      tag.textContent = `replay of #${d.replayOf}`;
      statusCell.appendChild(tag);
    } else if (d.rejected) {
      const tag = document.createElement("span");
      tag.className = "tag";
      tag.textContent = "rejected";
      statusCell.appendChild(tag);
    }
    tr.appendChild(statusCell);
    tr.appendChild(cell(`${d.latencyMs.toFixed(1)} ms`, "nowrap"));
    const actions = cell(undefined, "actions nowrap");
    const view = document.createElement("button");
    view.type = "button";
    view.className = "view";
    view.textContent = "Payload";
    view.disabled = d.payload === null;
    view.addEventListener("click", () => {
      opened.has(d.id) ? opened.delete(d.id) : opened.add(d.id);
      toggle(tr, d);
    });
    const replay = document.createElement("button");
    replay.type = "button";
    replay.className = "replay";
    replay.textContent = "Replay";
    replay.disabled = d.payload === null;
    replay.addEventListener("click", () => doReplay(d.id, replay));
    actions.append(view, replay);
    tr.appendChild(actions);
    return tr;
  }

  function toggle(tr, d) {
    const next = tr.nextElementSibling;
    if (next && next.classList.contains("payload")) {
      next.remove();
      return;
    }
    const detail = document.createElement("tr");
    detail.className = "payload";
    const td = cell();
    td.colSpan = 7;
    const pre = document.createElement("pre");
    pre.textContent = typeof d.payload === "string" ? d.payload : JSON.stringify(d.payload, null, 2);
    td.appendChild(pre);
    detail.appendChild(td);
    tr.after(detail);
  }

  async function doReplay(id, button) {
    button.disabled = true;
    result.textContent = `Replaying #${id}…`;
    try {
      const res = await fetch(`/api/deliveries/${id}/replay`, { method: "POST", headers: headers() });
      if (res.status === 401 || res.status === 403) return askForSecret("The secret was refused.");
      const answer = await res.json();
      result.textContent = res.ok
        ? `Replayed #${id}: the handler answered ${answer.status}.`
        : `Could not replay #${id}: ${answer.error || res.status}`;
    } catch (err) {
      result.textContent = `Could not replay #${id}: ${err}`;
    } finally {
      button.disabled = false;
      load();
    }
  }

  async function load() {
    if (needsSecret && !secret) return askForSecret();
    let res;
    try {
      res = await fetch("/api/deliveries", { headers: headers(), cache: "no-store" });
    } catch (err) {
      status.textContent = `The server did not answer (${err}).`;
      return;
    }
    if (res.status === 401 || res.status === 403) return askForSecret(secret ? "That is not the server's secret." : "");
    if (!res.ok) {
      status.textContent = `The deliveries could not be loaded (${res.status}).`;
      return;
    }
    form.hidden = true;
    const { deliveries } = await res.json();
    tbody.replaceChildren(...deliveries.map(row));
    for (const d of deliveries) {
      if (opened.has(d.id)) toggle(tbody.querySelector(`tr[data-id="${d.id}"]`), d);
    }
    status.textContent = deliveries.length
      ? `${deliveries.length} recent ${deliveries.length === 1 ? "delivery" : "deliveries"}, newest first.`
      : "No deliveries yet: trigger an event on the Hub, replay one from the webhook's activity tab, or use `webhooks send`.";
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    secret = input.value;
    sessionStorage.setItem(KEY, secret);
    input.value = "";
    load();
  });
  load();
  setInterval(() => { if (!document.hidden) load(); }, 3000);
})();

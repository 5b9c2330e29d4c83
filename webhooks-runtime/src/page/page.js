(() => {
  "use strict";
  const needsSecret = document.body.dataset.secretRequired === "true";
  const queued = document.body.dataset.queued === "true";
  const form = document.getElementById("secret-form");
  const input = document.getElementById("secret-input");
  const formError = document.getElementById("secret-error");
  const status = document.getElementById("activity-status");
  const tbody = document.querySelector("#deliveries tbody");
  const result = document.getElementById("replay-result");
  const inbox = document.getElementById("inbox");
  const inboxStatus = document.getElementById("inbox-status");
  const queueBody = document.querySelector("#queue tbody");
  const retryResult = document.getElementById("retry-result");
  const opened = new Map();
  const KEY = "webhooks-secret";
  const POLL_MS = 3000;
  let secret = sessionStorage.getItem(KEY) || "";
  // One request to the list at a time: a slow answer delays the next poll instead of piling up.
  let loading = false;
  let timer = 0;

  const headers = () => (secret ? { "X-Webhook-Secret": secret } : {});
  const cell = (text, className) => {
    const td = document.createElement("td");
    if (className) td.className = className;
    if (text !== undefined) td.textContent = text;
    return td;
  };
  const tag = (text) => {
    const span = document.createElement("span");
    span.className = "tag";
    span.textContent = text;
    return span;
  };
  const time = (iso) => {
    const td = cell(new Date(iso).toLocaleTimeString([], { hour12: false }), "nowrap");
    td.title = iso;
    return td;
  };

  function askForSecret(message) {
    secret = "";
    sessionStorage.removeItem(KEY);
    form.hidden = false;
    formError.textContent = message || "";
    status.textContent = "Enter the webhook secret to see the deliveries and replay them.";
    tbody.replaceChildren();
    queueBody.replaceChildren();
  }

  function row(d) {
    const tr = document.createElement("tr");
    tr.dataset.id = d.id;
    tr.appendChild(time(d.time));
    tr.appendChild(cell(d.endpoint, "wrap"));
    tr.appendChild(cell(d.scope ? `${d.scope} ${d.action}` : "—", "wrap"));
    tr.appendChild(cell(d.repo || "—", "wrap"));
    const statusCell = cell(undefined, "nowrap");
    const badge = document.createElement("span");
    const kind = d.outcome === "handled" ? (d.status < 400 ? "ok" : d.status < 500 ? "rejected" : "error") : d.outcome;
    badge.className = "badge status " + kind;
    badge.textContent = d.outcome === "handled" ? d.status : `${d.status} ${d.outcome}`;
    if (d.skipReason) badge.title = d.skipReason;
    statusCell.appendChild(badge);
    if (d.replayOf) statusCell.appendChild(tag(`replay of #${d.replayOf}`));
    else if (d.rejected) statusCell.appendChild(tag("rejected"));
    tr.appendChild(statusCell);
    tr.appendChild(cell(`${d.latencyMs.toFixed(1)} ms`, "nowrap"));
    const actions = cell(undefined, "actions nowrap");
    const view = document.createElement("button");
    view.type = "button";
    view.className = "view";
    view.textContent = "Payload";
    view.disabled = !d.hasPayload;
    view.addEventListener("click", () => togglePayload(tr, d.id));
    const replay = document.createElement("button");
    replay.type = "button";
    replay.className = "replay";
    replay.textContent = "Replay";
    replay.disabled = !d.hasPayload;
    replay.addEventListener("click", () => doReplay(d.id, replay));
    actions.append(view, replay);
    tr.appendChild(actions);
    return tr;
  }

  async function togglePayload(tr, id) {
    if (opened.has(id)) {
      opened.delete(id);
      showPayload(tr, id);
      return;
    }
    opened.set(id, "Loading…");
    showPayload(tr, id);
    try {
      const res = await fetch(`/api/deliveries/${id}`, { headers: headers(), cache: "no-store" });
      const answer = await res.json();
      const payload = res.ok ? answer.payload : answer.error;
      opened.set(id, typeof payload === "string" ? payload : JSON.stringify(payload, null, 2));
    } catch (err) {
      opened.set(id, `The payload could not be loaded (${err}).`);
    }
    if (opened.has(id)) showPayload(tbody.querySelector(`tr[data-id="${id}"]`), id);
  }

  function showPayload(tr, id) {
    if (!tr) return;
    const next = tr.nextElementSibling;
    if (next && next.classList.contains("payload")) next.remove();
    if (!opened.has(id)) return;
    const detail = document.createElement("tr");
    detail.className = "payload";
    const td = cell();
    td.colSpan = 7;
    const pre = document.createElement("pre");
    pre.textContent = opened.get(id);
    td.appendChild(pre);
    detail.appendChild(td);
    tr.after(detail);
  }

  function queueRow(e) {
    const tr = document.createElement("tr");
    tr.dataset.deliveryId = e.deliveryId;
    tr.appendChild(time(e.receivedAt));
    tr.appendChild(cell(e.endpoint, "wrap"));
    tr.appendChild(cell(e.deliveryId, "wrap"));
    const stateCell = cell(undefined, "nowrap");
    const state = document.createElement("span");
    state.className = `state ${e.status}`;
    state.textContent = e.status;
    if (e.nextAttemptAt) state.title = `next attempt ${new Date(e.nextAttemptAt).toLocaleTimeString()}`;
    stateCell.appendChild(state);
    tr.appendChild(stateCell);
    const last = e.history[e.history.length - 1];
    tr.appendChild(cell(`${e.attempts} / ${e.maxAttempts}${last ? ` (${last.replica})` : ""}`, "nowrap"));
    tr.appendChild(cell(e.lastError || "—", "wrap"));
    const actions = cell(undefined, "actions nowrap");
    if (e.status === "dead") {
      const retry = document.createElement("button");
      retry.type = "button";
      retry.className = "retry";
      retry.textContent = "Retry";
      retry.addEventListener("click", () => doRetry(e.deliveryId, retry));
      actions.appendChild(retry);
    }
    tr.appendChild(actions);
    return tr;
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
      refresh();
    }
  }

  async function doRetry(id, button) {
    button.disabled = true;
    retryResult.textContent = `Retrying ${id}…`;
    try {
      const res = await fetch(`/api/deliveries/${encodeURIComponent(id)}/retry`, { method: "POST", headers: headers() });
      if (res.status === 401 || res.status === 403) return askForSecret("The secret was refused.");
      const answer = await res.json();
      retryResult.textContent = res.ok ? `Queued ${id} again.` : `Could not retry ${id}: ${answer.error || res.status}`;
    } catch (err) {
      retryResult.textContent = `Could not retry ${id}: ${err}`;
    } finally {
      refresh();
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
    const { deliveries, inbox: entries } = await res.json();
    tbody.replaceChildren(...deliveries.map(row));
    for (const d of deliveries) {
      if (opened.has(d.id)) showPayload(tbody.querySelector(`tr[data-id="${d.id}"]`), d.id);
    }
    status.textContent = deliveries.length
      ? `${deliveries.length} recent ${deliveries.length === 1 ? "delivery" : "deliveries"}, newest first.`
      : "No deliveries yet: trigger an event on the Hub, replay one from the webhook's activity tab, or use `webhooks send`.";
    inbox.hidden = !queued;
    if (queued) {
      queueBody.replaceChildren(...entries.map(queueRow));
      const dead = entries.filter((e) => e.status === "dead").length;
      inboxStatus.textContent = entries.length
        ? `${entries.length} stored, newest first${dead ? `; ${dead} dead (Retry queues one again)` : ""}.`
        : "Nothing queued yet.";
    }
  }

  /// Loads now (unless a load is running), then every few seconds while the tab is visible.
  async function refresh() {
    clearTimeout(timer);
    if (!loading) {
      loading = true;
      try {
        if (!document.hidden) await load();
      } finally {
        loading = false;
      }
    }
    timer = setTimeout(refresh, POLL_MS);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    secret = input.value;
    sessionStorage.setItem(KEY, secret);
    input.value = "";
    refresh();
  });
  refresh();
})();

// The preview page: follow the server's events and update the pack in place (the frame keeps
// its scroll position; nothing reloads), show problems instead of a stale pack, build downloads.
"use strict";
(function () {
  const body = document.body;
  const query = body.dataset.query;
  const frame = document.getElementById("pack");
  const problems = document.getElementById("problems");
  const problemList = document.getElementById("problem-list");
  const message = document.getElementById("message");
  const status = document.getElementById("status");
  const toc = document.getElementById("toc");
  let shown = Number(body.dataset.version);
  let wanted = shown;
  let fetching = false;

  function say(text) {
    status.textContent = text;
    status.title = text;
  }

  function time() {
    return new Date().toLocaleTimeString();
  }

  function showMessage(text) {
    message.querySelector("pre").textContent = text;
    message.hidden = false;
  }
  document.getElementById("message-close").addEventListener("click", () => { message.hidden = true; });

  // ---------------------------------------------------------------- the pack, in place

  function replaceDocument(html) {
    const fresh = new DOMParser().parseFromString(html, "text/html");
    const doc = frame.contentDocument;
    const win = frame.contentWindow;
    const x = win.scrollX, y = win.scrollY;
    if (doc.head.innerHTML !== fresh.head.innerHTML) {
      doc.head.replaceWith(doc.importNode(fresh.head, true));
    }
    doc.body.replaceWith(doc.importNode(fresh.body, true));
    for (const name of ["lang", "dir"]) {  // the pack's language and direction
      const value = fresh.documentElement.getAttribute(name);
      if (value === null) doc.documentElement.removeAttribute(name);
      else doc.documentElement.setAttribute(name, value);
    }
    doc.title = fresh.title;
    win.scrollTo(x, y);
  }

  function item(entry) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = "/pack" + (query ? "?" + query : "") + "#" + entry.id;
    a.target = "pack";
    a.dataset.anchor = entry.id;
    a.textContent = entry.title;
    li.append(a);
    return li;
  }

  function buildContents(contents) {
    const list = document.createElement("ol");
    for (const section of contents) {
      const li = item(section);
      if (section.headings.length) {
        const sub = document.createElement("ol");
        for (const heading of section.headings) sub.append(item(heading));
        li.append(sub);
      }
      list.append(li);
    }
    toc.replaceChildren(list);
  }

  function render(data) {
    if (data.errors.length) {
      problems.querySelector("h2").textContent =
        `The sources have ${data.errors.length} error(s): the page shows the pack again once they are fixed`;
      problemList.textContent = [...data.errors, ...data.warnings].join("\n");
      problems.hidden = false;
      frame.hidden = true;
      say(`errors in the sources · ${time()}`);
    } else {
      problems.hidden = true;
      replaceDocument(data.document);
      frame.hidden = false;
      buildContents(data.contents);
      if (data.title) document.title = data.title + " · briefpack preview";
      say(`updated · ${time()}`);
    }
    shown = data.version;
    body.dataset.version = String(shown);
  }

  async function update() {
    if (fetching) return;
    fetching = true;
    try {
      while (shown < wanted) {
        const response = await fetch("/pack.json" + (query ? "?" + query : ""), { cache: "no-store" });
        render(await response.json());
      }
    } catch (error) {
      say(`could not update: ${error}`);
    } finally {
      fetching = false;
    }
  }

  // ---------------------------------------------------------------- events from the server

  function listen() {
    const events = new EventSource("/events");
    events.addEventListener("version", (event) => {
      wanted = Math.max(wanted, JSON.parse(event.data).version);
      // a page for a topic or language the pack lacked: ask again, the pack may have it now
      if (wanted !== shown && document.getElementById("wrong-view")) location.reload();
      else if (wanted !== shown) update();
    });
    events.addEventListener("progress", (event) => {
      say(JSON.parse(event.data).text);
    });
    events.addEventListener("error", () => {
      if (events.readyState === EventSource.CONNECTING) say("server stopped? reconnecting…");
    });
  }
  listen();

  // ---------------------------------------------------------------- the bar

  for (const menu of document.querySelectorAll("#view select")) {
    menu.addEventListener("change", () => {
      // the view's URL names only what differs from the defaults: /?topic=cybersecurity&lang=fr
      const chosen = [...new FormData(menu.form)].filter(([, value]) => value);
      const query = new URLSearchParams(chosen).toString();
      location.assign("/" + (query ? "?" + query : ""));
    });
  }

  toc.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-anchor]");
    if (!link || frame.hidden) return;
    const target = frame.contentDocument.getElementById(link.dataset.anchor);
    if (target) {
      event.preventDefault();
      target.scrollIntoView({ block: "start" });
    }
  });

  for (const link of document.querySelectorAll("a.download")) {
    link.addEventListener("click", async (event) => {
      event.preventDefault();
      if (link.getAttribute("aria-busy") === "true") return;
      const label = link.dataset.format.toUpperCase();
      link.setAttribute("aria-busy", "true");
      message.hidden = true;
      say(`building the ${label}…`);
      try {
        const response = await fetch(link.href, { cache: "no-store" });
        if (!response.ok) {
          const text = await response.text();
          showMessage(text);
          say(`${label} not built · ${time()}`);
          return;
        }
        const disposition = response.headers.get("Content-Disposition") || "";
        const name = (/filename="?([^";]+)"?/.exec(disposition) || [])[1] || `pack.${link.dataset.format}`;
        const pages = response.headers.get("X-Briefpack-Pages");
        const state = response.headers.get("X-Briefpack-State") || "built";
        const blob = await response.blob();
        const save = document.createElement("a");
        save.href = URL.createObjectURL(blob);
        save.download = name;
        document.body.append(save);
        save.click();
        save.remove();
        setTimeout(() => URL.revokeObjectURL(save.href), 60000);
        say(`${name}: ${state}${pages ? `, ${pages} pages` : ""} · ${time()}`);
      } catch (error) {
        showMessage(`the download failed: ${error}`);
      } finally {
        link.removeAttribute("aria-busy");
      }
    });
  }
})();

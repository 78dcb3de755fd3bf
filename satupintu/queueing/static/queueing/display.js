/* Display board: live calls by server-sent events, a chime, then the call spoken in Indonesian
   (and in English on a bilingual board), the counter called by the name the board shows.
   Calls are queued: two calls at the same moment are announced one after the other.
   Sound from the start (data-sound-at-load="1") needs a browser that allows it without a click:
   Chromium in kiosk mode with --autoplay-policy=no-user-gesture-required (README); otherwise the
   "Turn on sound" button in the header stays until pressed.
   The waiting services are shown in pages that turn every data-page-seconds when they do not
   all fit.
   Nothing here reaches the internet: the chime is a local file, speech is the browser's own. */
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) { return; }
  var eventsUrl = board.dataset.eventsUrl;
  var timeZone = board.dataset.timezone || undefined;
  var lang = board.dataset.voiceLang || "id-ID";
  // The languages of each call, in order: "id-ID" (the text in Indonesian words), "en-US".
  var langs = (board.dataset.voiceLangs || lang).split(/\s+/).filter(Boolean);
  var soundAtLoad = board.dataset.soundAtLoad !== "0";
  var maxRows = parseInt(board.dataset.maxRows || "4", 10);
  var chime = document.getElementById("chime");
  var nowBox = document.getElementById("board-now");
  var nowNumber = document.getElementById("now-number");
  var nowCounter = document.getElementById("now-counter");
  var callsBody = document.getElementById("calls-body");
  var offline = document.getElementById("board-offline");
  var soundButton = document.getElementById("board-sound");

  /* ---- clock ---- */
  var clock = document.getElementById("board-clock");
  var dateEl = document.getElementById("board-date");
  var timeFmt = new Intl.DateTimeFormat(document.documentElement.lang || "id",
    { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false, timeZone: timeZone });
  var dateFmt = new Intl.DateTimeFormat(document.documentElement.lang || "id",
    { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: timeZone });
  function tick() {
    var now = new Date();
    clock.textContent = timeFmt.format(now).replace(/\./g, ":");
    dateEl.textContent = dateFmt.format(now);
  }
  tick();
  setInterval(tick, 1000);

  /* ---- voice: one voice per language ---- */
  var voices = {};
  function pickVoices() {
    if (!("speechSynthesis" in window)) { return; }
    var available = window.speechSynthesis.getVoices();
    langs.forEach(function (wanted) {
      var prefix = wanted.slice(0, 2).toLowerCase();
      voices[wanted] = available.filter(function (v) { return v.lang === wanted; })[0] ||
        available.filter(function (v) { return (v.lang || "").toLowerCase().indexOf(prefix) === 0; })[0] || null;
    });
  }
  if ("speechSynthesis" in window) {
    pickVoices();
    window.speechSynthesis.onvoiceschanged = pickVoices;
  }

  /* ---- sound: on from the start where the browser allows it, else after the button ---- */
  var soundWanted = soundAtLoad;  // off: silent until someone presses the button
  function soundAllowed() {
    // An AudioContext made without a click runs only where autoplay needs no user gesture.
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) { return true; }
      var probe = new Ctx();
      var running = probe.state === "running";
      if (probe.close) { probe.close(); }
      return running;
    } catch (e) { return false; }
  }
  function setSoundState(on) {
    board.dataset.sound = on ? "on" : "off";
    soundButton.hidden = on;
  }
  setSoundState(soundWanted && soundAllowed());

  function playChime() {
    return new Promise(function (resolve) {
      var done = false;
      function finish() { if (!done) { done = true; resolve(); } }
      setTimeout(finish, 2500); // never wait on a chime that does not end
      if (chime && chime.play) {
        chime.currentTime = 0;
        chime.onended = finish;
        var played = chime.play();
        if (played && played.catch) {
          played.catch(function () { setSoundState(false); beep(finish); });
        }
      } else {
        beep(finish);
      }
    });
  }

  function beep(done) {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      var ctx = new Ctx();
      [659.25, 523.25].forEach(function (freq, i) {
        var osc = ctx.createOscillator();
        var gain = ctx.createGain();
        osc.frequency.value = freq;
        osc.connect(gain); gain.connect(ctx.destination);
        var start = ctx.currentTime + i * 0.6;
        gain.gain.setValueAtTime(0.4, start);
        gain.gain.exponentialRampToValueAtTime(0.001, start + 0.9);
        osc.start(start); osc.stop(start + 0.9);
      });
      setTimeout(done, 1500);
    } catch (e) { done(); }
  }

  function speak(text, textLang) {
    return new Promise(function (resolve) {
      if (!("speechSynthesis" in window) || !text) { resolve(); return; }
      var done = false;
      function finish() { if (!done) { done = true; resolve(); } }
      var utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = textLang || lang;
      if (voices[utterance.lang]) { utterance.voice = voices[utterance.lang]; }
      utterance.rate = 0.9;
      utterance.onend = finish;
      utterance.onerror = finish;
      // Some engines never fire `end`: give up after a generous estimate of the speaking time.
      setTimeout(finish, Math.max(6000, text.length * 150));
      window.speechSynthesis.speak(utterance);
    });
  }

  // What one call says, in each of the board's languages: [{text, lang}, ...].
  function callTexts(data) {
    if (typeof data === "string") { return [{ text: data, lang: lang }]; }
    return langs.map(function (l) {
      return { text: l.indexOf("id") === 0 ? data.announcement : data.announcement_en, lang: l };
    }).filter(function (part) { return part.text; });
  }

  var pending = [];
  var speaking = false;
  function announce(data) {
    if (!soundWanted) { return; }  // a silent board until someone turns the sound on
    pending.push(callTexts(data));
    if (!speaking) { next(); }
  }
  function next() {
    var parts = pending.shift();
    if (parts === undefined) { speaking = false; return; }
    speaking = true;
    var chain = playChime();
    parts.forEach(function (part) {
      chain = chain.then(function () { return speak(part.text, part.lang); });
    });
    chain.then(function () {
      setTimeout(next, 600); // a short pause between two calls
    });
  }
  window.satupintuAnnounce = announce; // for a manual test from the browser console

  soundButton.addEventListener("click", function () {
    soundWanted = true;
    setSoundState(true);
    if (chime) { chime.play().then(function () { chime.pause(); }).catch(function () {}); }
    if ("speechSynthesis" in window) { window.speechSynthesis.speak(new SpeechSynthesisUtterance("")); }
  });

  /* ---- rendering ---- */
  function showCall(data) {
    nowNumber.textContent = data.ticket_number;
    nowCounter.textContent = data.counter_name || "";
    nowBox.classList.remove("flash");
    void nowBox.offsetWidth; // restart the animation
    nowBox.classList.add("flash");
    var existing = callsBody.querySelector('tr[data-ticket="' + data.ticket_id + '"]');
    if (existing) { existing.remove(); }
    var row = document.createElement("tr");
    row.dataset.ticket = data.ticket_id;
    var cells = [data.ticket_number, data.counter_name || "", data.service_name || ""];
    cells.forEach(function (value, i) {
      var td = document.createElement("td");
      td.textContent = value;
      td.className = ["num", "ctr", "svc"][i];
      row.appendChild(td);
    });
    callsBody.insertBefore(row, callsBody.firstChild);
    while (callsBody.children.length > maxRows) { callsBody.removeChild(callsBody.lastChild); }
  }

  function updateWaiting(waiting) {
    if (!waiting) { return; }
    var entries = Array.isArray(waiting) ? waiting : Object.keys(waiting).map(function (key) {
      var value = waiting[key];
      return typeof value === "object" ? value : { service_id: key, waiting: value };
    });
    entries.forEach(function (entry) {
      var cell = document.querySelector('[data-waiting-service="' + entry.service_id + '"]');
      if (cell) { cell.textContent = entry.waiting; }
    });
  }

  /* ---- waiting services: pages that turn when they do not all fit ---- */
  var waitingList = document.getElementById("waiting-list");
  var pageLabel = document.getElementById("waiting-page");
  var pageSeconds = parseInt(board.dataset.pageSeconds || "8", 10);
  var pageStarts = [0];
  var pageIndex = 0;
  // Show the items from `start` on; return the index of the first that does not fit (items are
  // laid out in rows, in order: it starts the next page, and so does everything after it).
  function fillFrom(items, start) {
    items.forEach(function (item, i) { item.hidden = i < start; });
    var limit = waitingList.getBoundingClientRect().bottom + 1;
    var end = items.length;
    for (var i = start + 1; i < items.length; i++) {
      if (items[i].getBoundingClientRect().bottom > limit) { end = i; break; }
    }
    for (var j = end; j < items.length; j++) { items[j].hidden = true; }
    return end;
  }
  function layoutWaitingPages() {
    if (!waitingList) { return; }
    var items = Array.prototype.slice.call(waitingList.children);
    pageStarts = [0];
    var start = 0;
    while (items.length && pageStarts.length <= items.length) {
      var end = fillFrom(items, start);
      if (end >= items.length) { break; }
      pageStarts.push(end);
      start = end;
    }
    pageIndex = 0;
    showWaitingPage();
  }
  function showWaitingPage() {
    if (!waitingList) { return; }
    var items = Array.prototype.slice.call(waitingList.children);
    if (pageIndex >= pageStarts.length) { pageIndex = 0; }
    fillFrom(items, pageStarts[pageIndex]);
    var pages = pageStarts.length;
    pageLabel.textContent = pages > 1 ? (pageIndex + 1) + "/" + pages : "";
    waitingList.dataset.pages = String(pages);
    waitingList.dataset.page = String(pageIndex + 1);
  }
  layoutWaitingPages();
  window.addEventListener("resize", layoutWaitingPages);
  setInterval(function () {
    if (pageStarts.length < 2) { return; }
    pageIndex = (pageIndex + 1) % pageStarts.length;
    showWaitingPage();
  }, pageSeconds * 1000);

  /* ---- live events (live.js: reconnects with backoff after any error) ---- */
  if (!window.EventSource || !window.SatuPintuLive) { return; }
  // After an outage the server replays only the calls still current, newest first, each marked
  // `replayed`, then `replay.end`: they are shown oldest first (the newest ends on top) and
  // announced newest first, so the live call is never kept waiting behind stale ones.
  var replayed = [];
  function onCall(message) {
    var data = JSON.parse(message.data);
    if (data.replayed) { replayed.push(data); return; }
    showCall(data);
    updateWaiting(data.waiting);
    announce(data);
  }
  function onReplayEnd(message) {
    var calls = replayed;
    replayed = [];
    calls.slice().reverse().forEach(showCall);
    updateWaiting(JSON.parse(message.data).waiting);
    calls.forEach(announce);
  }
  function onCount(message) { updateWaiting(JSON.parse(message.data).waiting); }
  var handlers = {
    "ticket.called": onCall,
    "ticket.recalled": onCall,
    "replay.end": onReplayEnd
  };
  ["ticket.issued", "ticket.started", "ticket.finished", "ticket.no_show", "ticket.transferred",
   "ticket.cancelled", "ticket.returned"].forEach(function (type) { handlers[type] = onCount; });
  window.SatuPintuLive.connect(eventsUrl, handlers, {
    onOpen: function () { offline.hidden = true; replayed = []; },
    onError: function () { offline.hidden = false; }
  });
})();

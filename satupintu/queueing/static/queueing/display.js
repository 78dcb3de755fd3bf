/* Display board: live calls by server-sent events, a chime, then the call spoken in Indonesian.
   Calls are queued: two calls at the same moment are announced one after the other.
   Nothing here reaches the internet: the chime is a local file, speech is the browser's own. */
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) { return; }
  var eventsUrl = board.dataset.eventsUrl;
  var timeZone = board.dataset.timezone || undefined;
  var lang = board.dataset.voiceLang || "id-ID";
  var maxRows = parseInt(board.dataset.maxRows || "6", 10);
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

  /* ---- voice ---- */
  var voice = null;
  function pickVoice() {
    if (!("speechSynthesis" in window)) { return; }
    var voices = window.speechSynthesis.getVoices();
    var prefix = lang.slice(0, 2).toLowerCase();
    voice = voices.filter(function (v) { return v.lang === lang; })[0] ||
      voices.filter(function (v) { return (v.lang || "").toLowerCase().indexOf(prefix) === 0; })[0] || null;
  }
  if ("speechSynthesis" in window) {
    pickVoice();
    window.speechSynthesis.onvoiceschanged = pickVoice;
  }

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
          played.catch(function () { soundButton.hidden = false; beep(finish); });
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

  function speak(text) {
    return new Promise(function (resolve) {
      if (!("speechSynthesis" in window) || !text) { resolve(); return; }
      var done = false;
      function finish() { if (!done) { done = true; resolve(); } }
      var utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = lang;
      if (voice) { utterance.voice = voice; }
      utterance.rate = 0.9;
      utterance.onend = finish;
      utterance.onerror = finish;
      // Some engines never fire `end`: give up after a generous estimate of the speaking time.
      setTimeout(finish, Math.max(6000, text.length * 150));
      window.speechSynthesis.speak(utterance);
    });
  }

  var pending = [];
  var speaking = false;
  function announce(text) {
    pending.push(text);
    if (!speaking) { next(); }
  }
  function next() {
    var text = pending.shift();
    if (text === undefined) { speaking = false; return; }
    speaking = true;
    playChime().then(function () { return speak(text); }).then(function () {
      setTimeout(next, 600); // a short pause between two calls
    });
  }
  window.satupintuAnnounce = announce; // for a manual test from the browser console

  soundButton.addEventListener("click", function () {
    soundButton.hidden = true;
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
      // a long counter name is cut with an ellipsis on screen; the full name stays in the title
      if (i === 1) { td.title = value; }
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
    announce(data.announcement);
  }
  function onReplayEnd(message) {
    var calls = replayed;
    replayed = [];
    calls.slice().reverse().forEach(showCall);
    updateWaiting(JSON.parse(message.data).waiting);
    calls.forEach(function (call) { announce(call.announcement); });
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

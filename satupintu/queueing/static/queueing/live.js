/* Live screens' connection to the server: server-sent events that come back after anything.

   EventSource reconnects by itself only after some failures: a proxy answering 502 or 503 while
   the server restarts, or any answer that is not an event stream, makes it give up for good.
   Here every error closes the stream and opens a new one after a pause that doubles with each
   failed attempt (1 s, 2 s, 4 s ... at most 30 s), taken at random between half and all of it,
   so that a thousand boards do not all come back in the same instant after a restart. The new
   stream resumes after the last event received (`last_event_id`), and the server sends what was
   missed. A stream that stayed up for a while starts the pauses again from 1 s. */
(function () {
  "use strict";

  function connect(url, handlers, options) {
    options = options || {};
    var baseDelay = options.baseDelay || 1000;
    var maxDelay = options.maxDelay || 30000;
    var stableAfter = options.stableAfter || 10000;
    var lastId = null;
    var attempt = 0;
    var source = null;
    var retryTimer = null;
    var stableTimer = null;
    var closed = false;

    function streamUrl() {
      if (lastId === null) { return url; }
      var target = new URL(url, window.location.href);
      target.searchParams.set("last_event_id", lastId);
      return target.pathname + target.search;
    }

    function listen(type) {
      source.addEventListener(type, function (message) {
        if (message.lastEventId) { lastId = message.lastEventId; }
        handlers[type](message);
      });
    }

    function open() {
      retryTimer = null;
      if (closed) { return; }
      source = new EventSource(streamUrl());
      source.onopen = function () {
        if (options.onOpen) { options.onOpen(); }
        clearTimeout(stableTimer);
        stableTimer = setTimeout(function () { attempt = 0; }, stableAfter);
      };
      source.onerror = function () {
        clearTimeout(stableTimer);
        source.close();
        if (options.onError) { options.onError(); }
        retryLater();
      };
      Object.keys(handlers).forEach(listen);
    }

    function retryLater() {
      if (retryTimer !== null || closed) { return; }
      var ceiling = Math.min(maxDelay, baseDelay * Math.pow(2, attempt));
      attempt += 1;
      var delay = ceiling / 2 + Math.random() * ceiling / 2;
      retryTimer = setTimeout(open, delay);
    }

    open();
    return {
      close: function () {
        closed = true;
        clearTimeout(retryTimer);
        clearTimeout(stableTimer);
        if (source) { source.close(); }
      },
      lastEventId: function () { return lastId; }
    };
  }

  window.SatuPintuLive = { connect: connect };
})();

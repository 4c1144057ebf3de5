// kchat web client: the page, the WebSocket (docs/edge-protocol.md) and the HTTP API
// (docs/api/openapi.yaml). The state lives in state.js; this file renders it and talks to the edge.
(function () {
  'use strict';
  var S = KChatState;
  var $ = function (id) { return document.getElementById(id); };
  var PING_EVERY_MS = 25000;
  var TYPING_EVERY_MS = 2000;
  var TYPING_IDLE_MS = 4000;
  var PAGE = 50;
  var LIST_RELOAD_MS = 1500;
  var LIST_REFRESH_MS = 30000;

  var apiUrl = location.origin;
  var token = null, me = null, device = null;
  var state = null, ws = null, wsUrl = null, live = false, everLive = false, signingOut = false, backoff = 500;
  var open = null, replyTo = null, editing = null, loadingOlder = false;
  var lastTypingSent = 0, typingIdle = null, watched = {}, sendCount = 0;

  // ---- HTTP API ------------------------------------------------------------------------------

  function api(method, path, body, opts) {
    var headers = {'Authorization': 'Bearer ' + token};
    if (body !== undefined) { headers['Content-Type'] = 'application/json'; }
    if (opts && opts.key) { headers['Idempotency-Key'] = opts.key; }
    if (opts && opts.wait) { headers['Prefer'] = 'wait=' + opts.wait; }
    return fetch(apiUrl + path, {method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body)})
      .then(function (r) {
        return r.text().then(function (t) {
          var json = t ? JSON.parse(t) : {};
          if (!r.ok) {
            var err = new Error((json.error && json.error.message) || r.statusText);
            err.status = r.status; err.code = json.error ? json.error.code : 'http_' + r.status;
            throw err;
          }
          return json;
        });
      });
  }

  function key(prefix) { return prefix + '-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 8); }

  function notice(text, cls) {
    var n = $('notice');
    n.textContent = text;
    n.className = cls || 'info';
    clearTimeout(notice.timer);
    notice.timer = setTimeout(function () { n.textContent = ''; n.className = ''; }, 8000);
  }

  function failed(what) { return function (e) { notice(what + ': ' + (e.code || '') + ' ' + e.message, 'error'); }; }

  // ---- signing in and the WebSocket --------------------------------------------------------

  function signIn() {
    var t = $('token').value.trim();
    var user = S.userOf(t, atob);
    if (!user) { notice('that is not a token (a JWT with a sub)', 'error'); return; }
    token = t; me = user; device = $('device').value.trim() || 'web';
    sessionStorage.setItem('kchat.token', token);
    sessionStorage.setItem('kchat.device', device);
    state = S.create(me);
    try { state.status = JSON.parse(localStorage.getItem(S.statusKeyName(me, device)) || '{}'); } catch (e) { state.status = {}; }
    signingOut = false; everLive = false;
    $('signin').hidden = true; $('app').hidden = false;
    $('me').textContent = me + ' on ' + device;
    loadConversations();
    connect(null);
  }

  function signOut() {
    signingOut = true;
    sessionStorage.removeItem('kchat.token');
    if (ws) { ws.close(1000, 'signed out'); }
    location.reload();
  }

  function connect(url) {
    wsUrl = url || (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/v1/ws';
    var since = S.loadSyncKey(localStorage, me, device);
    var socket = new WebSocket(wsUrl + '?access_token=' + encodeURIComponent(token));
    ws = socket; live = false;
    setConn('connecting');
    socket.onopen = function () {
      socket.send(JSON.stringify({type: 'hello', device_id: device, since_inbox_seq: since, platform: 'web'}));
    };
    socket.onmessage = function (m) { onFrame(socket, JSON.parse(m.data)); };
    socket.onclose = function (e) {
      if (socket !== ws) { return; }
      live = false;
      setConn('disconnected (' + e.code + (e.reason ? ' ' + e.reason : '') + ')');
      if (signingOut || e.code === 4401 || e.code === 4400) { return; }
      var next = socket.nextUrl || null;
      setTimeout(function () { connect(next); }, next ? 0 : backoff);
      backoff = Math.min(backoff * 2, 15000);
    };
  }

  function setConn(text) { $('conn').textContent = text; $('conn').className = live ? 'live' : 'down'; }

  function send(frame) { if (ws && ws.readyState === 1) { ws.send(JSON.stringify(frame)); return true; } return false; }

  function onFrame(socket, f) {
    if (f.type === 'event') {
      S.saveSyncKey(localStorage, me, device, f.inbox_seq);
      send({type: 'ack', inbox_seq: f.inbox_seq});
      changed(S.onItem(state, f.entry.item, open));
    } else if (f.type === 'broadcast') {
      // A read-diffused conversation: no inbox seq, so a broadcast the edge dropped (a slow
      // connection) shows as a seq gap, read from history.
      var gap = S.broadcastGap(state, f);
      changed(S.onItem(state, f.event, open));
      if (gap) { readNewer(gap); }
    } else if (f.type === 'sent') {
      S.onSent(state, f); view.timeline(false);
    } else if (f.type === 'accepted' || f.type === 'rejected') {
      var n = S.onOutcome(state, f);
      if (n) { notice(n.text, n.kind); }
      view.timeline(false);
    } else if (f.type === 'ready') {
      live = true; backoff = 500; setConn('live');
      watchPresence();
      // The inbox resume does not replay read-diffused conversations: what they got meanwhile is
      // read from the list (last seq, unread, preview) and from history (loaded timelines).
      if (everLive) { loadConversations(); }
      everLive = true;
    } else if (f.type === 'typing') {
      S.onTyping(state, f, Date.now()); view.typing();
    } else if (f.type === 'presence') {
      S.onPresence(state, f); view.list(); view.header();
      // The answer for a user never seen (or not visible yet): ask again with the next list.
      if (f.state === 'OFFLINE' && !f.last_active_at && f.devices_online === 0) { watched[f.user_id] = false; }
    } else if (f.type === 'redirect') {
      socket.nextUrl = f.edge;
    } else if (f.type === 'reconnect') {
      socket.nextUrl = f.edge || null; watched = {};
    } else if (f.type === 'error' && f.code === 'sync_key_ahead') {
      S.saveSyncKey(localStorage, me, device, f.inbox_seq);
    } else if (f.type === 'error') {
      notice(f.code + ': ' + f.message, 'error');
      if (f.ref) { S.onOutcome(state, {type: 'rejected', ref: f.ref, code: f.code, reason: f.message}); view.timeline(false); }
    }
  }

  // Something the inbox changed: the list, and the open conversation if it is that one. A
  // conversation new to the page is read again from the list shortly (its name, kind, counts).
  function changed(what) {
    if (!what) { return; }
    if (!state.convs[what.conversation].listed && !changed.reload) {
      changed.reload = setTimeout(function () { changed.reload = null; loadConversations(); }, LIST_RELOAD_MS);
    }
    localStorage.setItem(S.statusKeyName(me, device), JSON.stringify(state.status));
    view.list();
    if (what.conversation === open) {
      view.timeline(false);
      markRead();
    }
  }

  // Lazy presence: the other member of every direct chat the store lists (the edge shows presence
  // only to members of a shared chat, as the store has it, and caches its answer for 30 s).
  function watchPresence() {
    var users = Object.keys(state.convs).filter(function (id) { return state.convs[id].listed; })
      .map(function (id) { return S.peer(state, id); })
      .filter(function (u) { return u && !watched[u]; });
    if (users.length > 0 && send({type: 'subscribe_presence', users: users.slice(0, 200)})) {
      users.forEach(function (u) { watched[u] = true; });
    }
  }

  // ---- conversations ------------------------------------------------------------------------

  // The list, then the loaded timelines it shows behind (events the page did not get as frames).
  function loadConversations() {
    return api('GET', '/v1/conversations?limit=200').then(function (r) {
      S.applyConversationList(state, r.conversations);
      view.list();
      watchPresence();
      S.behindList(state).forEach(readNewer);
    }).catch(failed('conversation list'));
  }

  // History after gap.after, a page at a time up to gap.until, merged into the timeline; the
  // messages on screen that a missed change acts on are read again.
  function readNewer(gap) {
    var id = gap.conversation;
    api('GET', '/v1/conversations/' + id + '/messages?order=oldest&after=' + gap.after + '&limit=' + PAGE).then(function (page) {
      var got = S.applyNewer(state, id, page);
      view.list();
      if (open === id) { view.timeline(false); markRead(); }
      got.stale.forEach(function (seq) { readAgain(id, seq); });
      if (page.has_more && got.newest !== null && got.newest < gap.until) {
        readNewer({conversation: id, after: got.newest, until: gap.until});
      }
    }).catch(failed('missed messages'));
  }

  function readAgain(id, seq) {
    api('GET', '/v1/conversations/' + id + '/messages?before=' + (seq + 1) + '&limit=1').then(function (page) {
      S.applyRestated(state, id, page);
      if (open === id) { view.timeline(false); }
    }).catch(failed('changed message'));
  }

  function openConversation(id) {
    open = id; replyTo = null; editing = null;
    S.conv(state, id);
    view.list(); view.header(); view.composer();
    $('conversation').hidden = false;
    var c = state.convs[id];
    if (c.oldestSeq === null) {
      api('GET', '/v1/conversations/' + id + '/messages?limit=' + PAGE).then(function (page) {
        S.applyHistory(state, id, page);
        if (open === id) { view.timeline(true); markRead(); }
      }).catch(failed('history'));
    } else {
      view.timeline(true); markRead();
    }
    $('text').focus();
  }

  // Infinite scroll: near the top, the page before the oldest seq on screen.
  function loadOlder() {
    var c = open && state.convs[open];
    if (!c || loadingOlder || !c.hasMore || c.oldestSeq === null) { return; }
    loadingOlder = true;
    var id = open;
    api('GET', '/v1/conversations/' + id + '/messages?before=' + c.oldestSeq + '&limit=' + PAGE).then(function (page) {
      S.applyHistory(state, id, page);
      if (open === id) {
        var box = $('messages'), before = box.scrollHeight;
        view.timeline(false);
        box.scrollTop += box.scrollHeight - before;
      }
    }).catch(failed('older messages')).then(function () { loadingOlder = false; });
  }

  function markRead() {
    if (!open || document.visibilityState === 'hidden') { return; }
    var seq = S.readDue(state, open);
    if (seq > 0) {
      send({type: 'read', conversation_id: open, seq: seq});
      view.list();
    }
  }

  function startDirect() {
    var user = $('new-direct').value.trim();
    if (!user) { return; }
    var id = 'dm:' + [me, user].sort().join(':');
    api('POST', '/v1/conversations', {kind: 'direct', members: [user]}, {wait: 5, key: 'dm-' + user}).then(function () {
      $('new-direct').value = '';
      openConversation(id);
    }).catch(function (e) {
      if (e.code === 'conversation_exists') { $('new-direct').value = ''; openConversation(id); } else { failed('new chat')(e); }
    });
  }

  function createGroup() {
    var name = $('new-group-name').value.trim();
    var members = $('new-group-members').value.split(/[\s,]+/).filter(Boolean);
    if (!name) { notice('a group needs a name', 'error'); return; }
    api('POST', '/v1/conversations', {kind: 'group', name: name, members: members}, {wait: 10, key: key('grp')}).then(function (r) {
      $('new-group-name').value = ''; $('new-group-members').value = '';
      var c = S.conv(state, r.conversation_id);
      c.name = name; c.kind = 'GROUP'; c.activity = new Date().toISOString();
      openConversation(r.conversation_id);
    }).catch(failed('new group'));
  }

  function addMembers() {
    var users = $('add-member').value.split(/[\s,]+/).filter(Boolean);
    if (!open || users.length === 0) { return; }
    api('POST', '/v1/conversations/' + open + '/members', {user_ids: users}, {wait: 10, key: key('add')}).then(function () {
      $('add-member').value = '';
      notice('added ' + users.join(', '), 'info');
    }).catch(failed('add members'));
  }

  // ---- sending, editing, recalling, reacting -------------------------------------------------

  function submit() {
    var text = $('text').value;
    if (!open || text.trim() === '') { return; }
    if (editing !== null) {
      var seq = editing;
      api('PATCH', '/v1/conversations/' + open + '/messages/' + seq, {body: text}, {key: key('edit')}).catch(failed('edit'));
      editing = null;
    } else {
      var id = 'web-' + device + '-' + Date.now().toString(36) + '-' + (sendCount++);
      var frame = {type: 'send', conversation_id: open, client_msg_id: id, body: text};
      if (replyTo !== null) { frame.reply_to_seq = replyTo; }
      S.addPending(state, open, id, text, replyTo);
      if (!send(frame)) { S.onOutcome(state, {type: 'rejected', ref: id, code: 'offline', reason: 'not connected'}); }
      replyTo = null;
    }
    $('text').value = '';
    stopTyping();
    view.composer();
    view.timeline(false);
    $('messages').scrollTop = 1e9;
  }

  function recall(seq) {
    api('DELETE', '/v1/conversations/' + open + '/messages/' + seq + '?mode=recall', undefined, {key: key('recall')})
      .catch(failed('recall'));
  }

  function react(seq, emoji) {
    var mine = state.reactedByMe[open + '#' + seq + '#' + emoji];
    var path = '/v1/conversations/' + open + '/messages/' + seq + '/reactions';
    (mine ? api('DELETE', path + '/' + encodeURIComponent(emoji), undefined, {key: key('unreact')})
      : api('POST', path, {emoji: emoji}, {key: key('react')})).catch(failed('reaction'));
  }

  function typed() {
    var now = Date.now();
    if (open && now - lastTypingSent > TYPING_EVERY_MS) {
      send({type: 'typing', conversation_id: open, typing: true});
      lastTypingSent = now;
    }
    clearTimeout(typingIdle);
    typingIdle = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function stopTyping() {
    clearTimeout(typingIdle);
    if (open && lastTypingSent > 0) { send({type: 'typing', conversation_id: open, typing: false}); }
    lastTypingSent = 0;
  }

  var view = KChatView({
    now: function () { return {state: state, open: open, me: me, replyTo: replyTo, editing: editing}; },
    openConversation: openConversation,
    react: react,
    recall: recall,
    reply: function (seq) { replyTo = seq; editing = null; view.composer(); $('text').focus(); },
    edit: function (m) { editing = m.seq; replyTo = null; $('text').value = m.body; view.composer(); $('text').focus(); }
  });

  // ---- wiring ---------------------------------------------------------------------------------

  function start() {
    $('signin-go').onclick = signIn;
    $('token').onkeydown = function (e) { if (e.key === 'Enter') { signIn(); } };
    $('signout').onclick = signOut;
    $('new-direct-go').onclick = startDirect;
    $('new-group-go').onclick = createGroup;
    $('add-member-go').onclick = addMembers;
    $('send').onclick = submit;
    $('text').onkeydown = function (e) {
      if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); submit(); } else if (e.key === 'Escape') {
        replyTo = null; editing = null; $('text').value = ''; view.composer();
      }
    };
    $('text').oninput = typed;
    $('reply-cancel').onclick = function () { replyTo = null; editing = null; view.composer(); };
    $('messages').onscroll = function () { if ($('messages').scrollTop < 80) { loadOlder(); } };
    document.addEventListener('visibilitychange', markRead);
    setInterval(function () { send({type: 'ping'}); }, PING_EVERY_MS);
    setInterval(function () { view.typing(); }, 1000);
    setInterval(function () { if (state) { loadConversations(); } }, LIST_REFRESH_MS);
    $('device').value = sessionStorage.getItem('kchat.device') || 'web';
    var saved = sessionStorage.getItem('kchat.token');
    if (saved) { $('token').value = saved; signIn(); }
  }

  // Where the HTTP API is: the edge says (edge.web.api.url), else it is this page's origin.
  fetch('/web/config.json').then(function (r) { return r.json(); }).then(function (cfg) {
    if (cfg.api_url) { apiUrl = cfg.api_url.replace(/\/$/, ''); }
  }).catch(function () { /* no config: the API is on this origin */ }).then(start);
}());

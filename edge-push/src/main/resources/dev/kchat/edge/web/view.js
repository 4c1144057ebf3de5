// kchat web client: the view. Renders what state.js holds into the page; the user's clicks go back
// to app.js through the context it passes (ctx.now() is what the page shows now).
var KChatView = function (ctx) {
  'use strict';
  var S = KChatState;
  var $ = function (id) { return document.getElementById(id); };
  var EMOJI = ['👍', '❤️', '😂', '🎉'];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }

  function renderList() {
    var v = ctx.now(), state = v.state, open = v.open, me = v.me, replyTo = v.replyTo, editing = v.editing;
    var list = $('conversations');
    list.textContent = '';
    S.conversationOrder(state).forEach(function (id) {
      var c = state.convs[id], li = el('li', 'conv' + (id === open ? ' open' : '') + (c.active ? '' : ' left'));
      li.dataset.id = id;
      var peer = S.peer(state, id), p = peer && state.presence[peer];
      var head = el('div', 'conv-head');
      head.append(el('span', 'dot ' + (p ? p.state.toLowerCase() : 'offline')), el('span', 'name', S.title(state, id)));
      if (c.unread > 0 && id !== open) { head.append(el('span', 'unread', String(c.unread))); }
      li.append(head);
      li.append(el('div', 'preview', c.preview ? (c.previewSender === me ? 'you: ' : '') + c.preview : ''));
      li.onclick = function () { ctx.openConversation(id); };
      list.append(li);
    });
  }

  function renderHeader() {
    var v = ctx.now(), state = v.state, open = v.open, me = v.me, replyTo = v.replyTo, editing = v.editing;
    if (!open) { return; }
    $('conv-title').textContent = S.title(state, open);
    var peer = S.peer(state, open), p = peer && state.presence[peer];
    $('conv-presence').textContent = peer ? (p ? p.state.toLowerCase() + (p.state === 'OFFLINE' && p.lastActive
      ? ', last seen ' + new Date(p.lastActive).toLocaleTimeString() : '') : '') : open;
    $('members-bar').hidden = peer !== null;
  }

  function renderComposer() {
    var v = ctx.now(), state = v.state, open = v.open, me = v.me, replyTo = v.replyTo, editing = v.editing;
    var bar = $('reply-bar');
    if (editing !== null) {
      bar.hidden = false; bar.firstChild.textContent = 'editing #' + editing;
    } else if (replyTo !== null) {
      var t = state.messages[open] && state.messages[open][replyTo];
      bar.hidden = false; bar.firstChild.textContent = 'replying to ' + (t ? t.actor + ': ' + (t.body || '') : '#' + replyTo);
    } else {
      bar.hidden = true;
    }
  }

  function renderTyping() {
    var v = ctx.now(), state = v.state, open = v.open, me = v.me, replyTo = v.replyTo, editing = v.editing;
    if (!open) { return; }
    var who = S.typingIn(state, open, Date.now());
    $('typing').textContent = who.length === 0 ? '' : who.join(', ') + (who.length === 1 ? ' is typing…' : ' are typing…');
  }

  var MARKS = {pending: '🕓', sent: '✓', accepted: '✓', delivered: '✓✓', read: '✓✓', rejected: '⚠'};

  function renderTimeline(toBottom) {
    var v = ctx.now(), state = v.state, open = v.open, me = v.me, replyTo = v.replyTo, editing = v.editing;
    if (!open) { return; }
    var box = $('messages'), nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 60;
    var msgs = state.messages[open] || {};
    box.textContent = '';
    var c = state.convs[open];
    if (c && !c.hasMore) { box.append(el('div', 'start', 'the beginning of the conversation')); }
    S.timeline(state, open).forEach(function (m) {
      if (m.hidden) { return; }
      if (m.type !== 'MessagePosted') { box.append(el('div', 'system', m.text)); return; }
      var mine = m.actor === me, d = el('div', 'msg ' + (mine ? 'mine' : 'theirs'));
      if (m.seq !== null) { d.dataset.seq = m.seq; }
      if (m.clientMsgId) { d.dataset.cmid = m.clientMsgId; }
      d.dataset.status = m.status;
      d.append(el('div', 'who', m.actor + (m.seq !== null ? ' · #' + m.seq : '')));
      if (m.replyTo) {
        var t = msgs[m.replyTo];
        d.append(el('div', 'quote', '↪ ' + (t ? t.actor + ': ' + (t.body || '(' + t.status.toLowerCase() + ')') : '#' + m.replyTo)));
      }
      var gone = m.status === 'RECALLED' || m.status === 'DELETED' || m.status === 'REDACTED';
      d.append(el('div', 'body' + (gone ? ' gone' : ''), gone ? 'message ' + m.status.toLowerCase() : m.body));
      var foot = el('div', 'foot');
      if (m.status === 'EDITED') { foot.append(el('span', 'edited', 'edited')); }
      var reactions = el('span', 'reactions');
      Object.keys(gone ? {} : m.reactions || {}).forEach(function (e) {
        var b = el('button', 'reaction', e + ' ' + m.reactions[e]);
        b.dataset.emoji = e;
        b.onclick = function () { ctx.react(m.seq, e); };
        reactions.append(b);
      });
      foot.append(reactions);
      var delivery = S.deliveryOf(state, open, m);
      if (delivery) {
        var mark = el('span', 'mark ' + delivery, MARKS[delivery]);
        mark.dataset.delivery = delivery;
        mark.title = delivery + (m.code ? ': ' + m.code + ' (' + m.reason + ')' : '');
        foot.append(mark);
        if (delivery === 'rejected') { foot.append(el('span', 'why', m.code + ': ' + m.reason)); }
      }
      d.append(foot);
      if (m.seq !== null && !gone) { d.append(actions(m, mine)); }
      box.append(d);
    });
    if (toBottom || nearBottom) { box.scrollTop = box.scrollHeight; }
    renderTyping();
  }

  function actions(m, mine) {
    var v = ctx.now(), state = v.state, open = v.open, me = v.me, replyTo = v.replyTo, editing = v.editing;
    var a = el('div', 'actions');
    var reply = el('button', 'act-reply', 'reply');
    reply.onclick = function () { ctx.reply(m.seq); };
    a.append(reply);
    EMOJI.forEach(function (e) {
      var b = el('button', 'act-react', e);
      b.dataset.emoji = e;
      b.onclick = function () { ctx.react(m.seq, e); };
      a.append(b);
    });
    if (mine) {
      var edit = el('button', 'act-edit', 'edit');
      edit.onclick = function () { ctx.edit(m); };
      var rec = el('button', 'act-recall', 'recall');
      rec.onclick = function () { ctx.recall(m.seq); };
      a.append(edit, rec);
    }
    return a;
  }

  return {list: renderList, header: renderHeader, composer: renderComposer, typing: renderTyping, timeline: renderTimeline};
};

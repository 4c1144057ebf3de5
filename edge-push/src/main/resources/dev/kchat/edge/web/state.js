// kchat web client: the state, as plain functions over values (no DOM, no network), so that
// edge-push's WebClientStateTest runs it in Rhino. app.js feeds it frames and HTTP answers and
// renders what it holds.
var KChatState = (function () {
  'use strict';

  // The SyncKey (newest inbox seq this device has) is per user and device: one browser may be
  // several users and devices, and a SyncKey from another inbox is ahead of (or behind) this one.
  function syncKeyName(userId, device) {
    return 'kchat.inbox_seq.' + encodeURIComponent(userId) + '.' + encodeURIComponent(device);
  }

  function loadSyncKey(storage, userId, device) {
    var v = Number(storage.getItem(syncKeyName(userId, device)) || 0);
    return isFinite(v) && v >= 0 ? v : 0;
  }

  function saveSyncKey(storage, userId, device, seq) {
    storage.setItem(syncKeyName(userId, device), String(seq));
  }

  // What the senders' devices last heard of their messages (MessageStatusChanged entries come once,
  // through the inbox, so the page keeps them next to the SyncKey).
  function statusKeyName(userId, device) {
    return 'kchat.status.' + encodeURIComponent(userId) + '.' + encodeURIComponent(device);
  }

  /** The subject of a JWT (the user id), or null if it is not one. */
  function userOf(token, decode) {
    try {
      var part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      var sub = JSON.parse(decode(part + '==='.slice((part.length + 3) % 4))).sub;
      return typeof sub === 'string' && sub.length > 0 ? sub : null;
    } catch (e) {
      return null;
    }
  }

  /** A new, empty state for a user. */
  function create(me) {
    return {me: me, convs: {}, messages: {}, pending: {}, status: {}, typing: {}, presence: {}, reactedByMe: {}};
  }

  function conv(s, id) {
    if (!s.convs[id]) {
      s.convs[id] = {id: id, kind: id.indexOf('dm:') === 0 ? 'DIRECT' : 'GROUP', name: null, unread: 0, readSeq: 0,
        lastSeq: 0, preview: null, previewSender: null, activity: '', oldestSeq: null, hasMore: true, active: true};
    }
    return s.convs[id];
  }

  function messagesOf(s, id) {
    if (!s.messages[id]) { s.messages[id] = {}; }
    return s.messages[id];
  }

  /** The name to show for a conversation: its name, or the other member of a direct chat. */
  function title(s, id) {
    var c = conv(s, id);
    if (c.name) { return c.name; }
    if (id.indexOf('dm:') === 0) {
      var users = id.substring(3).split(':');
      return users[0] === s.me ? users[1] : users[0];
    }
    return id;
  }

  /** The other member of a direct chat, or null. */
  function peer(s, id) {
    if (id.indexOf('dm:') !== 0) { return null; }
    var users = id.substring(3).split(':');
    return users[0] === s.me ? users[1] : users[0];
  }

  /** The conversation list from GET /v1/conversations. */
  function applyConversationList(s, list) {
    list.forEach(function (c) {
      var x = conv(s, c.conversation_id);
      x.kind = c.kind || x.kind;
      x.name = c.name || x.name;
      // The list comes from the store, which lags the inbox: what the page already knows that is newer wins.
      if ((c.read_seq || 0) >= x.readSeq) { x.unread = c.unread || 0; }
      x.readSeq = Math.max(x.readSeq, c.read_seq || 0);
      if (x.preview === null || (c.last_seq || 0) >= x.lastSeq) {
        x.preview = c.last_message_preview;
        x.previewSender = c.last_message_sender;
      }
      x.lastSeq = Math.max(x.lastSeq, c.last_seq || 0);
      if ((c.last_activity_at || '') > x.activity) { x.activity = c.last_activity_at; }
      x.listed = true;
      x.active = c.active !== false;
    });
  }

  /** Conversation ids, most recent activity first. */
  function conversationOrder(s) {
    return Object.keys(s.convs).sort(function (a, b) {
      var x = s.convs[a].activity, y = s.convs[b].activity;
      return x === y ? (a < b ? -1 : 1) : (x < y ? 1 : -1);
    });
  }

  // A stored event of history: a message as it stands now (edits, recalls and reactions applied by
  // the store), a change of one (shown through its target, so hidden), or a membership line.
  function storedMessage(e) {
    var m = {seq: e.seq, type: e.event_type, actor: e.actor_id, body: e.body, replyTo: e.reply_to_seq || null,
      clientMsgId: e.client_msg_id || null, status: e.status || 'POSTED', reactions: e.reactions || {},
      at: e.occurred_at, text: null};
    if (e.event_type !== 'MessagePosted') {
      if (/^(Message|Reaction)/.test(e.event_type)) { m.hidden = true; } else { m.text = describeStored(e); }
    }
    return m;
  }

  // History keeps the kind and the actor of a membership event, not its details.
  function describeStored(e) {
    var a = e.actor_id;
    switch (e.event_type) {
      case 'ConversationCreated': return a + ' created the chat';
      case 'MemberJoined': return a + ' added members';
      case 'MemberLeft': return 'a member left or was removed by ' + a;
      case 'ConversationRenamed': return a + ' renamed the chat';
      case 'RoleChanged': return a + ' changed a role';
      case 'OwnershipTransferred': return a + ' handed over the ownership';
      default: return e.event_type;
    }
  }

  /** A page of history (GET .../messages, newest first or oldest first: both are fine). */
  function applyHistory(s, id, page) {
    var c = conv(s, id), msgs = messagesOf(s, id);
    page.events.forEach(function (e) {
      if (!msgs[e.seq]) { msgs[e.seq] = storedMessage(e); }
      c.oldestSeq = c.oldestSeq === null ? e.seq : Math.min(c.oldestSeq, e.seq);
      c.lastSeq = Math.max(c.lastSeq, e.seq);
    });
    c.hasMore = page.has_more === true && (c.oldestSeq === null || c.oldestSeq > 1);
  }

  /**
   * A page of history after a seq (GET .../messages?after=): what a read-diffused conversation's
   * device missed. Merged like any page, without touching what is left to load before the oldest.
   * Returns {newest, stale}: the newest seq of the page (null if it is empty), and the seqs of
   * messages already shown that a change in the page (an edit, a recall, a reaction) acts on:
   * history gives the change, not its target again, so read those again (applyRestated).
   */
  function applyNewer(s, id, page) {
    var c = conv(s, id), msgs = messagesOf(s, id), hasMore = c.hasMore, stale = [];
    page.events.forEach(function (e) {
      var t = e.target_seq;
      if (t && !msgs[e.seq] && msgs[t] && !msgs[t].hidden && stale.indexOf(t) < 0) { stale.push(t); }
    });
    applyHistory(s, id, page);
    c.hasMore = hasMore;
    var newest = page.events.reduce(function (max, e) { return max === null || e.seq > max ? e.seq : max; }, null);
    return {newest: newest, stale: stale};
  }

  /** Messages read again from history: those shown take their current body, status and reactions. */
  function applyRestated(s, id, page) {
    var msgs = messagesOf(s, id);
    page.events.forEach(function (e) {
      var m = msgs[e.seq];
      if (m && e.event_type === 'MessagePosted') {
        m.body = e.body;
        m.status = e.status || m.status;
        m.reactions = e.reactions || {};
      }
    });
  }

  /**
   * The conversations to catch up after the list was read again (a reconnect): those whose
   * timeline is loaded and whose newest seq shown is below the conversation's last seq. Each as
   * {conversation, after, until}: read history after {@code after} up to {@code until}.
   */
  function behindList(s) {
    return Object.keys(s.convs).map(function (id) { return gapTo(s, id, s.convs[id].lastSeq + 1); })
      .filter(function (g) { return g !== null; });
  }

  /**
   * A read-diffused event (a broadcast frame) that is more than one above the newest seq of a
   * loaded timeline: the edge dropped or never sent what is between. Returns the gap as
   * {conversation, after, until}, or null. Call it before the event is applied.
   */
  function broadcastGap(s, ev) {
    return s.convs[ev.conversation_id] ? gapTo(s, ev.conversation_id, ev.seq) : null;
  }

  // The seqs missing between a loaded timeline's newest and {@code next}, exclusive, or null.
  function gapTo(s, id, next) {
    var c = s.convs[id], newest = newestSeq(s, id);
    return c.oldestSeq === null || next <= newest + 1 ? null : {conversation: id, after: newest, until: next - 1};
  }

  /** The messages of a conversation in seq order, then its pending sends. */
  function timeline(s, id) {
    var msgs = messagesOf(s, id);
    var out = Object.keys(msgs).map(Number).sort(function (a, b) { return a - b; }).map(function (k) { return msgs[k]; });
    var pending = s.pending[id] || {};
    Object.keys(pending).forEach(function (k) { out.push(pending[k]); });
    return out;
  }

  /** A send the user just made: shown at once as pending. */
  function addPending(s, id, clientMsgId, body, replyTo) {
    if (!s.pending[id]) { s.pending[id] = {}; }
    s.pending[id][clientMsgId] = {seq: null, type: 'MessagePosted', actor: s.me, body: body, replyTo: replyTo || null,
      clientMsgId: clientMsgId, status: 'POSTED', reactions: {}, delivery: 'pending', code: null, reason: null};
  }

  function findPending(s, clientMsgId) {
    for (var id in s.pending) {
      if (s.pending[id][clientMsgId]) { return s.pending[id][clientMsgId]; }
    }
    return null;
  }

  /** The edge's "sent" frame: Kafka has the send, not yet decided. */
  function onSent(s, frame) {
    var p = findPending(s, frame.client_msg_id);
    if (p && p.delivery === 'pending') { p.delivery = 'sent'; }
  }

  /**
   * An "accepted" or "rejected" frame. Returns the notice to show for commands other than this
   * device's pending sends (edits, recalls, reactions, creates...), or null.
   */
  function onOutcome(s, frame) {
    var p = frame.ref ? findPending(s, frame.ref) : null;
    if (frame.type === 'rejected') {
      if (p) { p.delivery = 'rejected'; p.code = frame.code; p.reason = frame.reason; return null; }
      return {kind: 'error', text: (frame.command_type || 'command') + ' refused: ' + frame.code + ' (' + frame.reason + ')'};
    }
    if (p) {
      p.delivery = 'accepted';
      p.seq = frame.seq;
      settle(s, frame.conversation_id, p);
    }
    return null;
  }

  // A pending send whose seq is known and whose event is in: one message, no longer pending.
  function settle(s, id, p) {
    var msgs = messagesOf(s, id);
    if (p.seq !== null && msgs[p.seq]) {
      msgs[p.seq].delivery = msgs[p.seq].delivery || 'accepted';
      delete s.pending[id][p.clientMsgId];
    }
  }

  function touch(c, ev) {
    c.lastSeq = Math.max(c.lastSeq, ev.seq || 0);
    if (ev.occurred_at && ev.occurred_at > c.activity) { c.activity = ev.occurred_at; }
  }

  /**
   * One inbox entry's item (an "event" frame's entry.item, or a broadcast's event). {@code open}
   * is the conversation on screen. Returns what changed: {conversation, seq, message} or null.
   */
  function onItem(s, item, open) {
    if (item.type === 'MessageStatusChanged') {
      var st = s.status[item.conversation_id] || (s.status[item.conversation_id] = {delivered: 0, read: 0, deliveredCount: 0, readCount: 0});
      if (item.status === 'READ') {
        st.read = Math.max(st.read, item.up_to_seq);
        st.delivered = Math.max(st.delivered, item.up_to_seq);
        st.readCount = item.read_count || st.readCount;
      } else if (item.status === 'DELIVERED') {
        st.delivered = Math.max(st.delivered, item.up_to_seq);
      }
      st.deliveredCount = item.delivered_count || st.deliveredCount;
      return {conversation: item.conversation_id};
    }
    if (item.type === 'ReadPositionChanged') {
      var rc = conv(s, item.conversation_id);
      rc.readSeq = Math.max(rc.readSeq, item.read_seq);
      rc.unread = item.unread;
      return {conversation: item.conversation_id};
    }
    if (item.type === 'CommandResult' || item.type === 'MomentNotification' || !item.payload) {
      return null;
    }
    return onEvent(s, item, open);
  }

  function onEvent(s, ev, open) {
    var id = ev.conversation_id, c = conv(s, id), msgs = messagesOf(s, id), p = ev.payload;
    var seen = msgs[ev.seq] !== undefined;
    touch(c, ev);
    var base = {seq: ev.seq, type: p.type, actor: ev.actor_id, body: null, replyTo: null, clientMsgId: null,
      status: 'POSTED', reactions: {}, at: ev.occurred_at, text: null};
    if (p.type === 'MessagePosted') {
      base.body = p.body;
      base.replyTo = p.reply_to_seq || null;
      base.clientMsgId = p.client_msg_id;
      if (!seen) {
        msgs[ev.seq] = base;
        c.preview = p.body;
        c.previewSender = ev.actor_id;
      }
      // As the store counts: what one sends oneself is read (and everything before it).
      if (ev.actor_id === s.me) { c.readSeq = Math.max(c.readSeq, ev.seq); }
      if (ev.actor_id === s.me && s.pending[id] && s.pending[id][p.client_msg_id]) {
        msgs[ev.seq].delivery = 'accepted';
        delete s.pending[id][p.client_msg_id];
      }
      if (ev.actor_id === s.me && !msgs[ev.seq].delivery) { msgs[ev.seq].delivery = 'accepted'; }
    } else if (p.type === 'MessageEdited' || p.type === 'MessageRecalled' || p.type === 'MessageDeleted'
        || p.type === 'MessageRedacted') {
      var t = msgs[p.target_seq];
      if (t && !seen) {
        if (p.type === 'MessageEdited') { t.body = p.body; t.status = 'EDITED'; }
        if (p.type === 'MessageRecalled') { t.body = null; t.status = 'RECALLED'; }
        if (p.type === 'MessageDeleted') { t.body = null; t.status = 'DELETED'; }
        if (p.type === 'MessageRedacted') { t.body = null; t.status = 'REDACTED'; }
      }
      if (!seen) { msgs[ev.seq] = hidden(base); }
    } else if (p.type === 'ReactionAdded' || p.type === 'ReactionRemoved') {
      var r = msgs[p.target_seq];
      if (r && !seen) {
        var n = (r.reactions[p.emoji] || 0) + (p.type === 'ReactionAdded' ? 1 : -1);
        if (n > 0) { r.reactions[p.emoji] = n; } else { delete r.reactions[p.emoji]; }
      }
      if (ev.actor_id === s.me) { s.reactedByMe[id + '#' + p.target_seq + '#' + p.emoji] = p.type === 'ReactionAdded'; }
      if (!seen) { msgs[ev.seq] = hidden(base); }
    } else if (!seen) {
      base.text = describe(p, ev.actor_id);
      if (p.type === 'ConversationCreated' || p.type === 'ConversationRenamed') { c.name = p.name || c.name; }
      if (p.type === 'ConversationCreated') { c.kind = p.kind || c.kind; }
      if (p.type === 'MemberLeft' && p.user_id === s.me) { c.active = false; }
      msgs[ev.seq] = base;
    }
    // Unread is what the store says: every event after the read position (lastSeq - readSeq).
    c.unread = id === open ? 0 : Math.max(0, c.lastSeq - c.readSeq);
    return {conversation: id, seq: ev.seq, message: msgs[ev.seq]};
  }

  // Edits, recalls and reactions change another message: they take their seq but show nothing.
  function hidden(m) { m.hidden = true; return m; }

  function describe(p, actor) {
    if (p.type === 'ConversationCreated') { return actor + ' created ' + (p.name ? '"' + p.name + '"' : 'the chat'); }
    if (p.type === 'MemberJoined') { return (p.members || []).map(function (m) { return m.user_id || m; }).join(', ') + ' joined'; }
    if (p.type === 'MemberLeft') { return p.user_id + (p.removed ? ' was removed' : ' left'); }
    if (p.type === 'ConversationRenamed') { return actor + ' renamed the chat to "' + p.name + '"'; }
    if (p.type === 'RoleChanged') { return p.user_id + ' is now ' + String(p.role).toLowerCase(); }
    if (p.type === 'OwnershipTransferred') { return p.new_owner_id + ' is now the owner'; }
    return p.type;
  }

  /**
   * The mark of one of my messages: pending, sent (Kafka has it), accepted (sequenced), delivered
   * or read (by the other member; in groups, by at least one), or rejected.
   */
  function deliveryOf(s, id, m) {
    if (m.actor !== s.me) { return null; }
    if (m.seq === null) { return m.delivery; }
    var st = s.status[id];
    if (st && st.read >= m.seq) { return 'read'; }
    if (st && st.delivered >= m.seq) { return 'delivered'; }
    return 'accepted';
  }

  /** The newest seq of a conversation that a read receipt should cover, or 0. */
  function newestSeq(s, id) {
    var keys = Object.keys(messagesOf(s, id)).map(Number);
    return keys.length === 0 ? 0 : Math.max.apply(null, keys);
  }

  /** A read receipt is due: the newest seq on screen is past the read position. Moves the position. */
  function readDue(s, id) {
    var c = conv(s, id), newest = newestSeq(s, id);
    if (newest > c.readSeq) {
      c.readSeq = newest;
      c.unread = 0;
      return newest;
    }
    return 0;
  }

  function onTyping(s, frame, now) {
    var t = s.typing[frame.conversation_id] || (s.typing[frame.conversation_id] = {});
    if (frame.typing) { t[frame.user_id] = now; } else { delete t[frame.user_id]; }
  }

  /** Who is typing in a conversation now: a typing frame counts for 6 s unless stopped sooner. */
  function typingIn(s, id, now) {
    var t = s.typing[id] || {};
    return Object.keys(t).filter(function (u) { return now - t[u] < 6000; }).sort();
  }

  function onPresence(s, frame) {
    s.presence[frame.user_id] = {state: frame.state, lastActive: frame.last_active_at, devices: frame.devices_online};
  }

  return {
    syncKeyName: syncKeyName, loadSyncKey: loadSyncKey, saveSyncKey: saveSyncKey, statusKeyName: statusKeyName,
    userOf: userOf, create: create, conv: conv, title: title, peer: peer,
    applyConversationList: applyConversationList, conversationOrder: conversationOrder, applyHistory: applyHistory,
    applyNewer: applyNewer, applyRestated: applyRestated, behindList: behindList, broadcastGap: broadcastGap,
    timeline: timeline, addPending: addPending, onSent: onSent, onOutcome: onOutcome, onItem: onItem,
    deliveryOf: deliveryOf, newestSeq: newestSeq, readDue: readDue, onTyping: onTyping, typingIn: typingIn,
    onPresence: onPresence
  };
}());

// signalmesh-client.js: a small browser client for the signalmesh signaling
// protocol, version 1 (docs: shared/design/protocol.md). An ES module with no
// dependencies and no build step; it also runs in any runtime that has
// WebSocket, EventTarget and CustomEvent (pass `WebSocket` in the options
// where there is no global one).
//
//   import { SignalmeshClient } from './signalmesh-client.js';
//   const c = new SignalmeshClient({ url: location.origin, roomId: 'demo' });
//   c.on('peer-joined', ({ peerId }) => console.log(peerId, 'joined'));
//   c.on('sdp', ({ senderId, description }) => ...);
//   const welcome = await c.connect();
//   c.sendSdp(targetId, pc.localDescription);
//
// Events (listen with c.on(type, fn) → fn(detail), or addEventListener(type,
// e => e.detail)):
//   welcome      {roomId, peerId, hostId, peers, iceServers}
//   peer-joined  {peerId}
//   peer-left    {peerId, reason}        reason: left | kicked | timeout | pod-lost
//   host-change  {hostId, previousHostId, senderId?, handedOff}
//   sdp          {senderId, targetId?, description, message}
//   ice          {senderId, targetId?, candidate, endOfCandidates, message}
//   kick         {senderId, targetId, reason?}    (this client was kicked)
//   error        {code, message, ref?, request?}  request: the message we sent with id === ref
//   close        {code, name, reason, explanation, wasClean, error?, kick?}
//   message      {message}                         any other server message

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const SDP_TYPES = ['offer', 'answer', 'pranswer', 'rollback'];
const MAX_KICK_REASON = 256;
const REMEMBERED_REQUESTS = 256;

/** Close codes of protocol.md §5 (plus the standard ones a browser reports), with what each means for the user. */
export const CLOSE_CODES = Object.freeze({
  1000: ['normal', 'The connection was closed normally.'],
  1001: ['going-away', 'The server is shutting down (draining); reconnecting will reach another server.'],
  1005: ['no-status', 'The connection was closed without a status code.'],
  1006: ['abnormal', 'The connection was lost or could not be opened (server unreachable, wrong path, origin not allowed, or server not ready).'],
  1008: ['policy-violation', 'Too many refused messages in a row: the server closed the connection.'],
  1009: ['message-too-big', 'A message was over the server\'s size limit (64 KiB by default).'],
  1011: ['internal-error', 'The server hit an internal error (a server bug).'],
  4000: ['bad-request', 'Invalid room id or peer id: use 1 to 64 characters of A-Z, a-z, 0-9, "_" and "-".'],
  4001: ['unauthorized', 'The auth token is missing, malformed, badly signed or expired.'],
  4003: ['forbidden', 'The auth token does not grant this room or peer id.'],
  4008: ['slow-consumer', 'This client read too slowly: the server\'s output queue for it overflowed.'],
  4009: ['replaced', 'Another connection joined the room with the same peer id and replaced this one.'],
  4010: ['kicked', 'The host of the room kicked this member.'],
  4013: ['room-full', 'The room already has its maximum number of members.'],
  4029: ['rate-limited', 'This client sent messages faster than the server allows.'],
});

/** Explains a WebSocket close code in words, e.g. for a status line. */
export function explainClose(code) {
  const known = CLOSE_CODES[code];
  if (known) return { name: known[0], explanation: known[1] };
  return { name: 'unknown', explanation: `The connection closed with code ${code}.` };
}

/** An error with the protocol's error/close code attached. */
export class SignalmeshError extends Error {
  constructor(message, { code, closeCode, ref } = {}) {
    super(message);
    this.name = 'SignalmeshError';
    if (code !== undefined) this.code = code;
    if (closeCode !== undefined) this.closeCode = closeCode;
    if (ref !== undefined) this.ref = ref;
  }
}

function checkId(what, value) {
  if (typeof value !== 'string' || !ID_RE.test(value)) {
    throw new TypeError(`signalmesh: ${what} must be 1 to 64 characters of [A-Za-z0-9_-], got ${JSON.stringify(value)}`);
  }
}

/** Turns a base URL (http:, https:, ws:, wss:, or relative to the page) into the /signal/{roomId} WebSocket URL. */
function signalUrl(base, roomId, peerId, token) {
  const origin = globalThis.location?.href;
  let u;
  try {
    u = origin ? new URL(base ?? '/', origin) : new URL(base);
  } catch {
    throw new TypeError(`signalmesh: url ${JSON.stringify(base)} is not a valid URL`);
  }
  const schemes = { 'http:': 'ws:', 'https:': 'wss:', 'ws:': 'ws:', 'wss:': 'wss:' };
  if (!schemes[u.protocol]) throw new TypeError(`signalmesh: url must be http(s) or ws(s), got ${u.protocol}`);
  u.protocol = schemes[u.protocol];
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/signal/${roomId}`;
  u.search = '';
  u.hash = '';
  if (peerId !== undefined) u.searchParams.set('peerId', peerId);
  if (token !== undefined) u.searchParams.set('token', token);
  return u.toString();
}

export class SignalmeshClient extends EventTarget {
  #url;
  #roomId;
  #peerId;
  #WebSocket;
  #connectTimeoutMs;
  #ws = null;
  #state = 'idle'; // idle | connecting | open | closed
  #hostId = null;
  #peers = [];
  #iceServers;
  #room = null;
  #nextId = 1;
  #sent = new Map(); // id -> message, the most recent REMEMBERED_REQUESTS
  #lastError = null; // the error, when it was the last frame received
  #kick = null;

  /**
   * @param {object} options
   * @param {string} [options.url]    server base URL (http(s)://host:port or ws(s)://...); default: the page's origin
   * @param {string} options.roomId
   * @param {string} [options.peerId] omit to let the server assign one
   * @param {string} [options.token]  JWT, when the server runs with auth
   * @param {number} [options.connectTimeoutMs=10000]
   * @param {typeof WebSocket} [options.WebSocket] a WebSocket implementation (default: the global one)
   */
  constructor({ url, roomId, peerId, token, connectTimeoutMs = 10000, WebSocket: WS } = {}) {
    super();
    checkId('roomId', roomId);
    if (peerId !== undefined && peerId !== null && peerId !== '') checkId('peerId', peerId);
    else peerId = undefined;
    if (token !== undefined && token !== null && typeof token !== 'string') throw new TypeError('signalmesh: token must be a string');
    this.#WebSocket = WS ?? globalThis.WebSocket;
    if (typeof this.#WebSocket !== 'function') throw new TypeError('signalmesh: no WebSocket implementation (pass options.WebSocket)');
    this.#roomId = roomId;
    this.#peerId = peerId ?? null;
    this.#connectTimeoutMs = connectTimeoutMs;
    this.#url = signalUrl(url, roomId, peerId, token ?? undefined);
  }

  get url() { return this.#url; }
  get roomId() { return this.#roomId; }
  /** This client's peerId (the server's choice when none was given, known after welcome). */
  get peerId() { return this.#peerId; }
  get hostId() { return this.#hostId; }
  /** The other members of the room, oldest first. */
  get peers() { return [...this.#peers]; }
  get isHost() { return this.#state === 'open' && this.#hostId !== null && this.#hostId === this.#peerId; }
  /** 'idle', 'connecting', 'open' (welcomed) or 'closed'. */
  get state() { return this.#state; }
  get iceServers() { return this.#iceServers; }

  /** Subscribes fn(detail) to an event; returns a function that unsubscribes. */
  on(type, fn) {
    const listener = (e) => fn(e.detail);
    this.addEventListener(type, listener);
    return () => this.removeEventListener(type, listener);
  }

  /** Like on(), for the next event of that type only. */
  once(type, fn) {
    const listener = (e) => fn(e.detail);
    this.addEventListener(type, listener, { once: true });
    return () => this.removeEventListener(type, listener);
  }

  /** Opens the connection; resolves with the welcome, rejects with a SignalmeshError if the server refuses or the connection fails. */
  connect() {
    if (this.#state !== 'idle') {
      return Promise.reject(new SignalmeshError(`signalmesh: connect() called while ${this.#state}; create a new client to reconnect`));
    }
    this.#state = 'connecting';
    return new Promise((resolve, reject) => {
      let ws;
      try {
        ws = new this.#WebSocket(this.#url);
      } catch (e) {
        this.#state = 'closed';
        reject(new SignalmeshError(`signalmesh: cannot open ${this.#url}: ${e.message}`));
        return;
      }
      this.#ws = ws;
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        reject(new SignalmeshError(`signalmesh: no welcome from ${this.#url} within ${this.#connectTimeoutMs} ms`));
        ws.close(1000, 'connect timeout');
      }, this.#connectTimeoutMs);
      const settle = (fn, value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn(value);
      };
      ws.onmessage = (e) => {
        const welcome = this.#onFrame(e.data);
        if (welcome) settle(resolve, welcome);
      };
      ws.onclose = (e) => {
        const detail = this.#onClose(e);
        const why = detail.error ? `${detail.error.code}: ${detail.error.message}` : detail.explanation;
        settle(reject, new SignalmeshError(`signalmesh: could not join room ${this.#roomId} (close ${detail.code} ${detail.name}): ${why}`,
          { code: detail.error?.code ?? detail.name, closeCode: detail.code }));
      };
      // The close event that always follows carries the useful information.
      ws.onerror = () => {};
    });
  }

  /** Closes the connection (idempotent). */
  close(code = 1000, reason = '') {
    if (this.#ws && this.#ws.readyState < 2) this.#ws.close(code, reason);
    else if (this.#state === 'idle') this.#state = 'closed';
  }

  /**
   * Sends an SDP description (RTCSessionDescription or {type, sdp}) to one peer, or to every
   * other member when targetId is null. Returns the message id.
   */
  sendSdp(targetId, description) {
    if (!description || typeof description !== 'object') throw new TypeError('signalmesh: sendSdp needs a description {type, sdp}');
    const d = typeof description.toJSON === 'function' ? description.toJSON() : description;
    if (!SDP_TYPES.includes(d.type)) throw new TypeError(`signalmesh: sdp type must be one of ${SDP_TYPES.join(', ')}, got ${JSON.stringify(d.type)}`);
    const sdp = { type: d.type };
    if (d.sdp !== undefined && d.sdp !== null && d.sdp !== '') sdp.sdp = d.sdp;
    if (d.type !== 'rollback' && typeof sdp.sdp !== 'string') throw new TypeError(`signalmesh: an sdp ${d.type} needs a non-empty sdp string`);
    return this.send(this.#targeted('sdp', targetId, { sdp }));
  }

  /**
   * Sends an ICE candidate (RTCIceCandidate or RTCIceCandidateInit) to one peer, or to every other
   * member when targetId is null. A null candidate (end of gathering) is sent as the empty string
   * that means end of candidates. Returns the message id.
   */
  sendIce(targetId, candidate) {
    let c = candidate;
    if (c === null || c === undefined) c = { candidate: '' };
    if (typeof c !== 'object') throw new TypeError('signalmesh: sendIce needs an RTCIceCandidate, an init object, or null');
    if (typeof c.toJSON === 'function') c = c.toJSON();
    if (typeof c.candidate !== 'string') throw new TypeError('signalmesh: candidate.candidate must be a string');
    const out = { candidate: c.candidate };
    for (const k of ['sdpMid', 'sdpMLineIndex', 'usernameFragment']) if (c[k] !== undefined) out[k] = c[k];
    return this.send(this.#targeted('ice', targetId, { candidate: out }));
  }

  /** Hands the host role to another member (host only). Returns the message id. */
  handOffHost(peerId) {
    this.#checkHostAction('handOffHost', peerId);
    return this.send({ type: 'host-change', hostId: peerId });
  }

  /** Kicks another member out of the room (host only). Returns the message id. */
  kick(peerId, reason) {
    this.#checkHostAction('kick', peerId);
    const msg = { type: 'kick', targetId: peerId };
    if (reason !== undefined && reason !== null) {
      if (typeof reason !== 'string') throw new TypeError('signalmesh: kick reason must be a string');
      if (reason.length > MAX_KICK_REASON) throw new RangeError(`signalmesh: kick reason is ${reason.length} characters, at most ${MAX_KICK_REASON} allowed`);
      msg.reason = reason;
    }
    return this.send(msg);
  }

  /** Moves the room's status on (host only, protocol 1.1): 'playing', 'finished', or 'waiting' after 'finished' for the next round. */
  setRoomStatus(status) {
    if (!['waiting', 'playing', 'finished'].includes(status)) throw new TypeError('signalmesh: status must be waiting, playing or finished');
    if (!this.isHost) throw new SignalmeshError(`signalmesh: setRoomStatus is for the host only; the host is ${this.#hostId}`, { code: 'not-host' });
    return this.send({ type: 'room-status', status });
  }

  /** Reports this member's game-state hash for a tick (protocol 1.1); the server answers a disagreement with 'desync'. */
  reportStateHash(tick, hash) {
    if (!Number.isSafeInteger(tick) || tick < 0) throw new TypeError('signalmesh: tick must be an integer from 0 to 2^53-1');
    if (typeof hash !== 'string' || !/^[A-Za-z0-9+/=_:-]{1,128}$/.test(hash)) throw new TypeError('signalmesh: hash must be 1-128 characters of A-Za-z0-9+/=_:-');
    return this.send({ type: 'state-hash', tick, hash });
  }

  /** The room's {status, round, metadata} (protocol 1.1), or null before the welcome. */
  get room() { return this.#room; }

  /** Sends any client message object; adds an `id` when it has none and returns the id. */
  send(message) {
    if (this.#state !== 'open') throw new SignalmeshError(`signalmesh: not connected (state ${this.#state}); await connect() first`);
    if (!message || typeof message !== 'object' || Array.isArray(message)) throw new TypeError('signalmesh: send needs a message object');
    const msg = { ...message };
    if (msg.id === undefined) msg.id = this.#nextId++;
    this.#sent.set(msg.id, msg);
    if (this.#sent.size > REMEMBERED_REQUESTS) this.#sent.delete(this.#sent.keys().next().value);
    this.#ws.send(JSON.stringify(msg));
    return msg.id;
  }

  #targeted(type, targetId, fields) {
    const msg = { type, ...fields };
    if (targetId !== null && targetId !== undefined) {
      checkId('targetId', targetId);
      if (targetId === this.#peerId) throw new TypeError(`signalmesh: cannot send ${type} to yourself`);
      msg.targetId = targetId;
    }
    return msg;
  }

  #checkHostAction(what, peerId) {
    if (this.#state !== 'open') throw new SignalmeshError(`signalmesh: not connected (state ${this.#state}); await connect() first`);
    checkId('peerId', peerId);
    if (!this.isHost) throw new SignalmeshError(`signalmesh: ${what} is for the host only; the host is ${this.#hostId}`, { code: 'not-host' });
    if (peerId === this.#peerId) throw new TypeError(`signalmesh: ${what} needs another member, not yourself`);
    if (!this.#peers.includes(peerId)) throw new SignalmeshError(`signalmesh: ${peerId} is not a member of room ${this.#roomId}`, { code: 'unknown-target' });
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** Handles one server frame; returns the welcome detail when it was the welcome. */
  #onFrame(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      console.warn('signalmesh: ignoring a frame that is not JSON', data);
      return null;
    }
    if (!msg || typeof msg !== 'object') return null;
    this.#lastError = null;
    switch (msg.type) {
      case 'welcome': {
        this.#state = 'open';
        this.#peerId = msg.peerId;
        this.#hostId = msg.hostId ?? null;
        this.#peers = Array.isArray(msg.peers) ? [...msg.peers] : [];
        this.#iceServers = msg.iceServers;
        this.#room = msg.room && typeof msg.room === 'object' ? { ...msg.room } : null;
        const detail = { roomId: msg.roomId, peerId: msg.peerId, hostId: this.#hostId, peers: this.peers, iceServers: msg.iceServers, room: this.#room };
        this.#emit('welcome', detail);
        return detail;
      }
      case 'room-status':
        this.#room = { ...(this.#room ?? {}), status: msg.status, round: msg.round };
        this.#emit('room-status', { status: msg.status, round: msg.round, senderId: msg.senderId });
        break;
      case 'desync':
        this.#emit('desync', { round: msg.round, tick: msg.tick, hashes: msg.hashes });
        break;
      case 'peer-joined':
        if (msg.peerId !== this.#peerId && !this.#peers.includes(msg.peerId)) this.#peers.push(msg.peerId);
        this.#emit('peer-joined', { peerId: msg.peerId });
        break;
      case 'peer-left':
        this.#peers = this.#peers.filter((p) => p !== msg.peerId);
        this.#emit('peer-left', { peerId: msg.peerId, reason: msg.reason });
        break;
      case 'host-change': {
        this.#hostId = msg.hostId;
        const detail = { hostId: msg.hostId, previousHostId: msg.previousHostId, handedOff: msg.senderId !== undefined };
        if (detail.handedOff) detail.senderId = msg.senderId;
        this.#emit('host-change', detail);
        break;
      }
      case 'sdp':
        this.#emit('sdp', { senderId: msg.senderId, targetId: msg.targetId, description: msg.sdp, message: msg });
        break;
      case 'ice':
        this.#emit('ice', { senderId: msg.senderId, targetId: msg.targetId, candidate: msg.candidate,
          endOfCandidates: msg.candidate?.candidate === '', message: msg });
        break;
      case 'kick':
        this.#kick = { senderId: msg.senderId, targetId: msg.targetId };
        if (msg.reason !== undefined) this.#kick.reason = msg.reason;
        this.#emit('kick', this.#kick);
        break;
      case 'error': {
        const detail = { code: msg.code, message: msg.message };
        if (msg.ref !== undefined) {
          detail.ref = msg.ref;
          if (this.#sent.has(msg.ref)) detail.request = this.#sent.get(msg.ref);
        }
        this.#lastError = detail;
        this.#emit('error', detail);
        break;
      }
      default:
        this.#emit('message', { message: msg });
    }
    return null;
  }

  #onClose(e) {
    this.#state = 'closed';
    this.#ws = null;
    const { name, explanation } = explainClose(e.code);
    const detail = { code: e.code, name, reason: e.reason, explanation, wasClean: e.wasClean };
    // The error sent just before a 4xxx or 1008 close, and the kick message before 4010.
    if (this.#lastError && (e.code >= 4000 || e.code === 1008)) detail.error = this.#lastError;
    if (this.#kick && e.code === 4010) {
      detail.kick = this.#kick;
      detail.explanation = `Kicked by the host ${this.#kick.senderId}${this.#kick.reason ? `: ${this.#kick.reason}` : '.'}`;
    }
    this.#emit('close', detail);
    return detail;
  }
}

export default SignalmeshClient;

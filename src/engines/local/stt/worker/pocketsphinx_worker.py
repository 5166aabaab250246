#!/usr/bin/python3
"""Parley speech-recognition worker: warm pocketsphinx decoders behind a framed pipe protocol.

Started once by src/engines/local/stt/pocketsphinx.ts and kept running. It loads the acoustic
model into a small pool of decoders up front, then recognises any number of concurrent
utterances, one decoder each, while their audio streams in.

Requests arrive on stdin as binary frames:

    u32le payload length | u8 type | u32le stream id | payload

    1 GRAMMAR  id 0     JSON {"key", "jsgf", "words": [[word, "PH ON ES"], ...]}
    2 START    id       JSON {"grammar": key, "partialMs": n}
    3 AUDIO    id       PCM16LE mono 16 kHz samples
    4 END      id       (empty)
    5 CANCEL   id       (empty)
    6 PING     id       (empty) -> {"t": "pong", "id", "rssKb", "decoders", "idle"}

Replies go to stdout as JSON lines: ready, grammar, partial, final, error, pong, fatal.
The worker exits when stdin closes. Python 3 and Debian's python3-pocketsphinx (the SWIG
bindings of pocketsphinx 5prealpha) are all it needs.

Cepstral mean normalisation (CMN). pocketsphinx normalises features by a running cepstral
mean that it carries from one utterance to the next inside a decoder, so a pooled decoder
would decode each caller with the channel estimate of whoever used it before, and a fresh
one with the model's generic initial mean. Instead, every utterance starts from the model's
initial mean, and once it has `lookahead` speech frames (or ends sooner) the worker computes
the utterance's own mean (blended with `priorWeight` frames of the initial mean), restarts
the search with it and replays the buffered audio. Results then depend on the utterance
alone, and the acoustic match is that of per-utterance (batch) CMN the model was trained
with. The bindings do not expose CMN, so it is read and set through ctypes on the
sphinxbase structures (cmn_t is public in <sphinxbase/cmn.h>; its pointer sits in feat_t,
whose layout is checked against the configured initial mean before it is trusted). If that
check fails the worker says so in "ready" and decodes with pocketsphinx's own live CMN.
"""

import ctypes
import json
import os
import struct
import sys
import traceback

T_GRAMMAR, T_START, T_AUDIO, T_END, T_CANCEL, T_PING = 1, 2, 3, 4, 5, 6
HEADER = struct.Struct('<IBI')
PIECE_BYTES = 640  # 20 ms at 16 kHz: audio is fed in fixed pieces so results never depend on chunking
CMN_WIN = 500  # sphinxbase cmn_live_set() gives the set mean this many frames of weight
CMN_WIN_HWM = 800  # ...and folds the window above this many, which must not happen while we count


def emit(obj):
    data = (json.dumps(obj, separators=(',', ':')) + '\n').encode('utf-8')
    while data:
        data = data[os.write(1, data):]


def fatal(code, message, **extra):
    emit(dict(t='fatal', code=code, message=message, **extra))
    sys.exit(3)


try:
    from pocketsphinx import Decoder
except ImportError as exc:  # the Debian package is missing (or another python3 was used)
    fatal('stt_unavailable', 'cannot import the pocketsphinx Python bindings: %s' % exc,
          missing=['python3-pocketsphinx'], python=sys.executable)


def rss_kb():
    try:
        with open('/proc/self/status') as status:
            for line in status:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class CmnT(ctypes.Structure):
    _fields_ = [('mean', ctypes.POINTER(ctypes.c_float)), ('var', ctypes.POINTER(ctypes.c_float)),
                ('sum', ctypes.POINTER(ctypes.c_float)), ('nframe', ctypes.c_int32),
                ('veclen', ctypes.c_int32)]


class CmnAccess:
    """Reads and sets a decoder's cepstral mean (sphinxbase cmn_t) through ctypes."""

    FEAT_CMN_STRUCT_OFFSET = 88  # offsetof(feat_t, cmn_struct) in sphinxbase 5prealpha, LP64

    def __init__(self, init):
        self.init = init
        self.n = len(init)
        libps = ctypes.CDLL('libpocketsphinx.so.3')
        libsb = ctypes.CDLL('libsphinxbase.so.3')
        self.get_feat = libps.ps_get_feat
        self.get_feat.restype = ctypes.c_void_p
        self.get_feat.argtypes = [ctypes.c_void_p]
        self.live_set = libsb.cmn_live_set
        self.live_set.restype = None
        self.live_set.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_float)]
        self.vec = ctypes.c_float * self.n

    def attach(self, decoder):
        """The decoder's cmn_t, after checking that it really is one (else raises)."""
        feat = self.get_feat(int(decoder.this))
        if not feat:
            raise RuntimeError('ps_get_feat returned NULL')
        ptr = ctypes.c_void_p.from_address(feat + self.FEAT_CMN_STRUCT_OFFSET).value
        if not ptr:
            raise RuntimeError('feat_t has no cmn_struct')
        cmn = CmnT.from_address(ptr)
        if cmn.veclen != self.n:
            raise RuntimeError('cmn_t veclen %d, expected %d' % (cmn.veclen, self.n))
        if any(abs(cmn.mean[i] - self.init[i]) > 1e-3 for i in range(self.n)):
            raise RuntimeError('cmn_t mean does not hold -cmninit')
        return (ptr, cmn)

    def set(self, handle, mean):
        self.live_set(handle[0], self.vec(*mean))

    def snapshot(self, handle):
        cmn = handle[1]
        return (cmn.nframe, [cmn.sum[i] for i in range(self.n)])

    def frames_since(self, handle, snap):
        return handle[1].nframe - snap[0]

    def estimate(self, handle, snap, prior_weight):
        cmn = handle[1]
        n = cmn.nframe - snap[0]
        total = n + prior_weight
        return [(cmn.sum[i] - snap[1][i] + prior_weight * self.init[i]) / total for i in range(self.n)]


class Worker:
    def __init__(self, cfg):
        self.cfg = cfg
        self.params = cfg.get('params', {})
        self.lookahead = int(cfg.get('cmnLookahead', 200))
        self.prior_weight = float(cfg.get('cmnPriorWeight', 30))
        self.max_idle = int(cfg.get('maxIdleDecoders', 8))
        self.grammars = {}  # key -> {"jsgf", "words"}
        self.idle = []  # decoders ready for reuse
        self.streams = {}  # id -> Stream
        self.n_decoders = 0
        self.cmn = None
        self.cmn_error = None
        self.config = self.make_config()
        first = Decoder(self.config)  # ps_init fills -cmninit etc. in from the model's feat.params
        self.n_decoders = 1
        init = [float(x) for x in self.config.get_string('-cmninit').split(',')]
        if self.lookahead > 0:
            if self.lookahead > CMN_WIN_HWM - CMN_WIN - 50:
                raise ValueError('cmnLookahead must be at most %d frames' % (CMN_WIN_HWM - CMN_WIN - 50))
            try:
                self.cmn = CmnAccess(init)
            except (OSError, AttributeError) as exc:
                self.cmn_error = str(exc)
        self.idle.append(self.wrap(first))
        for _ in range(int(cfg.get('warmDecoders', 2)) - 1):
            self.idle.append(self.new_decoder())

    def make_config(self):
        """A decoder config parsed by pocketsphinx itself, so every option gets its own type."""
        lines = ['-hmm %s' % self.cfg['hmm'], '-dict /dev/null', '-logfn /dev/null']
        for key, value in self.params.items():
            if not key.startswith('-') or any(c in str(value) + key for c in '\r\n'):
                raise ValueError('bad decoder option %r = %r' % (key, value))
            lines.append('%s %s' % (key, value))
        read_fd, write_fd = os.pipe()
        try:
            os.write(write_fd, ('\n'.join(lines) + '\n').encode('utf-8'))
            os.close(write_fd)
            write_fd = None
            return Decoder.file_config('/dev/fd/%d' % read_fd)
        finally:
            os.close(read_fd)
            if write_fd is not None:
                os.close(write_fd)

    def new_decoder(self):
        self.n_decoders += 1
        return self.wrap(Decoder(self.config))

    def wrap(self, decoder):
        dec = DecoderSlot(decoder)
        if self.cmn is not None:
            try:
                dec.cmn = self.cmn.attach(dec.decoder)
            except (RuntimeError, ValueError, OSError) as exc:
                self.cmn_error = str(exc)
                self.cmn = None
        return dec

    def take_decoder(self):
        return self.idle.pop() if self.idle else self.new_decoder()

    def give_back(self, dec):
        if len(self.idle) < self.max_idle:
            self.idle.append(dec)
        else:
            self.n_decoders -= 1
            del dec  # ps_free through the SWIG destructor

    # ---- requests ----

    def on_grammar(self, body):
        msg = json.loads(body)
        key = msg['key']
        self.grammars[key] = {'jsgf': msg['jsgf'], 'words': msg['words']}
        try:
            # Compiling on the idle decoders checks the grammar now and keeps start() cheap later.
            targets = self.idle if self.idle else [self.take_decoder()]
            for dec in targets:
                dec.ensure(key, self.grammars[key])
            if not self.idle:
                self.give_back(targets[0])
        except Exception as exc:  # noqa: BLE001
            del self.grammars[key]
            emit({'t': 'grammar', 'key': key, 'ok': False, 'message': str(exc)})
            return
        emit({'t': 'grammar', 'key': key, 'ok': True})

    def on_start(self, sid, body):
        msg = json.loads(body)
        key = msg['grammar']
        if sid in self.streams:
            raise ValueError('stream %d already started' % sid)
        grammar = self.grammars.get(key)
        if grammar is None:
            raise ValueError('grammar %s is not loaded' % key)
        dec = self.take_decoder()
        try:
            dec.ensure(key, grammar)
            stream = Stream(self, sid, dec, key, int(msg.get('partialMs', 200)))
        except Exception:
            self.give_back(dec)
            raise
        self.streams[sid] = stream

    def on_audio(self, sid, body):
        stream = self.streams.get(sid)
        if stream is not None:  # audio for a cancelled or failed stream is dropped
            stream.write(body)

    def on_end(self, sid):
        stream = self.streams.pop(sid, None)
        if stream is None:
            raise ValueError('stream %d is not active' % sid)
        try:
            result = stream.finish()
        except Exception:
            stream.abort()  # leaves the decoder out of its utterance, fit for reuse
            raise
        finally:
            self.give_back(stream.dec)
        emit(dict(t='final', id=sid, **result))

    def on_cancel(self, sid):
        stream = self.streams.pop(sid, None)
        if stream is not None:
            stream.abort()
            self.give_back(stream.dec)

    def dispatch(self, kind, sid, body):
        if kind == T_AUDIO:
            self.on_audio(sid, body)
        elif kind == T_START:
            self.on_start(sid, body)
        elif kind == T_END:
            self.on_end(sid)
        elif kind == T_CANCEL:
            self.on_cancel(sid)
        elif kind == T_GRAMMAR:
            self.on_grammar(body)
        elif kind == T_PING:
            emit({'t': 'pong', 'id': sid, 'rssKb': rss_kb(), 'decoders': self.n_decoders,
                  'idle': len(self.idle), 'streams': len(self.streams)})
        else:
            raise ValueError('unknown request type %d' % kind)

    def fail_stream(self, sid, exc):
        stream = self.streams.pop(sid, None)
        if stream is not None:
            stream.abort()
            self.give_back(stream.dec)
        emit({'t': 'error', 'id': sid, 'code': 'stt_decode_failed', 'message': str(exc) or type(exc).__name__})


class DecoderSlot:
    """One pocketsphinx decoder and what has been loaded into it."""

    def __init__(self, decoder):
        self.decoder = decoder
        self.grammars = set()
        self.words = set()
        self.cmn = None

    def ensure(self, key, grammar):
        if key in self.grammars:
            return
        for word, phones in grammar['words']:
            if word not in self.words:
                # update=False: searches are (re)built by set_jsgf_string below.
                self.decoder.add_word(word, phones, False)
                self.words.add(word)
        self.decoder.set_jsgf_string(key, grammar['jsgf'])
        self.grammars.add(key)


class Stream:
    """One utterance being decoded."""

    def __init__(self, worker, sid, dec, key, partial_ms):
        self.worker = worker
        self.sid = sid
        self.dec = dec
        self.d = dec.decoder
        self.pending = b''
        self.partial_bytes = max(1, partial_ms) * 32 if partial_ms > 0 else 0
        self.since_partial = 0
        self.last_partial = ''
        self.samples = 0
        cmn = worker.cmn if dec.cmn is not None else None
        self.cmn = cmn
        self.replay = [] if cmn is not None else None
        self.d.set_search(key)
        if cmn is not None:
            cmn.set(dec.cmn, cmn.init)
            self.snap = cmn.snapshot(dec.cmn)
        # A new "stream" resets the front end's noise and voice-activity tracking, so nothing
        # of the decoder's previous utterances leaks into this one.
        self.d.start_stream()
        self.d.start_utt()
        self.started = True

    def write(self, data):
        if self.pending:
            data = self.pending + data
        usable = len(data) - len(data) % PIECE_BYTES
        self.pending = data[usable:]
        for offset in range(0, usable, PIECE_BYTES):
            self.feed(data[offset:offset + PIECE_BYTES])
        if self.partial_bytes and self.since_partial >= self.partial_bytes:
            self.since_partial = 0
            hyp = self.d.hyp()
            text = hyp.hypstr if hyp is not None else ''
            if text and text != self.last_partial:
                self.last_partial = text
                emit({'t': 'partial', 'id': self.sid, 'text': text})

    def feed(self, piece):
        self.d.process_raw(piece, False, False)
        self.samples += len(piece) // 2
        self.since_partial += len(piece)
        if self.replay is not None:
            self.replay.append(piece)
            if self.cmn.frames_since(self.dec.cmn, self.snap) >= self.worker.lookahead:
                self.renormalise()

    def renormalise(self):
        """Restarts the search with the utterance's own cepstral mean and replays its audio."""
        cmn = self.cmn
        if cmn.frames_since(self.dec.cmn, self.snap) <= 0:
            self.replay = None  # nothing but silence so far: keep the initial mean
            return
        mean = cmn.estimate(self.dec.cmn, self.snap, self.worker.prior_weight)
        self.d.end_utt()
        cmn.set(self.dec.cmn, mean)
        self.d.start_stream()
        self.d.start_utt()
        replay, self.replay = self.replay, None
        for piece in replay:
            self.d.process_raw(piece, False, False)

    def finish(self):
        if self.pending:
            piece, self.pending = self.pending, b''
            self.d.process_raw(piece, False, False)
            self.samples += len(piece) // 2
            if self.replay is not None:
                self.replay.append(piece)
        if self.replay is not None:
            self.renormalise()
        self.d.end_utt()
        self.started = False
        hyp = self.d.hyp()
        # No confidence: for grammar (FSG) searches this pocketsphinx reports a posterior of 1.
        return {'text': hyp.hypstr if hyp is not None else '', 'samples': self.samples}

    def abort(self):
        if self.started:
            self.started = False
            try:
                self.d.end_utt()
            except Exception:  # noqa: BLE001
                pass


def read_exact(stream, n):
    data = stream.read(n)
    if data is None or len(data) < n:
        return None
    return data


def main():
    cfg = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    hmm = cfg.get('hmm')
    if not hmm or not os.path.exists(os.path.join(hmm, 'mdef')):
        fatal('stt_unavailable', 'the pocketsphinx acoustic model is not at %s' % hmm, missing=['pocketsphinx-en-us'])
    try:
        worker = Worker(cfg)
    except Exception as exc:  # noqa: BLE001
        fatal('stt_init_failed', 'cannot create a pocketsphinx decoder: %s' % exc)
    emit({'t': 'ready', 'pid': os.getpid(), 'rssKb': rss_kb(), 'decoders': worker.n_decoders,
          'cmn': 'utterance' if worker.cmn is not None else 'live', 'cmnError': worker.cmn_error})
    stdin = sys.stdin.buffer
    while True:
        header = read_exact(stdin, HEADER.size)
        if header is None:
            break
        length, kind, sid = HEADER.unpack(header)
        body = read_exact(stdin, length) if length else b''
        if body is None:
            break
        try:
            worker.dispatch(kind, sid, body)
        except Exception as exc:  # noqa: BLE001 - one bad request must not take the others down
            if os.environ.get('PARLEY_STT_DEBUG'):
                traceback.print_exc()
            if kind == T_GRAMMAR:
                emit({'t': 'error', 'id': 0, 'code': 'stt_protocol', 'message': str(exc)})
            else:
                worker.fail_stream(sid, exc)


if __name__ == '__main__':
    main()

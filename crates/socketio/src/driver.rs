//! A websocket connection: one task that reads the client's frames and
//! writes everything queued for it.
//!
//! The task is a hand-written future so that reading and writing share one
//! object without splitting the stream (a split costs a lock and a task
//! wake-up per direction). Each wake-up reads what the kernel holds (into
//! a per-thread buffer: an idle connection keeps no read buffer of its
//! own), hands complete messages on, then drains the session's queue into
//! one buffer and writes it with as few system calls as the kernel allows:
//! the acks and broadcasts that piled up while the task waited leave
//! together.
//!
//! During an upgrade from long-polling the websocket first only probes
//! (`2probe` → `3probe`); the session's queue stays polling's until the
//! client sends `5`, and a failed probe closes the websocket alone.

use crate::engine::{Application, Shared};
use crate::session::{DisconnectReason, Session, Transport};
use crate::ws::{self, Opcode, Violation};
use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Size of the per-thread read buffer.
const SCRATCH_BYTES: usize = 64 * 1024;
/// Reads per wake-up before the task yields to others.
const READS_PER_POLL: usize = 8;
/// A write buffer larger than this is not kept once written out.
const KEEP_OUT_BYTES: usize = 4 * 1024;
/// Unwritten bytes past which the task stops reading (the client sends
/// but does not read).
const MAX_UNWRITTEN_BYTES: usize = 256 * 1024;

thread_local! {
    static SCRATCH: RefCell<Vec<u8>> = RefCell::new(vec![0; SCRATCH_BYTES]);
}

/// The task of one websocket connection.
pub(crate) struct Driver<A: Application, IO> {
    shared: Arc<Shared<A>>,
    session: Arc<Session<A::Data>>,
    io: IO,
    /// The start of a frame that has not fully arrived.
    partial: Vec<u8>,
    /// Fragments of a message being assembled, and its kind.
    message: Vec<u8>,
    message_kind: Option<Opcode>,
    /// Bytes to write, and how many of them are written.
    out: Vec<u8>,
    written: usize,
    /// An upgrade from polling that has not completed.
    probing: bool,
    /// Why the connection is ending, and the close code to send.
    ending: Option<(DisconnectReason, u16)>,
    close_queued: bool,
    done: bool,
}

impl<A: Application, IO> Driver<A, IO>
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    /// A driver for `session` on `io`; `probing` when it upgrades a
    /// polling session.
    pub(crate) fn new(
        shared: Arc<Shared<A>>,
        session: Arc<Session<A::Data>>,
        io: IO,
        probing: bool,
    ) -> Self {
        Self {
            shared,
            session,
            io,
            partial: Vec::new(),
            message: Vec::new(),
            message_kind: None,
            out: Vec::new(),
            written: 0,
            probing,
            ending: None,
            close_queued: false,
            done: false,
        }
    }

    /// Reads until the kernel has nothing more (or the budget is spent).
    /// `Err` when the connection is gone.
    fn read_phase(&mut self, cx: &mut Context<'_>) -> Result<(), DisconnectReason> {
        for _ in 0..READS_PER_POLL {
            if self.ending.is_some() || self.out.len() - self.written > MAX_UNWRITTEN_BYTES {
                return Ok(());
            }
            match self.read_once(cx) {
                Poll::Pending => return Ok(()),
                Poll::Ready(Ok(0)) => return Err(DisconnectReason::TransportClose),
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(_)) => return Err(DisconnectReason::TransportError),
            }
        }
        // More may be waiting: come back after the others had a turn.
        cx.waker().wake_by_ref();
        Ok(())
    }

    /// One read, and every complete frame it finished.
    fn read_once(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if self.partial.is_empty() {
            return SCRATCH.with(|scratch| {
                let mut scratch = scratch.borrow_mut();
                let mut buf = ReadBuf::new(&mut scratch[..]);
                match Pin::new(&mut self.io).poll_read(cx, &mut buf) {
                    Poll::Ready(Ok(())) => {}
                    other => return other.map_ok(|()| 0),
                }
                let read = buf.filled().len();
                let consumed = self.consume(&mut scratch[..read]);
                if consumed < read && self.ending.is_none() {
                    self.partial.extend_from_slice(&scratch[consumed..read]);
                }
                Poll::Ready(Ok(read))
            });
        }
        // The rest of a frame: read onto what arrived so far.
        let have = self.partial.len();
        let room = have.max(SCRATCH_BYTES);
        self.partial.resize(have + room, 0);
        let mut buf = ReadBuf::new(&mut self.partial[have..]);
        let polled = Pin::new(&mut self.io).poll_read(cx, &mut buf);
        let read = buf.filled().len();
        self.partial.truncate(have + read);
        match polled {
            Poll::Ready(Ok(())) if read > 0 => {}
            other => return other.map_ok(|()| 0),
        }
        let mut pending = std::mem::take(&mut self.partial);
        let consumed = self.consume(&mut pending);
        if consumed < pending.len() && self.ending.is_none() {
            pending.drain(..consumed);
            self.partial = pending;
        }
        Poll::Ready(Ok(read))
    }

    /// Handles every complete frame at the start of `buffer`; returns how
    /// many bytes they took.
    fn consume(&mut self, buffer: &mut [u8]) -> usize {
        let max = self.shared.config.max_payload;
        let mut at = 0;
        while self.ending.is_none() {
            match ws::read_frame(&mut buffer[at..], max) {
                Ok(None) => break,
                Ok(Some(frame)) => {
                    let payload = at + frame.payload.start..at + frame.payload.end;
                    at += frame.end;
                    self.frame(frame.fin, frame.opcode, &buffer[payload]);
                }
                Err(violation) => {
                    self.violation(violation);
                    break;
                }
            }
        }
        at
    }

    fn frame(&mut self, fin: bool, opcode: Opcode, payload: &[u8]) {
        match opcode {
            Opcode::Ping => ws::write_frame(&mut self.out, Opcode::Pong, payload),
            Opcode::Pong => {}
            Opcode::Close => {
                let code = match payload {
                    [high, low, ..] => u16::from_be_bytes([*high, *low]),
                    _ => 1000,
                };
                self.end_with(DisconnectReason::TransportClose, code);
            }
            Opcode::Text | Opcode::Binary if self.message_kind.is_some() => {
                self.violation(Violation::Protocol);
            }
            Opcode::Text | Opcode::Binary if fin => self.message_complete(opcode, payload),
            Opcode::Text | Opcode::Binary => {
                self.message_kind = Some(opcode);
                self.message.extend_from_slice(payload);
            }
            Opcode::Continuation => {
                let Some(kind) = self.message_kind else {
                    self.violation(Violation::Protocol);
                    return;
                };
                if self.message.len() + payload.len() > self.shared.config.max_payload {
                    self.violation(Violation::TooBig);
                    return;
                }
                self.message.extend_from_slice(payload);
                if fin {
                    let message = std::mem::take(&mut self.message);
                    self.message_kind = None;
                    self.message_complete(kind, &message);
                }
            }
        }
    }

    fn message_complete(&mut self, kind: Opcode, payload: &[u8]) {
        match kind {
            Opcode::Text => match std::str::from_utf8(payload) {
                Ok(text) => self.text(text),
                Err(_) => self.violation(Violation::NotUtf8),
            },
            _ if self.probing => self.end_with(DisconnectReason::TransportError, 1002),
            _ => self.shared.receive_binary(&self.session),
        }
    }

    fn text(&mut self, text: &str) {
        if !self.probing {
            self.shared.receive_text(&self.session, text);
            return;
        }
        match text {
            "2probe" => {
                ws::write_frame(&mut self.out, Opcode::Text, b"3probe");
                // Polls from now on end at once with a NOOP.
                let waker = {
                    let mut state = self.session.state();
                    if state.transport == Transport::Polling {
                        state.transport = Transport::Upgrading;
                    }
                    state.waker.take()
                };
                if let Some(waker) = waker {
                    waker.wake();
                }
            }
            "5" => {
                let upgraded = {
                    let mut state = self.session.state();
                    let live = !state.ended && state.closing.is_none();
                    if live {
                        state.transport = Transport::Websocket;
                        // The poll that waited (if any) answers NOOP and
                        // lets go of the waker slot.
                        if let Some(waker) = state.waker.take() {
                            waker.wake();
                        }
                    }
                    live
                };
                if upgraded {
                    self.probing = false;
                } else {
                    self.end_with(DisconnectReason::TransportClose, 1000);
                }
            }
            _ => self.end_with(DisconnectReason::TransportError, 1002),
        }
    }

    fn violation(&mut self, violation: Violation) {
        self.end_with(DisconnectReason::TransportError, violation.code());
    }

    fn end_with(&mut self, reason: DisconnectReason, code: u16) {
        if self.ending.is_none() {
            self.ending = Some((reason, code));
            if !self.probing {
                self.session.close(reason);
            }
        }
    }

    /// Moves everything queued for the client into the write buffer, or
    /// registers to be woken when something is queued.
    fn take_queue(&mut self, cx: &mut Context<'_>) {
        let mut state = self.session.state();
        if self.probing {
            if state.ended && self.ending.is_none() {
                drop(state);
                self.ending = Some((DisconnectReason::TransportClose, 1000));
            }
            return;
        }
        for packet in state.queue.drain(..) {
            ws::write_header(&mut self.out, Opcode::Text, packet.len());
            self.out.extend_from_slice(packet.head());
            self.out.extend_from_slice(packet.body());
        }
        state.queued_bytes = 0;
        match state.closing {
            Some(reason) => {
                drop(state);
                if self.ending.is_none() {
                    self.ending = Some((reason, 1000));
                }
            }
            None => {
                if !state
                    .waker
                    .as_ref()
                    .is_some_and(|w| w.will_wake(cx.waker()))
                {
                    state.waker = Some(cx.waker().clone());
                }
            }
        }
    }

    /// Writes the buffer out; `Ready(Ok)` once all of it is written.
    fn write_phase(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.out.len() {
            match Pin::new(&mut self.io).poll_write(cx, &self.out[self.written..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => self.written += n,
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                Poll::Pending => return Poll::Pending,
            }
        }
        if !self.out.is_empty() {
            self.out.clear();
            self.written = 0;
            if self.out.capacity() > KEEP_OUT_BYTES {
                self.out = Vec::new();
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Ends the task: the session ends with it, unless this websocket was
    /// only probing (the session then stays with polling).
    fn finish(&mut self, reason: DisconnectReason) -> Poll<()> {
        if !self.done {
            self.done = true;
            if self.probing {
                let mut state = self.session.state();
                if state.transport == Transport::Upgrading {
                    state.transport = Transport::Polling;
                }
            } else {
                self.shared.end_session(&self.session, reason);
            }
        }
        Poll::Ready(())
    }
}

impl<A: Application, IO> Future for Driver<A, IO>
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(());
        }
        if let Err(reason) = this.read_phase(cx) {
            return this.finish(reason);
        }
        this.take_queue(cx);
        if let Some((_, code)) = this.ending
            && !this.close_queued
        {
            this.close_queued = true;
            ws::write_close(&mut this.out, code);
        }
        match this.write_phase(cx) {
            Poll::Ready(Err(_)) => this.finish(DisconnectReason::TransportError),
            Poll::Ready(Ok(())) if this.close_queued => {
                // Best effort: the close frame is out; the peer may be gone.
                let _ = Pin::new(&mut this.io).poll_shutdown(cx);
                let reason = this
                    .ending
                    .map_or(DisconnectReason::TransportClose, |(r, _)| r);
                this.finish(reason)
            }
            _ => Poll::Pending,
        }
    }
}

impl<A: Application, IO> Drop for Driver<A, IO> {
    fn drop(&mut self) {
        // A task dropped unfinished (the runtime stopping) still ends its
        // session, so the application hears of every socket once.
        if !self.done && !self.probing {
            self.done = true;
            self.shared
                .end_session(&self.session, DisconnectReason::ServerShutdown);
        }
    }
}

//! A client: deposits one at a time (the others queue), the wait for a reply, the timeout
//! after which it cannot tell whether the request ran, retries with back-off within the retry
//! horizon, giving up (the outcome stays unknown), late replies, and restart after a crash.

use std::collections::{BTreeSet, VecDeque};

use super::{Idem, Msg, Timer, SERVER_NODE};
use crate::sim::Ctx;
use crate::{NodeId, Time, MS};

/// Deposits a client holds back while one is outstanding; more are refused.
pub const MAX_QUEUE: usize = 16;
/// Finished requests a client lists (the newest).
pub const MAX_FINISHED: usize = 24;

/// Where the outstanding request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReqState {
    /// The first attempt is on its way; no timeout yet.
    Sent,
    /// An attempt timed out: did it run? Unknown. The retry leaves after the back-off.
    TimedOut,
    /// A retry is on its way; whether an earlier attempt ran is still unknown.
    Retrying,
}

/// The request a client is working on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outstanding {
    pub req: u64,
    pub amount: i64,
    /// When the first attempt left (the client's clock).
    pub first_sent: Time,
    /// Attempts sent so far (1 + retries).
    pub attempts: u64,
    pub state: ReqState,
}

/// How a request ended for its client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A reply came: it ran, and the balance after it was this.
    Answered { balance: i64, replayed: bool },
    /// The client gave up after its last retry: did it run? Unknown.
    Unknown,
    /// Gave up, then a late reply said it ran.
    LateAnswer { balance: i64 },
}

/// A finished request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Finished {
    pub req: u64,
    pub amount: i64,
    pub attempts: u64,
    pub outcome: Outcome,
}

/// A client's state; all of it is on disk (it survives a crash), timers aside.
#[derive(Clone, Debug, Default)]
pub struct Client {
    /// This client's index among the clients and how many there are: request numbers are
    /// `index + 1`, `index + 1 + clients`, … (unique across clients).
    index: u64,
    clients: u64,
    /// Requests issued so far.
    pub issued: u64,
    pub current: Option<Outstanding>,
    /// Deposits waiting for their turn: (request, amount), front first.
    pub queue: VecDeque<(u64, i64)>,
    /// The newest finished requests, oldest first.
    pub finished: VecDeque<Finished>,
    /// Requests given up on and not yet answered late.
    pub unknown: BTreeSet<u64>,
    pub answered: u64,
    pub gave_up: u64,
    pub retries: u64,
}

impl Client {
    pub fn new(id: NodeId, clients: usize) -> Client {
        Client {
            index: id.saturating_sub(1) as u64,
            clients: clients.max(1) as u64,
            ..Client::default()
        }
    }

    /// The number of this client's next request.
    fn next_req(&self) -> u64 {
        self.issued * self.clients + self.index + 1
    }

    fn finish(&mut self, f: Finished) {
        self.finished.push_back(f);
        if self.finished.len() > MAX_FINISHED {
            self.finished.pop_front();
        }
    }
}

impl Idem {
    /// The latest the client may send a copy of `o` (its clock).
    fn deadline(&self, o: &Outstanding) -> Time {
        o.first_sent.saturating_add(self.cfg.retry_span())
    }

    /// The `deposit` command, or a random deposit: a new logical request.
    pub(super) fn deposit(&mut self, amount: i64, ctx: &mut Ctx<Self>) {
        let c = &mut self.client;
        if c.queue.len() >= MAX_QUEUE {
            ctx.note("idempotency.busy", amount as u64);
            return;
        }
        let req = c.next_req();
        c.issued += 1;
        ctx.note("idempotency.issue", req);
        if c.current.is_some() {
            c.queue.push_back((req, amount));
        } else {
            self.start(req, amount, ctx);
        }
    }

    fn start(&mut self, req: u64, amount: i64, ctx: &mut Ctx<Self>) {
        self.client.current = Some(Outstanding {
            req,
            amount,
            first_sent: ctx.local_now(),
            attempts: 1,
            state: ReqState::Sent,
        });
        self.send_attempt(ctx);
    }

    fn send_attempt(&mut self, ctx: &mut Ctx<Self>) {
        let Some(o) = self.client.current else {
            return;
        };
        let key = self.cfg.ids.then_some(o.req);
        ctx.send(
            SERVER_NODE,
            Msg::Request {
                req: o.req,
                amount: o.amount,
                key,
            },
        );
        ctx.set_timer(Timer::Timeout(o.req), self.cfg.timeout);
    }

    pub(super) fn auto_deposit(&mut self, ctx: &mut Ctx<Self>) {
        let amount = 10 * (1 + ctx.random_index(10) as i64);
        self.deposit(amount, ctx);
        self.schedule_next(ctx);
    }

    fn schedule_next(&mut self, ctx: &mut Ctx<Self>) {
        if self.cfg.rate > 0.0 {
            let mean = (1_000.0 * MS as f64 / self.cfg.rate) as Time;
            let d = ctx.random_between(mean / 2, mean + mean / 2);
            ctx.set_timer(Timer::Next, d.max(1));
        }
    }

    /// No reply to the latest attempt in time: the client cannot tell whether it ran.
    pub(super) fn timed_out(&mut self, req: u64, ctx: &mut Ctx<Self>) {
        let Some(o) = self.client.current.filter(|o| o.req == req) else {
            return;
        };
        if o.state == ReqState::TimedOut {
            return;
        }
        let retry_at = ctx.local_now().saturating_add(self.cfg.backoff);
        if o.attempts > self.cfg.retries || retry_at > self.deadline(&o) {
            self.give_up(ctx);
            return;
        }
        ctx.note("idempotency.timeout", req);
        if let Some(cur) = &mut self.client.current {
            cur.state = ReqState::TimedOut;
        }
        if self.cfg.backoff == 0 {
            self.retry(req, ctx);
        } else {
            ctx.set_timer(Timer::Retry(req), self.cfg.backoff);
        }
    }

    /// The back-off is over: send the same request again (same number, same key).
    pub(super) fn retry(&mut self, req: u64, ctx: &mut Ctx<Self>) {
        let Some(o) = self.client.current.filter(|o| o.req == req) else {
            return;
        };
        if o.state != ReqState::TimedOut {
            return;
        }
        if o.attempts > self.cfg.retries || ctx.local_now() > self.deadline(&o) {
            self.give_up(ctx);
            return;
        }
        if let Some(cur) = &mut self.client.current {
            cur.attempts += 1;
            cur.state = ReqState::Retrying;
        }
        self.client.retries += 1;
        ctx.note("idempotency.retry", req);
        self.send_attempt(ctx);
    }

    /// Out of retries (or past the horizon): the outcome stays unknown.
    fn give_up(&mut self, ctx: &mut Ctx<Self>) {
        let Some(o) = self.client.current.take() else {
            return;
        };
        ctx.cancel_timer(Timer::Timeout(o.req));
        ctx.cancel_timer(Timer::Retry(o.req));
        ctx.note("idempotency.give_up", o.req);
        let c = &mut self.client;
        c.gave_up += 1;
        c.unknown.insert(o.req);
        c.finish(Finished {
            req: o.req,
            amount: o.amount,
            attempts: o.attempts,
            outcome: Outcome::Unknown,
        });
        self.next_in_queue(ctx);
    }

    fn next_in_queue(&mut self, ctx: &mut Ctx<Self>) {
        if let Some((req, amount)) = self.client.queue.pop_front() {
            self.start(req, amount, ctx);
        }
    }

    /// A reply: to the outstanding request, or a late one to a request given up on (the
    /// client learns that it ran), or a stale copy (ignored).
    pub(super) fn reply(&mut self, req: u64, balance: i64, replayed: bool, ctx: &mut Ctx<Self>) {
        if let Some(o) = self.client.current.filter(|o| o.req == req) {
            self.client.current = None;
            ctx.cancel_timer(Timer::Timeout(req));
            ctx.cancel_timer(Timer::Retry(req));
            ctx.note("idempotency.answered", req);
            let c = &mut self.client;
            c.answered += 1;
            c.finish(Finished {
                req,
                amount: o.amount,
                attempts: o.attempts,
                outcome: Outcome::Answered { balance, replayed },
            });
            self.next_in_queue(ctx);
        } else if self.client.unknown.remove(&req) {
            ctx.note("idempotency.late_answer", req);
            let c = &mut self.client;
            c.answered += 1;
            if let Some(f) = c.finished.iter_mut().find(|f| f.req == req) {
                f.outcome = Outcome::LateAnswer { balance };
            }
        }
    }

    /// Start or restart: the outstanding request (on disk) is retried at once if the client
    /// is still within its retry horizon, and given up on otherwise.
    pub(super) fn client_start(&mut self, ctx: &mut Ctx<Self>) {
        if self.boots > 1 {
            if let Some(o) = self.client.current {
                let now = ctx.local_now();
                if o.attempts <= self.cfg.retries && now <= self.deadline(&o) {
                    if let Some(cur) = &mut self.client.current {
                        cur.attempts += 1;
                        cur.state = ReqState::Retrying;
                    }
                    self.client.retries += 1;
                    ctx.note("idempotency.restart_retry", o.req);
                    self.send_attempt(ctx);
                } else {
                    self.give_up(ctx);
                }
            }
        }
        self.schedule_next(ctx);
    }
}
